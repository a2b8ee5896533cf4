"""Compliance pages: My compliance, an agency's dashboard and export, a person's standing, the statewide summary."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from learning_portal.accounts.models import Agency, Assignment, Jurisdiction, RankTier, Role
from learning_portal.accounts.permissions import can_manage_person
from learning_portal.audit import services as audit
from learning_portal.catalog.models import Course, CourseVersion
from learning_portal.catalog.queries import current_versions
from learning_portal.clock import utcnow
from learning_portal.compliance import assigning, queries, services
from learning_portal.compliance.forms import AssignForm, ExemptionForm, RecordsStartForm
from learning_portal.compliance.status import LABELS as STATUS_LABELS
from learning_portal.compliance.status import MEANINGS, STATUSES
from learning_portal.db import as_id, get_session, streamed
from learning_portal.errors import NotFoundError, ValidationError
from learning_portal.formatting import human_date
from learning_portal.records.models import TrainingRecord
from learning_portal.web.auth import current_actor, login_required, require_role
from learning_portal.web.pagination import Page, page_args

bp = Blueprint("compliance", __name__, url_prefix="/compliance")


@bp.get("/")
@login_required
def mine():
    db, actor = get_session(), current_actor()
    if actor.agency is None:
        return redirect(url_for("compliance.state"))
    standings, defs = services.evaluate_person(db, actor, now=utcnow())
    return render_template("compliance/mine.html", person=actor, own=True, today=defs.today(utcnow()),
                           **_standing_context(db, standings, defs))


def _standing_context(db, standings, defs) -> dict:
    return {"standings": standings, "defs": defs, "labels": STATUS_LABELS, "statuses": STATUSES,
            "meanings": MEANINGS,
            "courses": queries.satisfying_courses(db, defs),
            "counts": {s: sum(1 for x in standings if x.status == s) for s in STATUSES}}


@bp.get("/agency")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def my_agency():
    actor = current_actor()
    if actor.has_role(Role.ADMINISTRATOR):
        return redirect(url_for("compliance.state"))
    return redirect(url_for("compliance.agency", agency_id=actor.agency_id))


@bp.get("/agencies/<int:agency_id>")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def agency(agency_id: int):
    db, actor, now = get_session(), current_actor(), utcnow()
    agency, defs = services.fresh_agency(db, actor, agency_id, now=now)
    today = defs.today(now)
    filters = queries.PeopleFilter.from_args(request.args, defs)
    number, per_page = page_args(default_size=50, max_size=200)
    summary = queries.agency_summary(db, [agency.id], defs=defs, today=today)
    rows, total = queries.people_page(db, agency.id, filters, defs=defs, today=today, page=number,
                                      per_page=per_page, summary=summary)
    form = AssignForm()
    form.course.choices = [("", "Choose a course"), *_course_choices(db)]
    return render_template(
        "compliance/agency.html", agency=agency, defs=defs, filters=filters, today=today, summary=summary, rows=rows,
        page=Page(rows, number, per_page, total), labels=STATUS_LABELS, statuses=STATUSES, meanings=MEANINGS,
        form=form,
        assignments=list(Assignment), ranks=list(RankTier),
        agency_exemptions=services.exemptions_of(db, agency=agency),
        exemption_form=_exemption_form(defs) if actor.has_role(Role.ADMINISTRATOR) else None,
        records_start_form=RecordsStartForm(formdata=None, records_start=agency.records_start)
        if actor.has_role(Role.ADMINISTRATOR) else None,
        records_from=defs.records_start(agency.records_start))


def _course_choices(db) -> list[tuple[str, str]]:
    rows = db.execute(current_versions().with_only_columns(Course.slug, CourseVersion.title, Course.presenter,
                                                           Course.number).order_by(CourseVersion.title))
    return [(slug, f"{title} ({presenter}-{number})") for slug, title, presenter, number in rows]


@bp.post("/agencies/<int:agency_id>/records-start")
@require_role(Role.ADMINISTRATOR)
def records_start(agency_id: int):
    db, actor, now = get_session(), current_actor(), utcnow()
    agency = services.agency_for(db, actor, agency_id)
    form = RecordsStartForm()
    if form.validate_on_submit():
        try:
            services.set_records_start(db, actor=actor, agency=agency, day=form.records_start.data, now=now)
        except ValidationError as exc:
            db.rollback()
            flash(exc.message, "error")
        else:
            db.commit()
            flash(f"{agency.name}'s records start on {human_date(form.records_start.data)}."
                  if form.records_start.data else f"{agency.name}'s records start where the jurisdiction's do.",
                  "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("compliance.agency", agency_id=agency.id))


@bp.get("/agencies/<int:agency_id>/export.csv")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def export(agency_id: int):
    db, actor, now = get_session(), current_actor(), utcnow()
    agency, defs = services.fresh_agency(db, actor, agency_id, now=now)
    filters = queries.PeopleFilter.from_args(request.args, defs)
    services.record_export(db, actor=actor, agency=agency, filters=filters.args(), now=now)
    db.commit()
    agency_id, today = agency.id, defs.today(now)
    chunks = streamed(lambda s: queries.export_csv(s, agency_id, filters, defs=defs, today=today))
    name = f"compliance-{agency.jurisdiction}-{agency.number}-{today.isoformat()}.csv"
    return Response(chunks, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/agencies/<int:agency_id>/assign")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def assign(agency_id: int):
    """Assign to the people ticked, or (``scope=filter``) to everyone the dashboard's filters select. The filter
    case, and any case where someone would earn no CPT for the course, is previewed first and confirmed."""
    db, actor, now = get_session(), current_actor(), utcnow()
    agency, defs = services.fresh_agency(db, actor, agency_id, now=now)
    form = AssignForm()  # the course is checked by the service: any course of the catalogue
    back = request.form.get("back", "")
    target = back if back.startswith(f"/compliance/agencies/{agency.id}") else url_for(
        "compliance.agency", agency_id=agency.id)
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(target)
    by_filter = request.form.get("scope") == "filter"
    filters = queries.PeopleFilter.from_args(request.form, defs) if by_filter else None
    ids = None if by_filter else [i for i in map(as_id, request.form.getlist("person")) if i is not None]
    try:
        planned = assigning.plan(db, agency=agency, defs=defs, course_slug=form.course.data, person_ids=ids,
                                 filters=filters, today=defs.today(now),
                                 credit_samples=current_app.config["CREDIT_SAMPLE_COURSES"])
        if (by_filter or planned.no_credit or planned.no_credit_for) and request.form.get("confirm") != "1":
            return render_template("compliance/assign_preview.html", agency=agency, planned=planned, form=form,
                                   filters=filters, back=target, labels=STATUS_LABELS)
        result = assigning.carry_out(db, actor=actor, agency=agency, planned=planned, due_on=form.due_on.data,
                                     note=form.note.data or "", now=now)
    except ValidationError as exc:
        flash(exc.message, "error")
        return redirect(target)
    db.commit()
    message = f"Assigned to {result.assigned} {'person' if result.assigned == 1 else 'people'}."
    if result.already:
        message += f" {result.already} already had it assigned; their due date is unchanged."
    flash(message, "success")
    return redirect(target)


@bp.get("/people/<int:person_id>")
@login_required
def person(person_id: int):
    db, actor = get_session(), current_actor()
    target = services.person_for(db, actor, person_id)
    if target.id == actor.id:
        return redirect(url_for("compliance.mine"))
    audit.viewed(db, actor_id=actor.id, subject_id=target.id, what="compliance", now=utcnow())
    db.commit()
    standings, defs = services.evaluate_person(db, target, now=utcnow())
    records = db.scalars(select(TrainingRecord).where(TrainingRecord.person_id == target.id)
                         .order_by(TrainingRecord.completed_on.desc())).all()
    can_exempt = can_manage_person(actor, target)
    return render_template("compliance/person.html", person=target, own=False, records=records,
                           today=defs.today(utcnow()),
                           exemptions=services.exemptions_of(db, person=target, include_revoked=True),
                           exemption_form=_exemption_form(defs) if can_exempt else None,
                           **_standing_context(db, standings, defs))


def _exemption_form(defs) -> ExemptionForm:
    form = ExemptionForm()
    form.requirement_ids.choices = [(r.id, f"{r.id}: {defs.titles[r.id].title}") for r in defs.requirements]
    form.kind.choices = [("", "Choose the ground"), *(
        (g["id"], g["title"] + ("" if g["verified"] else " (unverified)")
         + (f": {', '.join(g['requirements'])}" if g["requirements"] else ": any requirement"))
        for g in defs.grounds.values())]
    return form


@bp.post("/people/<int:person_id>/exemptions")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def exempt_person(person_id: int):
    db, actor = get_session(), current_actor()
    target = services.person_for(db, actor, person_id)
    defs = services.definitions(db, target.agency.jurisdiction)
    _grant(db, actor, defs, person=target)
    return redirect(url_for("compliance.person", person_id=target.id))


@bp.post("/agencies/<int:agency_id>/exemptions")
@require_role(Role.ADMINISTRATOR)
def exempt_agency(agency_id: int):
    db, actor = get_session(), current_actor()
    target = services.agency_for(db, actor, agency_id)
    _grant(db, actor, services.definitions(db, target.jurisdiction), agency=target)
    return redirect(url_for("compliance.agency", agency_id=target.id))


def _grant(db, actor, defs, **target) -> None:
    form = _exemption_form(defs)
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return
    try:
        made = services.grant_exemption(db, actor=actor, requirement_ids=form.requirement_ids.data or [],
                                        kind=form.kind.data, reason=form.reason.data, starts_on=form.starts_on.data,
                                        ends_on=form.ends_on.data, now=utcnow(), **target)
    except ValidationError as exc:
        flash(" ".join([exc.message, *(exc.details or {}).values()]), "error")
        return
    db.commit()
    flash(f"Exemption recorded for {', '.join(e.requirement_id for e in made)}.", "success")


@bp.post("/exemptions/<int:exemption_id>/revoke")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def revoke(exemption_id: int):
    db, actor = get_session(), current_actor()
    exemption = services.revoke_exemption(db, actor=actor, exemption_id=exemption_id, now=utcnow())
    db.commit()
    flash(f"Exemption from {exemption.requirement_id} ended.", "success")
    if exemption.person_id is not None:
        return redirect(url_for("compliance.person", person_id=exemption.person_id))
    return redirect(url_for("compliance.agency", agency_id=exemption.agency_id))


@bp.get("/state")
@require_role(Role.ADMINISTRATOR)
def state():
    db, now = get_session(), utcnow()
    codes = list(db.scalars(select(Jurisdiction.code).order_by(Jurisdiction.code)))
    if not codes:
        raise NotFoundError("No jurisdictions yet: import content/requirements first.")
    code = request.args.get("jurisdiction") if request.args.get("jurisdiction") in codes else codes[0]
    defs = services.definitions(db, code)
    agency_ids = list(db.scalars(select(Agency.id).where(Agency.jurisdiction == code)))
    services.ensure_fresh(db, agency_ids=agency_ids, defs=defs, now=now)
    db.commit()
    today = defs.today(now)
    lines = queries.agencies_overview(db, code, defs=defs, today=today)
    number, per_page = page_args(default_size=50, max_size=200)
    page = Page(lines[(number - 1) * per_page:number * per_page], number, per_page, len(lines))
    return render_template("compliance/state.html", defs=defs, codes=codes, code=code, today=today,
                           summary=queries.agency_summary(db, agency_ids, defs=defs, today=today), page=page,
                           labels=STATUS_LABELS, statuses=STATUSES)
