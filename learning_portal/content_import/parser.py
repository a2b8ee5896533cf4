"""Parse and validate content packages into frozen specs. Pure: no database, no Flask.

Every problem is collected (not just the first) with its file and line, so an author fixes a
package in one pass.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from learning_portal.catalog.rules import RULE_KEYS, Rule, parse_rule
from learning_portal.content_import.toml_lines import LineIndex

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]+(?:-[A-Z0-9]+)*$")
CATEGORY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
DELIVERIES = ("self_paced", "instructor_led", "video_facilitated", "blended")
CREDIT_MODES = ("automatic", "roster", "none")
AUDIENCES = ("officer", "dispatcher")
ITEM_KINDS = ("lesson", "video", "quiz", "scorm")
LATE_POLICIES = ("grade_on_time", "refuse")
REVIEWS = ("score", "wrong", "answers_after_pass", "answers")
QUIZ_DEFAULTS = {"draw": None, "time_limit_minutes": None, "late": "grade_on_time", "review": "answers_after_pass"}
DEFAULT_COVERAGE = 0.95
QUESTION_KINDS = ("single", "multiple", "true_false")
MAX_FILE_BYTES = 256 * 1024


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@dataclass(frozen=True)
class RequirementSpec:
    id: str
    jurisdiction: str
    title: str
    citation: str
    summary: str
    rule: Rule | None  # None only while the file has problems


@dataclass(frozen=True)
class GroundSpec:
    """A ground an exemption may be recorded on (Colorado Rule 28 lists four and only four)."""

    id: str
    title: str
    citation: str
    requirements: tuple[str, ...]  # the requirements it may cover; empty: every one of the jurisdiction
    verified: bool  # the reference verifies it; unverified grounds are shown as such

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "citation": self.citation,
                "requirements": list(self.requirements), "verified": self.verified}


@dataclass(frozen=True)
class JurisdictionSpec:
    code: str
    name: str
    cycle_months: int
    cycle_anchor: date
    repeat_credit_in_cycle: bool
    timezone: str
    due_soon_days: int
    judged_from: date | None
    exemption_grounds: tuple[GroundSpec, ...] = ()
    external_cpt: str = "certified_only"  # EXTERNAL_CPT: when training taken elsewhere counts as CPT
    external_citation: str = ""
    roster_review: str = "none"  # ROSTER_REVIEWS: who approves a roster before it credits


@dataclass(frozen=True)
class CategorySpec:
    id: str
    title: str


@dataclass(frozen=True)
class ChoiceSpec:
    text: str
    correct: bool


@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    prompt: str
    explanation: str
    choices: tuple[ChoiceSpec, ...]
    topic: str = ""


@dataclass(frozen=True)
class QuizSpec:
    pass_mark: int
    max_attempts: int | None
    questions: tuple[QuestionSpec, ...]
    draw: dict[str, int] | None = None  # questions per attempt by topic ("*": of all)
    time_limit_minutes: int | None = None
    late: str = "grade_on_time"  # QUIZ_DEFAULTS
    review: str = "answers_after_pass"


@dataclass(frozen=True)
class ItemSpec:
    kind: str
    title: str
    required: bool
    markdown: str | None = None
    quiz: QuizSpec | None = None
    media: str | None = None  # videos: the media asset's slug
    coverage: float | None = None  # videos: share of unique seconds to watch
    allow_skip_ahead: bool = False
    package: str | None = None  # SCORM items: the package's reference
    min_seconds: int | None = None  # lessons: the minimum time on the page


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    presenter: str
    number: str
    title: str
    summary: str
    description: str
    delivery: str
    audience: tuple[str, ...]
    audience_note: str
    topics: tuple[str, ...]
    cpt_hours: Decimal
    hours: tuple[tuple[str, Decimal], ...]
    credit: str
    satisfies: tuple[str, ...]
    certification_level: str
    sample: bool
    facilitation_allowed: bool
    facilitator_qualification: str | None
    items: tuple[ItemSpec, ...]
    in_order: bool = False  # each item opens when the required ones before it are done
    roster_review: str | None = None  # None: the jurisdiction's rule (ROSTER_REVIEWS)

    @property
    def course_number(self) -> str:
        return f"{self.presenter}-{self.number}"

    def content_hash(self) -> str:
        """Identical for identical content: the importer's test for 'unchanged'."""
        data = asdict(self)
        for item in data["items"]:
            if item["package"] is None:
                del item["package"]  # added after courses were hashed: those without a package keep their hash
            if item.get("min_seconds") is None:
                item.pop("min_seconds", None)
            quiz = item.get("quiz")
            if quiz:  # likewise the quiz rules added later: a quiz that sets none keeps its hash
                for key, default in QUIZ_DEFAULTS.items():
                    if quiz.get(key) == default:
                        del quiz[key]
                for question in quiz["questions"]:
                    if not question.get("topic"):
                        question.pop("topic", None)
        if not data["in_order"]:
            del data["in_order"]
        if data["roster_review"] is None:
            del data["roster_review"]
        payload = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class ContentTree:
    requirements: dict[str, RequirementSpec] = field(default_factory=dict)
    jurisdictions: dict[str, JurisdictionSpec] = field(default_factory=dict)
    categories: dict[str, CategorySpec] = field(default_factory=dict)
    courses: list[CourseSpec] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Ids already in the database, for packages uploaded without a requirements folder (validation only).
    known_categories: set[str] = field(default_factory=set)
    known_requirements: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_tree(root: Path, only: list[Path] | None = None, *, known: tuple[set[str], set[str]] | None = None
              ) -> ContentTree:
    """Parse ``root/requirements`` and every course package (or only those in ``only``). With ``known``
    (category and requirement ids in the database), packages may come without a requirements folder."""
    tree = ContentTree()
    if known is not None:
        tree.known_categories, tree.known_requirements = set(known[0]), set(known[1])
    req_dir = root / "requirements"
    if not req_dir.is_dir():
        if known is None:
            tree.problems.append(Problem(_rel(req_dir, root), None, "missing requirements folder"))
    else:
        files = []
        for path in sorted(req_dir.glob("*.toml")):
            rel = _rel(path, root)
            data, lines = _load_toml(path, rel, tree.problems)
            if data is not None:
                files.append((data, _Reporter(rel, lines, tree.problems)))
        for data, report in files:  # categories first: requirements of any file may count them
            _parse_categories(data, report, tree)
        for data, report in files:
            _parse_requirements(data, report, tree)
    packages = only if only is not None else sorted(p for p in root.iterdir()
                                                    if p.is_dir() and p.name != "requirements")
    seen_numbers: dict[str, str] = {}
    for package in packages:
        spec = parse_course(package, root, tree)
        if spec is None:
            continue
        other = seen_numbers.setdefault(spec.course_number, spec.slug)
        if other != spec.slug:
            tree.problems.append(Problem(_rel(package / "course.toml", root), None,
                                         f"course number {spec.course_number} is also used by '{other}'"))
        tree.courses.append(spec)
    tree.problems.sort()
    return tree


# --- requirements -------------------------------------------------------------------------------


def _parse_categories(data: dict, report: _Reporter, tree: ContentTree) -> None:
    if "categories" in data:
        for i, raw in enumerate(_table_list(data, "categories", report)):
            cid, title = raw.get("id"), raw.get("title")
            if not isinstance(cid, str) or not CATEGORY_RE.match(cid):
                report("categories", i, "id", msg="category id must be lower_snake_case")
                continue
            if not _nonempty(title):
                report("categories", i, "title", msg="category needs a title")
            if cid in tree.categories:
                report("categories", i, "id", msg=f"category '{cid}' is defined twice")
            tree.categories[cid] = CategorySpec(cid, str(title or ""))


def _parse_requirements(data: dict, report: _Reporter, tree: ContentTree) -> None:
    if "requirements" not in data:
        return
    jurisdiction = data.get("jurisdiction")
    if not isinstance(jurisdiction, str) or not re.match(r"^[A-Z]{2}-[A-Z0-9]{2,12}$", jurisdiction):
        report("jurisdiction", msg="jurisdiction must be a code such as CA-POST")
        return
    _parse_jurisdiction(data, jurisdiction, report, tree)
    for i, raw in enumerate(_table_list(data, "requirements", report)):
        rid = raw.get("id")
        if not isinstance(rid, str) or not ID_RE.match(rid):
            report("requirements", i, "id", msg="requirement id must look like CA-CPT-24")
            continue
        if not rid.startswith(jurisdiction.split("-")[0] + "-"):
            report("requirements", i, "id", msg=f"'{rid}' does not belong to {jurisdiction}")
        for key in ("title", "citation", "summary"):
            if not _nonempty(raw.get(key)):
                report("requirements", i, key, msg=f"requirement {rid} needs a {key}")
        if rid in tree.requirements:
            report("requirements", i, "id", msg=f"requirement '{rid}' is defined twice")
        for key in sorted(set(raw) - RULE_KEYS - {"id", "title", "citation", "summary"}):
            report("requirements", i, key, msg=f"unknown key '{key}' in requirement {rid}")
        rule, rule_errors = parse_rule(raw, set(tree.categories))
        for key, message in rule_errors:
            report("requirements", i, key if key in raw else "id", msg=f"{rid}: {message}")
        tree.requirements[rid] = RequirementSpec(rid, jurisdiction, str(raw.get("title", "")),
                                                 str(raw.get("citation", "")), str(raw.get("summary", "")), rule)
    if jurisdiction in tree.jurisdictions:
        tree.jurisdictions[jurisdiction] = replace(tree.jurisdictions[jurisdiction],
                                                   exemption_grounds=_parse_grounds(data, jurisdiction, report, tree))


GROUND_KEYS = {"id", "title", "citation", "requirements", "verified"}
# When approved training taken elsewhere counts toward CPT: always; only a course certified by the commission
# (a course number); certified, or proven by a certificate or letter of completion (California Regulation
# 1060); never (it counts for the mandates only).
EXTERNAL_CPT = ("always", "certified_only", "certified_or_certificate", "never")
# Who approves a submitted roster before it credits: nobody (at once), the host agency's training manager, or
# commission staff.
ROSTER_REVIEWS = ("none", "agency", "commission")


def _parse_grounds(data: dict, jurisdiction: str, report: _Reporter, tree: ContentTree) -> tuple[GroundSpec, ...]:
    """``[[exemption_grounds]]``: the fixed list an exemption is chosen from (none listed: none can be recorded)."""
    if "exemption_grounds" not in data:
        return ()
    own = {rid for rid, spec in tree.requirements.items() if spec.jurisdiction == jurisdiction}
    grounds: dict[str, GroundSpec] = {}
    for i, raw in enumerate(_table_list(data, "exemption_grounds", report)):
        gid = raw.get("id")
        if not isinstance(gid, str) or not CATEGORY_RE.match(gid) or len(gid) > 40:
            report("exemption_grounds", i, "id", msg="a ground's id must be lower_snake_case, at most 40 characters")
            continue
        for key in sorted(set(raw) - GROUND_KEYS):
            report("exemption_grounds", i, key, msg=f"unknown key '{key}' in exemption ground {gid}")
        for key in ("title", "citation"):
            if not _nonempty(raw.get(key)):
                report("exemption_grounds", i, key, msg=f"exemption ground {gid} needs a {key}")
        covers = raw.get("requirements", [])
        if not isinstance(covers, list) or not all(isinstance(r, str) for r in covers):
            report("exemption_grounds", i, "requirements", msg=f"{gid}: requirements must be a list of ids")
            covers = []
        for rid in sorted(set(covers) - own):
            report("exemption_grounds", i, "requirements", msg=f"{gid}: '{rid}' is not a requirement of {jurisdiction}")
        verified = raw.get("verified", False)
        if not isinstance(verified, bool):
            report("exemption_grounds", i, "verified", msg=f"{gid}: verified must be true or false")
        if gid in grounds:
            report("exemption_grounds", i, "id", msg=f"exemption ground '{gid}' is defined twice")
        grounds[gid] = GroundSpec(gid, str(raw.get("title", "")), str(raw.get("citation", "")),
                                  tuple(dict.fromkeys(covers)), verified is True)
    return tuple(grounds.values())


def _parse_jurisdiction(data: dict, code: str, report: _Reporter, tree: ContentTree) -> None:
    cycle, credit = data.get("cpt_cycle"), data.get("credit", {})
    if not _nonempty(data.get("name")):
        report("name", msg="the jurisdiction needs a name")
    if not isinstance(cycle, dict):
        report("cpt_cycle", msg="[cpt_cycle] with 'months' and 'anchor' is required")
        return
    months, anchor = cycle.get("months"), cycle.get("anchor")
    if not isinstance(months, int) or isinstance(months, bool) or months not in (12, 24, 36, 48, 60):
        report("cpt_cycle", "months", msg="months must be 12, 24, 36, 48 or 60")
        return
    if not isinstance(anchor, date) or anchor.day != 1:
        report("cpt_cycle", "anchor", msg="anchor must be a date on the first of a month, e.g. 2025-01-01")
        return
    # A repeat earns CPT again unless the jurisdiction's rules say otherwise, with the rule that says so.
    repeat = credit.get("repeat_in_cycle", True) if isinstance(credit, dict) else None
    if not isinstance(repeat, bool):
        report("credit", msg="[credit] repeat_in_cycle must be true or false")
        return
    citation = credit.get("citation") if isinstance(credit, dict) else None
    if not repeat and not (isinstance(citation, str) and citation.strip()):
        report("credit", "citation", msg="[credit] repeat_in_cycle = false needs the citation of the rule that "
                                         "says a repeat earns no CPT (citation = \"...\")")
        return
    timezone = data.get("timezone")
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        report("timezone", msg="timezone must be an IANA time zone such as America/Los_Angeles")
        return
    compliance = data.get("compliance", {})
    due_soon = compliance.get("due_soon_days", 90) if isinstance(compliance, dict) else None
    if not isinstance(due_soon, int) or isinstance(due_soon, bool) or not 0 <= due_soon <= 365:
        report("compliance", msg="[compliance] due_soon_days must be a whole number of days from 0 to 365")
        return
    judged_from = compliance.get("judged_from")
    if judged_from is not None and not isinstance(judged_from, date):
        report("compliance", "judged_from", msg="judged_from must be a date such as 2025-01-01")
        return
    external = data.get("external", {})
    rule = external.get("cpt", "certified_only") if isinstance(external, dict) else None
    if rule not in EXTERNAL_CPT:
        report("external", msg=f"[external] cpt must be one of: {', '.join(EXTERNAL_CPT)}")
        return
    external_citation = external.get("citation", "")
    if not isinstance(external_citation, str):
        report("external", "citation", msg="[external] citation must be text")
        return
    rosters = data.get("rosters", {})
    review = rosters.get("review", "none") if isinstance(rosters, dict) else None
    if review not in ROSTER_REVIEWS:
        report("rosters", msg=f"[rosters] review must be one of: {', '.join(ROSTER_REVIEWS)}")
        return
    if code in tree.jurisdictions:
        report("jurisdiction", msg=f"jurisdiction {code} is defined twice")
    tree.jurisdictions[code] = JurisdictionSpec(code, str(data.get("name", "")), months, anchor, repeat, timezone,
                                                due_soon, judged_from, external_cpt=rule,
                                                external_citation=external_citation.strip(), roster_review=review)


# --- courses --------------------------------------------------------------------------------------

COURSE_KEYS = {"slug", "presenter", "number", "title", "summary", "description", "delivery", "audience",
               "audience_note", "topics", "cpt_hours", "credit", "satisfies", "certification_level", "sample",
               "hours", "facilitation", "items", "in_order", "seat_time", "roster_review"}
ITEM_KEYS = {"kind", "title", "file", "required", "media", "coverage", "skip_ahead", "package", "min_minutes"}
SEAT_TIMES = ("from_cpt_hours",)  # lessons without min_minutes share half the CPT hours, 1 to 15 minutes each


def parse_course(package: Path, root: Path, tree: ContentTree) -> CourseSpec | None:
    manifest = package / "course.toml"
    rel = _rel(manifest, root)
    if not manifest.is_file():
        tree.problems.append(Problem(rel, None, "course.toml is missing"))
        return None
    data, lines = _load_toml(manifest, rel, tree.problems)
    if data is None:
        return None
    before = len(tree.problems)
    report = _Reporter(rel, lines, tree.problems)

    for key in sorted(set(data) - COURSE_KEYS):
        report(key, msg=f"unknown key '{key}'")
    slug = _string(data, "slug", report, pattern=SLUG_RE, hint="lower-case letters, digits and dashes")
    if slug and slug != package.name:
        report("slug", msg=f"slug '{slug}' must match the folder name '{package.name}'")
    presenter = _string(data, "presenter", report, pattern=re.compile(r"^\d{4}$"), hint="4 digits")
    number = _string(data, "number", report, pattern=re.compile(r"^\d{5}$"), hint="5 digits")
    title = _string(data, "title", report, max_len=200)
    summary = _string(data, "summary", report, max_len=400)
    description = _string(data, "description", report, max_len=4000)
    delivery = _choice(data, "delivery", DELIVERIES, report)
    credit = _choice(data, "credit", CREDIT_MODES, report)
    audience = _string_list(data, "audience", report, allowed=AUDIENCES, required=True)
    audience_note = data.get("audience_note", "")
    if not isinstance(audience_note, str) or len(audience_note) > 400:
        report("audience_note", msg="audience_note must be text of at most 400 characters")
    topics = _string_list(data, "topics", report, required=True)
    satisfies = _string_list(data, "satisfies", report, required=False)
    for rid in satisfies:
        if rid not in tree.requirements and rid not in tree.known_requirements:
            report("satisfies", msg=f"unknown requirement id '{rid}' (not in content/requirements)")
    level = data.get("certification_level", "II")
    if level not in ("I", "II"):
        report("certification_level", msg="certification_level must be 'I' or 'II'")
    sample = data.get("sample", False)
    if not isinstance(sample, bool):
        report("sample", msg="sample must be true or false")

    cpt_hours = _hours_value(data.get("cpt_hours"), report, ("cpt_hours",))
    hours: dict[str, Decimal] = {}
    raw_hours = data.get("hours", {})
    if not isinstance(raw_hours, dict):
        report("hours", msg="[hours] must be a table of category = hours")
        raw_hours = {}
    for category, value in raw_hours.items():
        if category not in tree.categories and category not in tree.known_categories:
            report("hours", category, msg=f"unknown hour category '{category}'")
        amount = _hours_value(value, report, ("hours", category))
        if amount is not None:
            hours[category] = amount
    if cpt_hours is not None:
        total = sum(hours.values(), Decimal(0))
        if total != cpt_hours:
            report("hours", msg=f"[hours] add up to {total}, but cpt_hours is {cpt_hours}")
        if credit == "none" and cpt_hours:
            report("credit", msg="credit = 'none' but the course has CPT hours")
        if credit in ("automatic", "roster") and not cpt_hours:
            report("credit", msg="a course with 0 CPT hours posts no credit: use credit = 'none'")

    facilitation = data.get("facilitation", {})
    if not isinstance(facilitation, dict) or set(facilitation) - {"allowed", "qualification"}:
        report("facilitation", msg="[facilitation] takes only 'allowed' and 'qualification'")
        facilitation = {}
    allowed = facilitation.get("allowed", False)
    qualification = facilitation.get("qualification")
    if not isinstance(allowed, bool):
        report("facilitation", "allowed", msg="allowed must be true or false")
    if qualification is not None and (not isinstance(qualification, str) or not CATEGORY_RE.match(qualification)):
        report("facilitation", "qualification", msg="qualification must be lower_snake_case")
    if qualification and not allowed:
        report("facilitation", "qualification", msg="a qualification is set but facilitation is not allowed")

    items = _parse_items(data, package, root, report, tree.problems)
    in_order = data.get("in_order", False)
    if not isinstance(in_order, bool):
        report("in_order", msg="in_order must be true or false")
    roster_review = data.get("roster_review")
    if roster_review is not None and roster_review not in ROSTER_REVIEWS:
        report("roster_review", msg=f"roster_review must be one of: {', '.join(ROSTER_REVIEWS)}")
    seat_time = data.get("seat_time")
    if seat_time is not None and seat_time not in SEAT_TIMES:
        report("seat_time", msg=f"seat_time must be one of: {', '.join(SEAT_TIMES)} (or left out)")
    if seat_time == "from_cpt_hours" and cpt_hours:
        lessons = [it for it in items if it.kind == "lesson"]
        share = min(max(float(cpt_hours) * 30 / max(len(lessons), 1), 1), 15)  # minutes per lesson
        items = [replace(it, min_seconds=round(share * 60)) if it.kind == "lesson" and it.min_seconds is None
                 else it for it in items]
    if len(tree.problems) > before:
        return None
    return CourseSpec(
        slug=slug, presenter=presenter, number=number, title=title, summary=summary,
        description=description.strip(), delivery=delivery, audience=tuple(audience),
        audience_note=audience_note, topics=tuple(topics),
        cpt_hours=cpt_hours if cpt_hours is not None else Decimal("0.00"),
        hours=tuple(sorted(hours.items())), credit=credit, satisfies=tuple(satisfies),
        certification_level=level, sample=sample, facilitation_allowed=allowed,
        facilitator_qualification=qualification, items=tuple(items), in_order=in_order is True,
        roster_review=roster_review,
    )


def _parse_items(data: dict, package: Path, root: Path, report: _Reporter,
                 problems: list[Problem]) -> list[ItemSpec]:
    raw_items = _table_list(data, "items", report)
    if not raw_items:
        report("items", msg="a course needs at least one [[items]] entry")
    items: list[ItemSpec] = []
    for i, raw in enumerate(raw_items):
        for key in sorted(set(raw) - ITEM_KEYS):
            report("items", i, key, msg=f"unknown item key '{key}'")
        kind = raw.get("kind")
        if kind not in ITEM_KINDS:
            report("items", i, "kind", msg=f"item kind must be one of: {', '.join(ITEM_KINDS)}")
            continue
        title = raw.get("title")
        if not _nonempty(title) or len(title) > 200:
            report("items", i, "title", msg="item needs a title (at most 200 characters)")
        required = raw.get("required", True)
        if not isinstance(required, bool):
            report("items", i, "required", msg="required must be true or false")
        min_minutes = raw.get("min_minutes")
        if min_minutes is not None and (kind != "lesson" or not isinstance(min_minutes, int | float)
                                        or isinstance(min_minutes, bool) or not 0 < min_minutes <= 240):
            report("items", i, "min_minutes", msg="min_minutes is a lesson's minimum time on the page: more than 0 "
                                                  "and at most 240 (videos count their watched seconds instead)")
            min_minutes = None
        if kind == "video":
            video = _parse_video_item(raw, i, report)
            if video is not None:
                items.append(ItemSpec("video", str(title), bool(required), **video))
            continue
        if kind == "scorm":
            package_ref = raw.get("package")
            if not isinstance(package_ref, str) or not SLUG_RE.match(package_ref) or "file" in raw:
                report("items", i, "package", msg="a SCORM item names its package: package = \"<package reference>\" "
                       "(packages are uploaded under SCORM packages, not kept in the course folder)")
            else:
                items.append(ItemSpec("scorm", str(title), bool(required), package=package_ref))
            continue
        file = _package_file(raw.get("file"), package, root, report, ("items", i, "file"))
        if file is None:
            continue
        if kind == "lesson":
            markdown = _read_text(file, root, problems, suffix=".md")
            if markdown is not None:
                items.append(ItemSpec("lesson", str(title), bool(required), markdown=markdown,
                                      min_seconds=round(min_minutes * 60) if min_minutes else None))
        else:
            quiz = parse_quiz(file, root, problems)
            if quiz is not None:
                items.append(ItemSpec("quiz", str(title), bool(required), quiz=quiz))
    return items


def _parse_video_item(raw: dict, i: int, report: _Reporter) -> dict | None:
    media, coverage, skip = raw.get("media"), raw.get("coverage", DEFAULT_COVERAGE), raw.get("skip_ahead", False)
    ok = True
    if not isinstance(media, str) or not SLUG_RE.match(media):
        report("items", i, "media", msg="a video item names its video: media = \"<video slug>\"")
        ok = False
    if "file" in raw:
        report("items", i, "file", msg="a video item takes media, not file (videos live in media storage)")
        ok = False
    if isinstance(coverage, bool) or not isinstance(coverage, int | float) or not 0.5 <= coverage <= 1:
        report("items", i, "coverage", msg="coverage is the share of the video to watch, from 0.5 to 1.0")
        ok = False
    if not isinstance(skip, bool):
        report("items", i, "skip_ahead", msg="skip_ahead must be true or false")
        ok = False
    return {"media": media, "coverage": float(coverage), "allow_skip_ahead": skip} if ok else None


def parse_quiz(path: Path, root: Path, problems: list[Problem]) -> QuizSpec | None:
    rel = _rel(path, root)
    data, lines = _load_toml(path, rel, problems)
    if data is None:
        return None
    before = len(problems)
    report = _Reporter(rel, lines, problems)
    for key in sorted(set(data) - {"pass_mark", "max_attempts", "questions", "draw", "time_limit_minutes", "late",
                                   "review"}):
        report(key, msg=f"unknown key '{key}'")
    pass_mark = data.get("pass_mark")
    if not isinstance(pass_mark, int) or isinstance(pass_mark, bool) or not 1 <= pass_mark <= 100:
        report("pass_mark", msg="pass_mark must be a whole percentage from 1 to 100")
    max_attempts = data.get("max_attempts")
    if max_attempts is not None and (not isinstance(max_attempts, int) or isinstance(max_attempts, bool)
                                     or max_attempts < 1):
        report("max_attempts", msg="max_attempts must be a whole number of at least 1")
    limit = data.get("time_limit_minutes")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 600):
        report("time_limit_minutes", msg="time_limit_minutes must be a whole number of minutes from 1 to 600 "
                                         "(leave it out for no limit)")
    late = data.get("late", "grade_on_time")
    if late not in LATE_POLICIES:
        report("late", msg=f"late must be one of: {', '.join(LATE_POLICIES)}")
    review = data.get("review", "answers_after_pass")
    if review not in REVIEWS:
        report("review", msg=f"review must be one of: {', '.join(REVIEWS)}")
    raw_questions = _table_list(data, "questions", report)
    if not 1 <= len(raw_questions) <= 200:
        report("questions", msg="a quiz needs 1 to 200 [[questions]]")
    questions: list[QuestionSpec] = []
    for i, raw in enumerate(raw_questions):
        question = _parse_question(raw, i, report)
        if question is not None:
            questions.append(question)
    draw = _parse_draw(data.get("draw"), questions, report)
    if draw is None and len(raw_questions) > 50:
        report("questions", msg="a quiz asks at most 50 questions: with more, add [draw] to ask some of them")
    if len(problems) > before:
        return None
    return QuizSpec(pass_mark=pass_mark, max_attempts=max_attempts, questions=tuple(questions), draw=draw,
                    time_limit_minutes=limit, late=late, review=review)


def _parse_draw(raw: object, questions: list[QuestionSpec], report: _Reporter) -> dict[str, int] | None:
    """``[draw]``: how many questions each attempt asks, per topic, or of all with ``"*"``."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or not raw:
        report("draw", msg='draw is a table of topic = number of questions per attempt ("*" = of all)')
        return None
    pools = {topic: sum(q.topic == topic for q in questions) for topic in {q.topic for q in questions}}
    out: dict[str, int] = {}
    for topic, n in raw.items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            report("draw", topic, msg=f"draw.{topic} must be a whole number of questions, at least 1")
            continue
        if topic == "*":
            if len(raw) > 1:
                report("draw", topic, msg='draw "*" (of all questions) cannot be combined with topics')
            pool = len(questions)
        elif topic not in pools:
            report("draw", topic, msg=f"draw names topic '{topic}', which no question has")
            continue
        else:
            pool = pools[topic]
        if pool < n:
            report("draw", topic, msg=f"draw.{topic} asks {n} questions of a pool of {pool}: the pool is smaller "
                                      "than its draw")
        out[topic] = n
    if "*" not in out and out and any(q.topic not in out for q in questions):
        missing = sorted({q.topic or "(no topic)" for q in questions if q.topic not in out})
        report("draw", msg=f"questions of topics {', '.join(missing)} are never drawn: add them to [draw]")
    if sum(out.values()) > 50:
        report("draw", msg="an attempt asks at most 50 questions")
    return out or None


def _parse_question(raw: dict, i: int, report: _Reporter) -> QuestionSpec | None:
    for key in sorted(set(raw) - {"kind", "prompt", "explanation", "choices", "answer", "topic"}):
        report("questions", i, key, msg=f"unknown question key '{key}'")
    topic = raw.get("topic", "")
    if not isinstance(topic, str) or len(topic) > 60 or topic == "*":
        report("questions", i, "topic", msg="topic must be a short name (not *)")
        topic = ""
    kind = raw.get("kind")
    if kind not in QUESTION_KINDS:
        report("questions", i, "kind", msg=f"question kind must be one of: {', '.join(QUESTION_KINDS)}")
        return None
    prompt = raw.get("prompt")
    if not _nonempty(prompt):
        report("questions", i, "prompt", msg="question needs a prompt")
    explanation = raw.get("explanation", "")
    if not isinstance(explanation, str):
        report("questions", i, "explanation", msg="explanation must be text")
        explanation = ""
    if kind == "true_false":
        answer = raw.get("answer")
        if "choices" in raw:
            report("questions", i, "choices", msg="a true_false question takes 'answer', not choices")
        if not isinstance(answer, bool):
            report("questions", i, "answer", msg="a true_false question needs answer = true or false")
            return None
        choices = (ChoiceSpec("True", answer), ChoiceSpec("False", not answer))
        return QuestionSpec(kind, str(prompt or ""), explanation, choices, topic.strip())
    if "answer" in raw:
        report("questions", i, "answer", msg="'answer' is only for true_false questions")
    raw_choices = raw.get("choices", [])
    if not isinstance(raw_choices, list) or not 2 <= len(raw_choices) <= 6:
        report("questions", i, "choices", msg="a question needs 2 to 6 choices")
        return None
    choices: list[ChoiceSpec] = []
    for j, choice in enumerate(raw_choices):
        if not isinstance(choice, dict) or not _nonempty(choice.get("text")):
            report("questions", i, "choices", j, "text", msg="each choice needs text")
            continue
        correct = choice.get("correct", False)
        if not isinstance(correct, bool):
            report("questions", i, "choices", j, "correct", msg="correct must be true or false")
        if set(choice) - {"text", "correct"}:
            report("questions", i, "choices", j, msg="a choice takes only 'text' and 'correct'")
        choices.append(ChoiceSpec(choice["text"].strip(), correct is True))
    texts = [c.text.lower() for c in choices]
    if len(set(texts)) != len(texts):
        report("questions", i, "choices", msg="two choices have the same text")
    n_correct = sum(c.correct for c in choices)
    if kind == "single" and n_correct != 1:
        report("questions", i, "choices",
               msg=f"a single-choice question needs exactly one correct choice (has {n_correct})")
    if kind == "multiple" and n_correct < 1:
        report("questions", i, "choices", msg="a multiple-choice question needs at least one correct choice")
    return QuestionSpec(kind, str(prompt or "").strip(), explanation.strip(), tuple(choices), topic.strip())


# --- helpers --------------------------------------------------------------------------------------


class _Reporter:
    """Adds a Problem at the line of a key path in one file."""

    def __init__(self, rel: str, lines: LineIndex, problems: list[Problem]) -> None:
        self.rel, self.lines, self.problems = rel, lines, problems

    def __call__(self, *path: str | int, msg: str) -> None:
        self.problems.append(Problem(self.rel, self.lines.line(*path), msg))


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _load_toml(path: Path, rel: str, problems: list[Problem]) -> tuple[dict | None, LineIndex]:
    text = _read_text(path, path.parent, problems, rel=rel)
    if text is None:
        return None, LineIndex("")
    try:
        return tomllib.loads(text), LineIndex(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else None
        if "(at end of document)" in str(exc):
            line = max(len(text.splitlines()), 1)
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
        problems.append(Problem(rel, line, f"invalid TOML: {message}"))
        return None, LineIndex("")


def _read_text(path: Path, root: Path, problems: list[Problem], *, suffix: str | None = None,
               rel: str | None = None) -> str | None:
    rel = rel or _rel(path, root)
    if suffix and path.suffix != suffix:
        problems.append(Problem(rel, None, f"expected a {suffix} file"))
        return None
    if not path.is_file():
        problems.append(Problem(rel, None, "file not found"))
        return None
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(rel, None, f"file is larger than {MAX_FILE_BYTES // 1024} KB"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(rel, None, "file is not UTF-8 text"))
        return None
    if not text.strip():
        problems.append(Problem(rel, None, "file is empty"))
        return None
    return text


def _package_file(value: Any, package: Path, root: Path, report: _Reporter, path: tuple) -> Path | None:
    if not _nonempty(value):
        report(*path, msg="item needs a file")
        return None
    candidate = (package / value).resolve()
    if package.resolve() not in candidate.parents:
        report(*path, msg=f"'{value}' is outside the package folder")
        return None
    if not candidate.is_file():
        report(*path, msg=f"file '{value}' not found")
        return None
    return candidate


def _table_list(data: dict, key: str, report: _Reporter) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        report(key, msg=f"'{key}' must be written as [[{key}]] tables")
        return []
    return value


def _nonempty(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _string(data: dict, key: str, report: _Reporter, *, pattern: re.Pattern[str] | None = None,
            hint: str = "", max_len: int = 200) -> str:
    value = data.get(key)
    if not _nonempty(value):
        report(key, msg=f"'{key}' is required")
        return ""
    value = value.strip()
    if pattern and not pattern.match(value):
        report(key, msg=f"'{key}' must be {hint}")
    if len(value) > max_len:
        report(key, msg=f"'{key}' is longer than {max_len} characters")
    return value


def _choice(data: dict, key: str, options: tuple[str, ...], report: _Reporter) -> str:
    value = data.get(key)
    if value not in options:
        report(key, msg=f"'{key}' must be one of: {', '.join(options)}")
        return ""
    return value


def _string_list(data: dict, key: str, report: _Reporter, *, allowed: tuple[str, ...] | None = None,
                 required: bool) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(_nonempty(v) for v in value):
        report(key, msg=f"'{key}' must be a list of text values")
        return []
    if required and not value:
        report(key, msg=f"'{key}' needs at least one value")
    if allowed:
        for v in value:
            if v not in allowed:
                report(key, msg=f"'{v}' is not one of: {', '.join(allowed)}")
    if len(set(value)) != len(value):
        report(key, msg=f"'{key}' lists a value twice")
    return [v.strip() for v in value]


def _hours_value(value: Any, report: _Reporter, path: tuple) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        report(*path, msg="hours must be a number")
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        report(*path, msg="hours must be a number")
        return None
    if amount < 0 or amount > 400 or amount % Decimal("0.25"):
        report(*path, msg="hours must be between 0 and 400, in quarter hours")
        return None
    return amount.quantize(Decimal("0.01"))
