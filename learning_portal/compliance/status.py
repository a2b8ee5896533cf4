"""What a standing is called on a given day: the one definition of "overdue", "due soon" and the rest.

A stored or fresh finding keeps facts (state, done, due date, whether records may be missing, whether
something is still owed); the status follows from them and the day. The Python (for one person, live) and
the SQL (dashboards, filters, exports over thousands) are written side by side here and tested against each
other on the same cases (tests/compliance/test_status.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, literal

from learning_portal.accounts.localdate import past_due

# Worst first: a person's overall status is the worst of their requirements'.
STATUSES = ("overdue", "due_soon", "missing_date", "no_record", "on_track", "compliant", "exempt", "not_applicable")
LABELS = {"overdue": "Overdue", "due_soon": "Due soon", "missing_date": "Date missing",
          "no_record": "No record on file", "on_track": "On track", "compliant": "Compliant", "exempt": "Exempt",
          "not_applicable": "Not applicable"}
MEANINGS = {
    "overdue": "The due date has passed and what is required is not on file.",
    "due_soon": "Still owed, and due within the jurisdiction's due-soon window (90 days).",
    "missing_date": "The date the requirement counts from (promotion, assignment, hire) is not on file, so no "
                    "due date can be set: a data problem to fix in the person's record.",
    "no_record": "Nothing on file, but the training may have been done before this agency's records start in "
                 "the portal: import or add the past record. Becomes overdue only when it is certain.",
    "on_track": "Not yet done, with time left: hours or a course still owed before a due date not yet near.",
    "compliant": "Done for now: the cycle's hours are complete, or the course is completed and not yet due again.",
    "exempt": "An exemption or waiver in force covers it today.",
    "not_applicable": "Does not apply to the person (role, rank, assignment) or not yet in force for them.",
}
TRACKED = "tracked"  # the states that are not tracked are statuses in their own right
STATES = (TRACKED, "exempt", "not_applicable", "no_record", "missing_date")


def soon_until(today: date, due_soon_days: int) -> date:
    return today + timedelta(days=due_soon_days)


def requirement_status(*, state: str, done: bool, due_on: date | None, gap: bool, owed: bool, today: date,
                       due_soon_days: int) -> str:
    if state != TRACKED:
        return state
    if done:
        return "compliant"
    if past_due(due_on, today):
        return "overdue"
    if due_on is not None and due_on <= soon_until(today, due_soon_days):
        return "due_soon"
    if gap:
        return "no_record"
    return "on_track" if owed else "compliant"


def requirement_status_sql(table, today: date, due_soon_days: int) -> ColumnElement[str]:
    """The same over a table with columns state, done, due_on, gap, owed (compliance_statuses)."""
    t = table
    return case(
        (t.state != TRACKED, t.state), (t.done, literal("compliant")),
        (t.due_on < today, literal("overdue")),
        (t.due_on <= soon_until(today, due_soon_days), literal("due_soon")),
        (t.gap, literal("no_record")), (t.owed, literal("on_track")), else_=literal("compliant"))


def overall_status(*, outstanding: bool, worst_due_on: date | None, missing: int, gaps: int, owed: int,
                   tracked: int, exempt: int, today: date, due_soon_days: int) -> str:
    """The worst of a person's requirement statuses, from the counts stored per person: ``worst_due_on`` the
    earliest due date of the tracked requirements not done (``outstanding``: there is one), ``missing``
    missing_date rows, ``gaps`` no_record rows and tracked rows whose records may be missing, ``owed``
    tracked rows still owed."""
    if outstanding and past_due(worst_due_on, today):
        return "overdue"
    if outstanding and worst_due_on is not None and worst_due_on <= soon_until(today, due_soon_days):
        return "due_soon"
    if missing:
        return "missing_date"
    if gaps:
        return "no_record"
    if owed:
        return "on_track"
    if tracked:
        return "compliant"
    return "exempt" if exempt else "not_applicable"


def person_counts(findings: Iterable[Any]) -> dict[str, Any]:
    """What ``overall_status`` reads, from a person's findings (engine.Finding), as stored per person."""
    findings = list(findings)
    dated = [f.due_on for f in findings if f.state == TRACKED and not f.done and f.due_on is not None]
    return {"outstanding": bool(dated), "worst_due_on": min(dated, default=None),
            "tracked": sum(f.state == TRACKED for f in findings), "exempt": sum(f.state == "exempt" for f in findings),
            "missing": sum(f.state == "missing_date" for f in findings),
            "gaps": sum(f.state == "no_record" or (f.state == TRACKED and f.gap and not f.done) for f in findings),
            "owed": sum(f.state == TRACKED and f.owed and not f.done for f in findings)}


def overall_status_sql(table, today: date, due_soon_days: int) -> ColumnElement[str]:
    """The same over compliance_people."""
    t = table
    return case(
        (and_(t.outstanding, t.worst_due_on < today), literal("overdue")),
        (and_(t.outstanding, t.worst_due_on <= soon_until(today, due_soon_days)), literal("due_soon")),
        (t.missing > 0, literal("missing_date")), (t.gaps > 0, literal("no_record")),
        (t.owed > 0, literal("on_track")), (t.tracked > 0, literal("compliant")), (t.exempt > 0, literal("exempt")),
        else_=literal("not_applicable"))


def rank(status: str) -> int:
    return STATUSES.index(status)
