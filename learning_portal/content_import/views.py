"""Administrators import course packages from a zip: validated first, imported whole or not at all."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from learning_portal.accounts.models import Role
from learning_portal.audit import services as audit
from learning_portal.clock import utcnow
from learning_portal.content_import import upload
from learning_portal.db import get_session
from learning_portal.web.auth import current_actor, require_role
from learning_portal.web.security import accepts_body

admin_bp = Blueprint("content_admin", __name__, url_prefix="/admin/courses")


@admin_bp.route("/import", methods=["GET", "POST"])
@accepts_body(lambda _config: upload.MAX_ZIP_BYTES + 1024**2)
@require_role(Role.ADMINISTRATOR)
def import_package():
    if request.method == "GET":
        return render_template("content_import/import.html", result=None, error=None)
    file = request.files.get("package")
    if file is None or not file.filename:
        return render_template("content_import/import.html", result=None, error="Choose a zip file."), 422
    db, now = get_session(), utcnow()
    try:
        result = upload.import_upload(db, file.read(upload.MAX_ZIP_BYTES + 1), filename=file.filename, now=now)
    except upload.PackageError as exc:
        return render_template("content_import/import.html", result=None, error=f"{file.filename}: {exc}"), 422
    if result.report is None:
        return render_template("content_import/import.html", result=result, error=None), 422
    audit.record(db, "courses.imported", actor_id=current_actor().id, now=now,
                 details={"courses": [[slug, status, version] for slug, status, version in result.report.courses]})
    db.commit()
    current_app.logger.info("course packages imported: %s", result.report.courses)
    return render_template("content_import/import.html", result=result, error=None)
