"""Pages: the certification desk (a coordinator's presenters and requests, a consultant's queue and report),
a request's form, its page with every step, its files, and the step buttons."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from learning_portal import documents
from learning_portal.accounts.models import Person
from learning_portal.catalog.models import HourCategory, Requirement
from learning_portal.certification import services
from learning_portal.certification.api import request_files
from learning_portal.certification.forms import TOPIC_ROWS, FilesForm, RequestForm, StepForm
from learning_portal.certification.models import CertificationRequest, RequestState
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.errors import ConflictError, PermissionDeniedError, ValidationError
from learning_portal.formatting import hours, human_date
from learning_portal.web.auth import current_actor, login_required
from learning_portal.web.security import accepts_body

bp = Blueprint("certification", __name__, url_prefix="/certification")


@bp.get("")
@login_required
def index():
    db, actor, now = get_session(), current_actor(), utcnow()
    presenters = services.presenters_of(db, actor)
    jurisdictions = services.consultant_jurisdictions(db, actor)
    mine = {p.id for p in presenters}
    return render_template(
        "certification/index.html", presenters=presenters, now=now,
        own={p.id: services.requests_of(db, p.id) for p in presenters},
        expiring={p.id: services.expiring(db, p.id, now.date()) for p in presenters},
        queue=[r for r in services.waiting(db, jurisdictions) if r.presenter_id not in mine],
        report=services.requests_by_state(db, jurisdictions, now) if jurisdictions else None)


def _request_form(db, obj: CertificationRequest | None = None) -> RequestForm:  # noqa: ANN001
    form = RequestForm()
    form.categories.choices = [SelectChoice(c.id, c.title) for c in db.scalars(
        select(HourCategory).order_by(HourCategory.title))]
    form.requirements.choices = [SelectChoice(r.id, f"{r.title} ({r.id})") for r in db.scalars(
        select(Requirement).order_by(Requirement.jurisdiction, Requirement.title))]
    if obj is not None and request.method == "GET":
        form.title.data, form.delivery.data = obj.title, obj.delivery.value
        form.total_hours.data = hours(obj.total_hours)
        while len(form.topics) < len(obj.topics):  # a long distribution gets rows enough
            form.topics.append_entry()
        for row, topic in zip(form.topics, obj.topics, strict=False):
            row.topic.data, row.hours.data = topic["topic"], hours(topic["hours"])
        form.categories.data, form.requirements.data = obj.categories, obj.requirements
        form.instructors.data, form.plan.data = "\n".join(obj.instructors), obj.plan
        form.starts_on.data = obj.starts_on.isoformat()
        form.ends_on.data = obj.ends_on.isoformat() if obj.ends_on else ""
    return form


def _refused(form: RequestForm, exc: ValidationError) -> None:
    form.form_errors.append(exc.message)


@bp.route("/presenters/<int:presenter_id>/new", methods=["GET", "POST"])
@login_required
def new(presenter_id: int):
    db, actor = get_session(), current_actor()
    presenter = services.presenter_for(db, actor, presenter_id)
    if not services.is_coordinator(db, actor, presenter.id):
        raise PermissionDeniedError("Only the presenter's course coordinators start its requests.")
    form = _request_form(db)
    if form.validate_on_submit():
        try:
            req = services.create_request(db, actor=actor, presenter_id=presenter.id, now=utcnow(),
                                          data=form.data_for_services())
        except ValidationError as exc:
            db.rollback()
            _refused(form, exc)
        else:
            db.commit()
            flash(f"Draft saved: {req.title}. Attach the outline, then submit it.", "success")
            return redirect(url_for("certification.show", request_id=req.id))
    return render_template("certification/form.html", form=form, presenter=presenter, req=None,
                           rows=TOPIC_ROWS), 422 if form.errors or form.form_errors else 200


@bp.route("/requests/<int:request_id>/edit", methods=["GET", "POST"])
@login_required
def edit(request_id: int):
    db, actor = get_session(), current_actor()
    req = services.get_request(db, actor, request_id, for_update=request.method == "POST")
    services.as_coordinator(db, actor, req)
    form = _request_form(db, req)
    if form.validate_on_submit():
        try:
            services.update_request(db, actor=actor, req=req, data=form.data_for_services())
        except ValidationError as exc:
            db.rollback()
            _refused(form, exc)
        else:
            db.commit()
            flash("Changes saved.", "success")
            return redirect(url_for("certification.show", request_id=req.id))
    return render_template("certification/form.html", form=form, presenter=req.presenter, req=req,
                           rows=TOPIC_ROWS), 422 if form.errors or form.form_errors else 200


@bp.get("/requests/<int:request_id>")
@login_required
def show(request_id: int):
    db, actor = get_session(), current_actor()
    req = services.get_request(db, actor, request_id)
    people = {p.id: p for p in db.scalars(select(Person).where(Person.id.in_({s.by_id for s in req.steps})))}
    coordinates = services.is_coordinator(db, actor, req.presenter_id)
    decides = not coordinates and req.presenter.jurisdiction in services.consultant_jurisdictions(db, actor)
    titles = dict(db.execute(select(Requirement.id, Requirement.title)
                             .where(Requirement.id.in_(req.requirements))).all())
    return render_template("certification/request.html", req=req, people=people, coordinates=coordinates,
                           decides=decides, editable=coordinates and req.state in services.EDITABLE,
                           in_force=services.is_current(db, req),
                           files_form=FilesForm(), requirement_titles=titles,
                           states=RequestState)


@bp.post("/requests/<int:request_id>/files")
@accepts_body(lambda _config: services.MAX_PACKAGE_BYTES + 6 * 1024**2)
@login_required
def files(request_id: int):
    db, actor = get_session(), current_actor()
    req = services.get_request(db, actor, request_id, for_update=True)
    services.as_coordinator(db, actor, req)
    form = FilesForm()
    if not form.validate_on_submit():
        abort(400)
    attached = []
    try:
        if form.outline.data and form.outline.data.filename:
            services.attach_outline(db, request_files(), actor=actor, req=req, filename=form.outline.data.filename,
                                    data=form.outline.data.read(documents.MAX_BYTES + 1))
            attached.append(req.outline_name)
        if form.package.data and form.package.data.filename:
            services.attach_package(db, request_files(), actor=actor, req=req, filename=form.package.data.filename,
                                    data=form.package.data.read(services.MAX_PACKAGE_BYTES + 1))
            attached.append(req.package_name)
    except ValidationError as exc:
        db.rollback()
        flash(exc.message, "error")
        return redirect(url_for("certification.show", request_id=request_id))
    if not attached:
        flash("Choose the outline or the package to attach.", "error")
    else:
        db.commit()
        flash(f"Attached: {', '.join(attached)}.", "success")
    return redirect(url_for("certification.show", request_id=req.id))


DONE = {"submit": "Submitted for certification.", "return": "Returned to the presenter with your comments.",
        "certify": "Certified.", "deny": "Denied.",
        "withdraw": "Certification withdrawn: completions after its last day earn no CPT."}


@bp.post("/requests/<int:request_id>/step")
@login_required
def step(request_id: int):
    db, actor = get_session(), current_actor()
    req = services.get_request(db, actor, request_id, for_update=True)
    form = StepForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors) or "Try again.", "error")
        return redirect(url_for("certification.show", request_id=req.id))
    action = form.action.data or ""
    try:
        services.take_step(db, request_files(), actor=actor, req=req, action=action, now=utcnow(), data={
            "comment": form.comment.data or "", "number": form.number.data or "",
            "expires_on": form.expires_on.data or ""})
    except (ValidationError, ConflictError) as exc:
        db.rollback()
        flash(exc.message, "error")
        return redirect(url_for("certification.show", request_id=request_id))
    db.commit()
    flash(DONE[action] + (f" Course number {req.course_number}, certified through {human_date(req.expires_on)}."
                          if action == "certify" else ""), "success")
    return redirect(url_for("certification.show", request_id=req.id))
