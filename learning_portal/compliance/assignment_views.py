"""An agency's assignments: who was assigned what, by whom, due when, and in what state; extend, cancel, excuse."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from learning_portal.accounts.localdate import today_for
from learning_portal.accounts.models import Agency, Person, Role
from learning_portal.audit import services as audit
from learning_portal.catalog.models import PUBLISHED, Course, Requirement
from learning_portal.clock import utcnow
from learning_portal.compliance import assignment_rules, services
from learning_portal.compliance.forms import AssignmentChangeForm, AssignmentRuleForm
from learning_portal.csvfile import write_rows
from learning_portal.db import get_session, streamed
from learning_portal.errors import ConflictError, NotFoundError, ValidationError
from learning_portal.learning import assignments
from learning_portal.learning.models import AssignmentRule, ClosedAs
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
                           form=AssignmentChangeForm(formdata=None), rules=assignment_rules.of_agency(db, agency.id),
                           describe=assignment_rules.describe, rule_form=_rule_form(db, agency))


def _rule_form(db, agency: Agency) -> AssignmentRuleForm:
    form = AssignmentRuleForm(formdata=None) if request.method == "GET" else AssignmentRuleForm()
    form.course.choices = [("", "Choose a course"), *((c.slug, f"{c.course_number} {c.slug}") for c in db.scalars(
        select(Course).where(PUBLISHED).order_by(Course.slug)))]
    form.requirement.choices = [("", "Choose a requirement"), *((r.id, f"{r.id}: {r.title}") for r in db.scalars(
        select(Requirement).where(Requirement.jurisdiction == agency.jurisdiction).order_by(Requirement.id)))]
    form.role.choices = [("", "Choose a role"), *((r.value, r.label) for r in Role if r is not Role.ADMINISTRATOR)]
    return form


@bp.post("/agencies/<int:agency_id>/assignment-rules")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def add_rule(agency_id: int):
    db, actor, now = get_session(), current_actor(), utcnow()
    agency = services.agency_for(db, actor, agency_id)
    form = _rule_form(db, agency)
    target = url_for("assignments.index", agency_id=agency.id) + "#rules"
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(target)
    try:
        rule = assignment_rules.create(db, actor=actor, agency=agency, course_slug=form.course.data,
                                       trigger=form.trigger.data, requirement_id=form.requirement.data or None,
                                       role=form.role.data or None, days=form.days.data, now=now)
    except ValidationError as exc:
        flash(" ".join([exc.message, *(exc.details or {}).values()]), "error")
        return redirect(target)
    db.commit()
    flash(f"Rule added: {rule.course.course_number} to {assignment_rules.describe(rule)}. It runs every night; "
          "run it now to assign at once.", "success")
    return redirect(target)


@bp.post("/assignment-rules/<int:rule_id>/<any(run, end):action>")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def rule_action(rule_id: int, action: str):
    db, actor, now = get_session(), current_actor(), utcnow()
    rule = db.get(AssignmentRule, rule_id)
    if rule is None:
        raise NotFoundError("No such rule.")
    agency, defs = services.fresh_agency(db, actor, rule.agency_id, now=now)  # not the actor's: not found
    target = url_for("assignments.index", agency_id=agency.id) + "#rules"
    try:
        if action == "end":
            assignment_rules.end(db, actor=actor, rule_id=rule.id, now=now)
            message = "The rule is turned off; what it assigned stays."
        else:
            if rule.ended_at is not None:
                raise ConflictError("This rule is turned off.")
            made = assignment_rules.run_rule(db, rule, today=defs.today(now), now=now)
            message = f"The rule assigned {rule.course.course_number} to {made} {'person' if made == 1 else 'people'}."
    except ConflictError as exc:
        flash(exc.message, "error")
        return redirect(target)
    db.commit()
    flash(message, "success")
    return redirect(target)


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
