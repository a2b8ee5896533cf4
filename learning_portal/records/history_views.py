"""The agency's training-history import page: upload, preview, confirm (``records.history``)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from learning_portal.accounts.models import Agency, Role
from learning_portal.accounts.permissions import can_view_agency
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.errors import NotFoundError
from learning_portal.records import history
from learning_portal.web import staging
from learning_portal.web.auth import current_actor, require_role
from learning_portal.web.security import accepts_body

bp = Blueprint("history", __name__)


@bp.route("/agencies/<int:agency_id>/records/import", methods=["GET", "POST"])
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
@accepts_body(lambda config: config["CSV_IMPORT_MAX_BYTES"] + 1024**2)
def import_page(agency_id: int):
    db, actor = get_session(), current_actor()
    agency = db.get(Agency, agency_id)
    if agency is None or not can_view_agency(actor, agency_id):
        raise NotFoundError("No such agency.")
    step = staging.preview_or_confirm(db, lambda data, dry_run: history.import_history(
        db, actor=actor, agency=agency, data=data, now=utcnow(), dry_run=dry_run,
        max_hours=current_app.config["RECORDS_MAX_HOURS"]), actor_id=actor.id)
    if step.expired:
        flash("That preview is no longer available: upload the file again.", "error")
        return redirect(request.path)
    if step.done is not None:
        flash(f"Imported {step.done.added} training records ({step.done.already} were already on file).", "success")
        return redirect(url_for("compliance.agency", agency_id=agency.id))
    return render_template("records/history_import.html", agency=agency, step=step,
                           preview_rows=current_app.config["IMPORT_PREVIEW_ROWS"],
                           columns=history.COLUMNS, required=history.REQUIRED), step.status
