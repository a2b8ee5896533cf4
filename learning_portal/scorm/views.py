"""SCORM 1.2 in the browser: administrators upload packages; learners run them in a frame whose parent page
holds the runtime API; the package's files are served from media storage by the app.

The files are always served through the app, never by a redirect to the object store: the content finds the
runtime API in its parent window, which only works from the portal's own origin, and its relative links
must resolve under the package. They get their own Content-Security-Policy: packages bring inline scripts,
which the portal's pages never allow; they may still only talk to the portal itself.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import select

from learning_portal import archives
from learning_portal.accounts.models import Role
from learning_portal.audit import services as audit
from learning_portal.catalog.models import ItemKind
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.errors import ConflictError, NotFoundError, ValidationError
from learning_portal.learning import services as learning
from learning_portal.learning.models import Enrollment
from learning_portal.learning.views import enrollment_or_redirect, item_context
from learning_portal.media.storage import StorageError, app_storage, content_type
from learning_portal.scorm import manifest, services
from learning_portal.scorm.models import ScormPackage
from learning_portal.web.api import json_body
from learning_portal.web.auth import current_actor, login_required, require_role
from learning_portal.web.security import accepts_body

bp = Blueprint("scorm", __name__)
admin_bp = Blueprint("scorm_admin", __name__, url_prefix="/admin/scorm")

CONTENT_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self' data:; connect-src 'self'; "
               "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'")


@admin_bp.get("/")
@require_role(Role.ADMINISTRATOR)
def packages():
    return _list_page(None)


@admin_bp.post("/")
@accepts_body(lambda _config: manifest.MAX_ZIP_BYTES + 1024**2)
@require_role(Role.ADMINISTRATOR)
def upload():
    file = request.files.get("package")
    if file is None or not file.filename:
        return _list_page("Choose a SCORM package (a zip file)."), 422
    db, now = get_session(), utcnow()
    slug = request.form.get("slug", "").strip()
    try:
        package = services.store_package(db, app_storage(current_app), file.read(manifest.MAX_ZIP_BYTES + 1),
                                         filename=file.filename, slug=slug, now=now)
    except manifest.PackageError as exc:
        return _list_page(f"{file.filename}: {exc} Nothing was stored."), 422
    except (ValidationError, ConflictError) as exc:
        return _list_page(f"{exc.message} Nothing was stored."), 422
    audit.record(db, "scorm.uploaded", actor_id=current_actor().id, now=now, target=f"scorm:{package.slug}",
                 details={"title": package.title, "files": package.file_count})
    try:
        db.commit()
    except Exception:  # the package is not recorded: its files go too
        app_storage(current_app).delete_prefix(package.storage_prefix)
        raise
    flash(f"Package “{package.title}” stored as {package.slug}. Course packages name it with "
          f"package = \"{package.slug}\".", "success")
    return redirect(url_for("scorm_admin.packages"))


def _list_page(error: str | None) -> str:
    rows = list(get_session().scalars(select(ScormPackage).order_by(ScormPackage.id.desc())))
    return render_template("scorm/admin_list.html", packages=rows, error=error,
                           max_mb=manifest.MAX_ZIP_BYTES // 1024**2)


@bp.get("/learn/<slug>/items/<int:item_id>/scorm")
@login_required
def play(slug: str, item_id: int):
    db = get_session()
    enrollment = enrollment_or_redirect(db, slug)
    if not isinstance(enrollment, Enrollment):
        return enrollment
    item = _scorm_item(enrollment, item_id)
    package = services.package_for(db, item)
    values = services.launch(db, enrollment=enrollment, item=item, person=current_actor(), package=package,
                             now=utcnow())
    db.commit()
    path, _, query = package.launch.partition("?")  # launch parameters stay a query, not part of the path
    launch_url = url_for("scorm.content", package_id=package.id, path=path) + (f"?{query}" if query else "")
    return render_template("scorm/play.html", package=package, values=values, launch_url=launch_url,
                           commit_url=url_for("scorm.commit", slug=slug, item_id=item.id),
                           **item_context(enrollment, item))


@bp.post("/learn/<slug>/items/<int:item_id>/scorm/commit")
@login_required
def commit(slug: str, item_id: int):
    """``LMSCommit`` and ``LMSFinish`` from the page's adapter: {"values": {...}, "finish": bool}."""
    db = get_session()
    enrollment = enrollment_or_redirect(db, slug)
    if not isinstance(enrollment, Enrollment):
        raise NotFoundError("Enroll in this course first.")
    item = _scorm_item(enrollment, item_id)
    data = json_body()  # after the checks: nobody learns more from a malformed body than from a good one
    outcome = services.commit(db, enrollment=enrollment, item=item, package=services.package_for(db, item),
                              values=data.get("values", {}), finish=data.get("finish") is True, now=utcnow())
    db.commit()
    done, total = learning.progress_counts(enrollment)
    return jsonify(lesson_status=outcome.lesson_status, item_completed=outcome.item_completed,
                   course_completed=outcome.course_completed, progress={"done": done, "total": total})


def _scorm_item(enrollment: Enrollment, item_id: int):
    item = learning.item_in_enrollment(enrollment, item_id)
    if item.kind is not ItemKind.SCORM:
        raise NotFoundError("This item is not a SCORM package.")
    return item


@bp.get("/scorm/<int:package_id>/<path:path>")
@login_required
def content(package_id: int, path: str):
    """A file of a package, for any signed-in person (course content, like the catalogue)."""
    package = get_session().get(ScormPackage, package_id)
    name = archives.safe_path(path)
    if package is None or name is None:
        raise NotFoundError("No such file.")
    key, storage = package.key(name), app_storage(current_app)
    local = storage.local_path(key)
    if local is not None:
        response = send_file(local, mimetype=content_type(name), conditional=True, max_age=300)
    else:
        try:
            response = Response(storage.read(key), mimetype=content_type(name))
        except StorageError as exc:
            raise NotFoundError("No such file.") from exc
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Content-Security-Policy"] = CONTENT_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
