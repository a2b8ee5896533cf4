"""Administrators import course packages from a zip (validated first, imported whole or not at all) as draft
versions, and publish the drafts; a course certified here changes only by certifying a modification."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from learning_portal.accounts.models import Role
from learning_portal.audit import services as audit
from learning_portal.catalog import services as catalog
from learning_portal.catalog.models import Course
from learning_portal.certification import services as certification
from learning_portal.clock import utcnow
from learning_portal.content_import import upload
from learning_portal.db import get_session
from learning_portal.errors import ConflictError, NotFoundError
from learning_portal.formatting import human_date
from learning_portal.web.auth import current_actor, require_role
from learning_portal.web.security import accepts_body

admin_bp = Blueprint("content_admin", __name__, url_prefix="/admin/courses")


@admin_bp.route("/import", methods=["GET", "POST"])
@accepts_body(lambda _config: upload.MAX_ZIP_BYTES + 1024**2)
@require_role(Role.ADMINISTRATOR)
def import_package():
    db = get_session()
    if request.method == "GET":
        return _page(db, result=None, error=None)
    file = request.files.get("package")
    if file is None or not file.filename:
        return _page(db, result=None, error="Choose a zip file."), 422
    now = utcnow()
    try:
        result = upload.import_upload(db, file.read(upload.MAX_ZIP_BYTES + 1), filename=file.filename, now=now)
    except upload.PackageError as exc:
        return _page(db, result=None, error=f"{file.filename}: {exc}"), 422
    if result.report is None:
        return _page(db, result=result, error=None), 422
    audit.record(db, "courses.imported", actor_id=current_actor().id, now=now,
                 details={"courses": [[slug, status, version] for slug, status, version in result.report.courses]})
    db.commit()
    current_app.logger.info("course packages imported: %s", result.report.courses)
    return _page(db, result=result, error=None)


def _page(db, **context):  # noqa: ANN001, ANN202
    return render_template("content_import/import.html", drafts=catalog.drafts(db), **context)


@admin_bp.post("/<slug>/publish")
@require_role(Role.ADMINISTRATOR)
def publish(slug: str):
    """Make the course's waiting draft the version learners get."""
    db, actor, now = get_session(), current_actor(), utcnow()
    course = db.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise NotFoundError("No such course.")
    version = request.form.get("version", type=int) or 0
    until = certification.in_force_until(db, course.course_number, now)
    if until is not None:
        flash(f"{course.course_number} is certified through {human_date(until)}: a change to it is published by "
              "certifying its modification request (Certification), not here.", "error")
        return redirect(url_for("content_admin.import_package"))
    try:
        catalog.publish_draft(db, course=course, version=version)
    except ConflictError as exc:
        flash(exc.message, "error")
        return redirect(url_for("content_admin.import_package"))
    audit.record(db, "courses.published", actor_id=actor.id, now=now, target=f"course:{course.id}",
                 details={"slug": course.slug, "version": version})
    db.commit()
    flash(f"{course.slug}: version {version} is published.", "success")
    return redirect(url_for("content_admin.import_package"))
