"""Pages for contesting a training record and for resolving disputes."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for

from learning_portal import documents
from learning_portal.accounts.models import Role
from learning_portal.audit import services as audit
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.errors import NotFoundError, ValidationError
from learning_portal.media.storage import app_storage
from learning_portal.records import disputes
from learning_portal.records.forms import DisputeForm, ResolveForm
from learning_portal.records.models import TrainingRecord
from learning_portal.web.auth import current_actor, login_required, require_role

bp = Blueprint("disputes", __name__)


@bp.route("/records/<int:record_id>/dispute", methods=["GET", "POST"])
@login_required
def new(record_id: int):
    db, person = get_session(), current_actor()
    record = db.get(TrainingRecord, record_id)
    if record is None or record.person_id != person.id:
        raise NotFoundError("No such training record of yours.")
    form = DisputeForm()
    if form.validate_on_submit():
        upload = form.attachment.data
        attachment = None
        if upload and upload.filename:
            attachment = disputes.Attachment(upload.filename, upload.read(disputes.MAX_ATTACHMENT_BYTES + 1))
        try:
            dispute = disputes.open_dispute(db, app_storage(current_app), person=person, record_id=record.id,
                                            reason=form.reason.data, attachment=attachment, now=utcnow())
        except ValidationError as exc:
            for name, message in (exc.details or {}).items():
                getattr(form, name).errors.append(message)
        else:
            db.commit()
            flash("Your dispute is sent to your training manager. You will see the answer on your profile.",
                  "success")
            return redirect(url_for("disputes.detail", dispute_id=dispute.id))
    return render_template("records/dispute_new.html", form=form, record=record), 422 if form.errors else 200


@bp.route("/disputes/<int:dispute_id>", methods=["GET", "POST"])
@login_required
def detail(dispute_id: int):
    db, actor = get_session(), current_actor()
    dispute, record, person = disputes.get_dispute(db, actor=actor, dispute_id=dispute_id)
    resolver = disputes.can_resolve(actor, dispute, person)
    form = ResolveForm() if resolver else None
    if form is not None and form.validate_on_submit():
        correction = None
        if form.completed_on.data and form.hours.data:
            correction = disputes.Correction(form.completed_on.data, form.hours.data)
        try:
            disputes.resolve(db, actor=actor, dispute=dispute, accept=form.outcome.data == "accept",
                             note=form.note.data, correction=correction, now=utcnow())
        except ValidationError as exc:
            flash(exc.message, "error")
        else:
            db.commit()
            flash(f"Dispute {dispute.id} is {dispute.status.label.lower()}.", "success")
            return redirect(url_for("disputes.index"))
    elif actor.id != person.id:
        audit.viewed(db, actor_id=actor.id, subject_id=person.id, what=f"dispute:{dispute.id}", now=utcnow())
        db.commit()
    return render_template("records/dispute.html", dispute=dispute, record=record, person=person, form=form,
                           correction=db.get(TrainingRecord, dispute.correction_id) if dispute.correction_id else None)


@bp.get("/disputes/<int:dispute_id>/attachment")
@login_required
def attachment(dispute_id: int):
    db, actor = get_session(), current_actor()
    dispute, _, person = disputes.get_dispute(db, actor=actor, dispute_id=dispute_id)
    if dispute.attachment_key is None:
        raise NotFoundError("This dispute has no document.")
    data = app_storage(current_app).read(dispute.attachment_key)
    audit.viewed(db, actor_id=actor.id, subject_id=person.id, what=f"dispute:{dispute.id} document", now=utcnow())
    db.commit()
    return documents.download(data, dispute.attachment_name)


@bp.get("/disputes")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def index():
    return render_template("records/disputes.html", open=disputes.open_disputes_for(get_session(), current_actor()))
