"""An agency's assignments: who was assigned what, by whom, due when, and in what state; extend, cancel, excuse."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from learning_portal.accounts.localdate import today_for
from learning_portal.accounts.models import Person, Role
from learning_portal.audit import services as audit
from learning_portal.clock import utcnow
from learning_portal.compliance import services
from learning_portal.compliance.forms import AssignmentChangeForm
from learning_portal.csvfile import write_rows
from learning_portal.db import get_session, streamed
from learning_portal.errors import ConflictError, ValidationError
from learning_portal.learning import assignments
from learning_portal.learning.models import ClosedAs
from learning_portal.web.auth import current_actor, require_role
from learning_portal.web.pagination import page_args, paginate

bp = Blueprint("assignments", __name__, url_prefix="/compliance")


@bp.get("/agencies/<int:agency_id>/assignments")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def index(agency_id: int):
    db, actor, now = get_session(), current_actor(), utcnow()
    agency = services.agency_for(db, actor, agency_id)
    today = today_for(db, agency, now)
    filters = assignments.AssignmentFilter.from_args(request.args)
    query = assignments.agency_query(agency.id, filters, today)
    if request.args.get("format") == "csv":
        audit.record(db, "compliance.exported", actor_id=actor.id, target=f"agency:{agency.id}", now=now,
                     details={"what": "assignments", **filters.args()})
        db.commit()
        name = f"assignments-{agency.jurisdiction}-{agency.number}-{today.isoformat()}.csv"
        return Response(streamed(lambda s: write_rows(assignments.csv_rows(s, query, today))),
                        mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
    page, per_page = page_args(current_app.config["PAGE_SIZE"])
    result = paginate(db, query, page=page, per_page=per_page)
    ids = {a.person_id for a in result.items} | {a.assigned_by_id for a in result.items if a.assigned_by_id}
    people = {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    return render_template("compliance/assignments.html", agency=agency, page=result, people=people, today=today,
                           filters=filters, statuses=list(assignments.Status), status_of=assignments.status_of,
                           courses=assignments.assigned_courses(db, agency.id),
                           form=AssignmentChangeForm(formdata=None))


@bp.post("/assignments/<int:assignment_id>")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def change(assignment_id: int):
    db, actor, now = get_session(), current_actor(), utcnow()
    assignment = assignments.get_for(db, actor, assignment_id)
    person = db.get(Person, assignment.person_id)
    back = request.form.get("back", "")
    target = back if back.startswith(f"/compliance/agencies/{person.agency_id}/assignments") else url_for(
        "assignments.index", agency_id=person.agency_id)
    form = AssignmentChangeForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(target)
    close = ClosedAs(form.action.data) if form.action.data in {c.value for c in ClosedAs} else None
    try:
        done = assignments.change(db, actor=actor, assignment=assignment, now=now, reason=form.reason.data or "",
                                  due_on=form.due_on.data if close is None else None, close=close)
    except (ValidationError, ConflictError) as exc:
        db.rollback()
        flash(exc.message, "error")
        return redirect(target)
    db.commit()
    flash(f"{person.full_name}'s assignment of {assignment.course.course_number}: {done}.", "success")
    return redirect(target)
