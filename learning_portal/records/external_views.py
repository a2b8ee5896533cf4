"""Pages: a person's training taken elsewhere (submit, see the decision, resubmit), the proof's download, and
an agency's queue for its training managers."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select

from learning_portal import documents
from learning_portal.accounts.models import Person, Role
from learning_portal.accounts.permissions import can_manage_person
from learning_portal.catalog.models import PUBLISHED, Course, HourCategory
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.errors import ConflictError, NotFoundError, ValidationError
from learning_portal.media.storage import app_storage
from learning_portal.records import external
from learning_portal.records.forms import DecisionForm, ExternalForm
from learning_portal.records.models import ExternalStatus
from learning_portal.web.auth import current_actor, login_required, require_role

bp = Blueprint("external", __name__)


def _form(db, item=None) -> ExternalForm:  # noqa: ANN001
    form = ExternalForm(obj=None)
    form.course.choices = [("", "Choose a course"), *((c.slug, f"{c.course_number} {c.slug}") for c in db.scalars(
        select(Course).where(PUBLISHED).order_by(Course.slug)))]
    form.category.choices = [("", "Not known"), *((c.id, c.title) for c in db.scalars(
        select(HourCategory).order_by(HourCategory.title)))]
    return form


def submission_from(form: ExternalForm) -> external.Submission:
    category = form.category.data or ""
    return external.Submission(
        kind=form.kind.data or "", title=form.title.data or "", presenter=form.presenter.data or "",
        course_number=form.course_number.data or "", course_slug=form.course.data or "",
        completed_on=form.completed_on.data or "", hours=form.hours.data or "",
        categories={category: form.hours.data} if category and form.hours.data else {}, note=form.note.data or "",
        proof_kind=form.proof_kind.data or "")


def proof_from(form: ExternalForm) -> external.Proof | None:
    upload = form.proof.data
    if upload and getattr(upload, "filename", ""):
        return external.Proof(upload.filename, upload.read(external.MAX_PROOF_BYTES + 1))
    return None


@bp.get("/my/external-training")
@login_required
def mine():
    return redirect(url_for("external.person_page", person_id=current_actor().id))


@bp.route("/people/<int:person_id>/external-training", methods=["GET", "POST"])
@login_required
def person_page(person_id: int):
    """One's own (or, for their manager, the person's) submissions, and the form to add one."""
    db, actor = get_session(), current_actor()
    person = db.get(Person, person_id)
    if person is None or not external.may_submit_for(actor, person):
        raise NotFoundError("No such person.")
    form = _form(db)
    if form.validate_on_submit():
        try:
            item = external.submit(db, app_storage(current_app), actor=actor, person=person,
                                   data=submission_from(form), proof=proof_from(form), now=utcnow())
        except ValidationError as exc:
            db.rollback()
            for name, message in (exc.details or {}).items():
                getattr(form, name.split(".")[0], form.note).errors.append(message)
        else:
            db.commit()
            flash(f"{item.title} is sent to the training manager for review.", "success")
            return redirect(url_for("external.person_page", person_id=person.id))
    return render_template("records/external.html", person=person, own=person.id == actor.id, form=form,
                           items=external.of_person(db, person.id), statuses=ExternalStatus), \
        422 if form.errors else 200


@bp.post("/external-training/<int:external_id>/resubmit")
@login_required
def resubmit(external_id: int):
    db, actor = get_session(), current_actor()
    item, person = external.get(db, actor, external_id)
    if item.status is not ExternalStatus.RETURNED:
        raise ConflictError("Only a returned submission is sent again.")
    form = _form(db)
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("external.person_page", person_id=person.id))
    try:
        external.submit(db, app_storage(current_app), actor=actor, person=person, data=submission_from(form),
                        proof=proof_from(form), now=utcnow(), resubmitting=item)
    except ValidationError as exc:
        db.rollback()
        flash(" ".join([exc.message, *(exc.details or {}).values()]), "error")
        return redirect(url_for("external.person_page", person_id=person.id))
    db.commit()
    flash(f"{item.title} is sent again for review.", "success")
    return redirect(url_for("external.person_page", person_id=person.id))


@bp.get("/external-training/<int:external_id>/proof")
@login_required
def proof(external_id: int):
    """Always a download, never shown inline: a file someone uploaded is not rendered in another's browser."""
    db = get_session()
    item, _ = external.get(db, current_actor(), external_id)
    if item.proof_key is None:
        raise NotFoundError("No proof was attached.")
    return documents.download(app_storage(current_app).read(item.proof_key), item.proof_name)


@bp.get("/agencies/<int:agency_id>/external-training")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def queue(agency_id: int):
    db, actor = get_session(), current_actor()
    rows = external.queue(db, actor, agency_id)
    return render_template("records/external_queue.html", rows=rows, agency_id=agency_id, form=DecisionForm(),
                           manages={p.id for _, p in rows if can_manage_person(actor, p)})


@bp.post("/external-training/<int:external_id>/decision")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def decision(external_id: int):
    db, actor = get_session(), current_actor()
    item, person = external.get(db, actor, external_id)
    form = DecisionForm()
    target = url_for("external.queue", agency_id=person.agency_id)
    if not form.validate_on_submit():
        flash("Choose approve or return.", "error")
        return redirect(target)
    try:
        external.decide(db, actor=actor, item=item, approve=form.decision.data == "approve",
                        comment=form.comment.data or "", now=utcnow())
    except (ValidationError, ConflictError) as exc:
        db.rollback()
        flash(exc.message, "error")
        return redirect(target)
    db.commit()
    flash(f"{person.full_name}: {item.title} {'approved' if item.status is ExternalStatus.APPROVED else 'returned'}.",
          "success")
    return redirect(target)
