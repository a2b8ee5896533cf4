"""Load a validated ContentTree into the catalogue in the caller's transaction (all or nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from learning_portal.accounts import services as accounts
from learning_portal.catalog import services as catalog
from learning_portal.certification import services as certification
from learning_portal.content_import.parser import ContentTree, CourseSpec
from learning_portal.quizzes import services as quizzes


class InvalidContentError(Exception):
    def __init__(self, tree: ContentTree) -> None:
        super().__init__(f"{len(tree.problems)} problem(s) in content")
        self.problems = tree.problems


@dataclass
class ImportReport:
    requirements_changed: int = 0
    categories_changed: int = 0
    courses: list[tuple[str, str, int]] = field(default_factory=list)  # (slug, status, version)


def import_tree(session: Session, tree: ContentTree, *, now: datetime, live: bool = True,
                certified: bool = False) -> ImportReport:
    """Requirements, categories and jurisdictions take effect at once; courses are published, or (not ``live``)
    added as draft versions for commission staff to publish. A course certified here changes only through a
    certification (``certified``: this is one); otherwise its new content waits as a draft."""
    if not tree.ok:
        raise InvalidContentError(tree)
    report = ImportReport()
    for j in tree.jurisdictions.values():
        report.requirements_changed += accounts.upsert_jurisdiction(
            session, code=j.code, name=j.name, cycle_months=j.cycle_months, cycle_anchor=j.cycle_anchor,
            repeat_credit_in_cycle=j.repeat_credit_in_cycle, timezone=j.timezone,
            due_soon_days=j.due_soon_days, judged_from=j.judged_from,
            exemption_grounds=[g.to_dict() for g in j.exemption_grounds], external_cpt=j.external_cpt,
            external_citation=j.external_citation, roster_review=j.roster_review, now=now)
    for category in tree.categories.values():
        report.categories_changed += catalog.upsert_category(session, id=category.id, title=category.title)
    for req in tree.requirements.values():
        report.requirements_changed += catalog.upsert_requirement(
            session, id=req.id, jurisdiction=req.jurisdiction, title=req.title, citation=req.citation,
            summary=req.summary, rule=req.rule.to_dict() if req.rule else None, now=now)
    session.flush()
    for spec in tree.courses:
        keep = not certified and live and certification.in_force_until(session, spec.course_number, now) is not None
        result = catalog.publish_course_version(session, fields=_fields(spec), now=now, live=live and not keep)
        if result.status in ("created", "new_version", "draft"):  # a version without its items yet
            _add_items(session, result.version, spec)
        report.courses.append((spec.slug, result.status, result.version.version))
    return report


def _fields(spec: CourseSpec) -> catalog.CourseFields:
    return catalog.CourseFields(
        slug=spec.slug, presenter=spec.presenter, number=spec.number, title=spec.title, summary=spec.summary,
        description=spec.description, delivery=spec.delivery, audience=spec.audience,
        audience_note=spec.audience_note, topics=spec.topics, cpt_hours=spec.cpt_hours, hours=dict(spec.hours),
        credit_mode=spec.credit, satisfies=spec.satisfies, certification_level=spec.certification_level,
        is_sample=spec.sample, facilitation_allowed=spec.facilitation_allowed,
        facilitator_qualification=spec.facilitator_qualification, content_hash=spec.content_hash(),
        in_order=spec.in_order, roster_review=spec.roster_review,
    )


def _add_items(session: Session, version, spec: CourseSpec) -> None:
    for position, item_spec in enumerate(spec.items):
        item = catalog.add_item(session, version=version, position=position, kind=item_spec.kind,
                                title=item_spec.title, required=item_spec.required, markdown=item_spec.markdown,
                                media_slug=item_spec.media, coverage=item_spec.coverage,
                                allow_skip_ahead=item_spec.allow_skip_ahead, package_slug=item_spec.package,
                                min_seconds=item_spec.min_seconds)
        if item_spec.quiz is not None:
            quiz = item_spec.quiz
            quizzes.create_quiz(session, item=item, pass_mark=quiz.pass_mark, max_attempts=quiz.max_attempts,
                                questions=[quizzes.QuestionInput(q.kind, q.prompt, q.explanation,
                                                                 [(c.text, c.correct) for c in q.choices], q.topic)
                                           for q in quiz.questions],
                                rules=quizzes.QuizRules(quiz.draw, quiz.time_limit_minutes, quiz.late, quiz.review))
