"""The agency's training-history import page: upload, preview, confirm (``records.history``)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from learning_portal.accounts.models import Agency, Role
from learning_portal.accounts.permissions import can_view_agency
from learning_portal.clock import utcnow
from learning_portal.csvfile import CsvImportError, RowError
from learning_portal.db import get_session
from learning_portal.errors import NotFoundError
from learning_portal.records import history
from learning_portal.web import staging
from learning_portal.web.auth import current_actor, require_role
from learning_portal.web.security import accepts_body

bp = Blueprint("history", __name__)


class HistoryUploadForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])


class HistoryConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(max=64)])


@bp.route("/agencies/<int:agency_id>/records/import", methods=["GET", "POST"])
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
@accepts_body(lambda config: config["CSV_IMPORT_MAX_BYTES"] + 1024**2)
def import_page(agency_id: int):
    db, actor = get_session(), current_actor()
    agency = db.get(Agency, agency_id)
    if agency is None or not can_view_agency(actor, agency_id):
        raise NotFoundError("No such agency.")
    form, errors, status, plan, token = HistoryUploadForm(), [], 200, None, ""

    def run(data: bytes, dry_run: bool):
        return history.import_history(db, actor=actor, agency=agency, data=data, now=utcnow(), dry_run=dry_run,
                                      max_hours=current_app.config["RECORDS_MAX_HOURS"])

    if request.form.get("token"):
        data = staging.staged(request.form["token"], actor_id=actor.id) if HistoryConfirmForm().validate_on_submit() \
            else None
        if data is None:
            flash("That preview is no longer available: upload the file again.", "error")
            return redirect(request.path)
        try:
            result = run(data, dry_run=False)
        except CsvImportError as exc:
            db.rollback()
            errors, status = exc.errors, 422
        else:
            db.commit()
            staging.drop(request.form["token"], actor_id=actor.id)
            flash(f"Imported {result.added} training records ({result.already} were already on file).", "success")
            return redirect(url_for("compliance.agency", agency_id=agency.id))
    elif form.validate_on_submit():
        limit = current_app.config["CSV_IMPORT_MAX_BYTES"]
        data = form.file.data.read(limit + 1)
        if len(data) > limit:
            errors, status = [RowError(0, "", f"The file is larger than {limit // 1024**2} MB; split it.")], 413
        else:
            try:
                plan = run(data, dry_run=True)
            except CsvImportError as exc:
                errors, status = exc.errors, 422
            else:
                token = staging.stage(data, actor_id=actor.id)
            db.rollback()
    elif form.errors:
        status = 422
    return render_template("records/history_import.html", agency=agency, form=form, errors=errors, plan=plan,
                           confirm_form=HistoryConfirmForm(formdata=None, token=token),
                           preview_rows=current_app.config["IMPORT_PREVIEW_ROWS"],
                           columns=history.COLUMNS, required=history.REQUIRED), status
