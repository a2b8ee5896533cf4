"""Administrators upload, caption and publish videos; signed-in people receive published media."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from sqlalchemy import select

from learning_portal.accounts.models import Role
from learning_portal.clock import utcnow
from learning_portal.config import ROOT
from learning_portal.db import get_session, session_factory
from learning_portal.errors import ConflictError, NotFoundError, ValidationError
from learning_portal.media import jobs, services
from learning_portal.media.models import MediaAsset
from learning_portal.media.storage import StorageError, app_storage, check_key, content_type
from learning_portal.web.auth import current_actor, login_required, require_role
from learning_portal.web.security import accepts_body

bp = Blueprint("media", __name__)
admin_bp = Blueprint("media_admin", __name__, url_prefix="/admin/media")


@admin_bp.get("/")
@require_role(Role.ADMINISTRATOR)
def assets():
    items = list(get_session().scalars(select(MediaAsset).order_by(MediaAsset.id.desc())))
    return render_template("media/admin_list.html", assets=items,
                           max_mb=current_app.config["MEDIA_MAX_UPLOAD_BYTES"] // 1024**2)


@admin_bp.post("/")
@accepts_body(lambda config: config["MEDIA_MAX_UPLOAD_BYTES"] + 1024**2)  # form fields too
@require_role(Role.ADMINISTRATOR)
def upload():
    """Receive a video: refuse it with the reason, or store it and start transcoding in the background."""
    upload = request.files.get("video")
    wants_json = request.accept_mimetypes.best == "application/json"
    if upload is None or not upload.filename:
        return _refuse("Choose a video file to upload.", wants_json)
    with tempfile.NamedTemporaryFile(prefix="portal-upload-", suffix=Path(upload.filename).suffix[:10],
                                     delete=False) as tmp:
        upload.save(tmp)
        path = Path(tmp.name)
    try:
        info = services.check_upload(path, max_bytes=current_app.config["MEDIA_MAX_UPLOAD_BYTES"])
    except ValidationError as exc:
        path.unlink(missing_ok=True)
        return _refuse(f"{upload.filename}: {exc.message} Nothing was stored.", wants_json)
    session = get_session()
    title = request.form.get("title", "")
    try:
        asset = services.create_asset(session, title=title, filename=upload.filename, now=utcnow(),
                                      slug=request.form.get("slug", "").strip()
                                      or services.free_slug(session, title or Path(upload.filename).stem))
    except (ValidationError, ConflictError) as exc:
        path.unlink(missing_ok=True)
        return _refuse(f"{exc.message} Nothing was stored.", wants_json)
    session.commit()
    _start_ingest(current_app._get_current_object(), asset.id, path, info)
    target = url_for("media_admin.asset", asset_id=asset.id)
    if wants_json:
        return jsonify(asset_id=asset.id, url=target), 201
    flash("Upload received; the video is being transcoded.", "success")
    return redirect(target)


def _refuse(message: str, wants_json: bool):
    if wants_json:
        return jsonify(error={"code": "not_a_video", "message": message}), 422
    flash(message, "error")
    return redirect(url_for("media_admin.assets"))


def _start_ingest(app, asset_id: int, path: Path, info) -> None:
    """The embedded media worker: a background thread per upload (the CLI runs the same job)."""

    def job() -> None:
        try:
            jobs.run_ingest(session_factory(app), app_storage(app), asset_id=asset_id, source=path, info=info,
                                now=utcnow)
        finally:
            path.unlink(missing_ok=True)

    if app.config["MEDIA_INGEST_INLINE"]:
        job()
    else:
        threading.Thread(target=job, name=f"ingest-{asset_id}", daemon=True).start()


@admin_bp.get("/<int:asset_id>")
@require_role(Role.ADMINISTRATOR)
def asset(asset_id: int):
    return render_template("media/admin_asset.html", asset=services.get_asset(get_session(), asset_id))


@admin_bp.get("/<int:asset_id>/status")
@require_role(Role.ADMINISTRATOR)
def status(asset_id: int):
    item = services.get_asset(get_session(), asset_id)
    return jsonify(status=item.status.value, progress=item.progress, error=item.error)


@admin_bp.post("/<int:asset_id>/captions")
@require_role(Role.ADMINISTRATOR)
def captions(asset_id: int):
    session = get_session()
    item = services.get_asset(session, asset_id)
    upload = request.files.get("captions")
    try:
        if upload is None or not upload.filename:
            raise ValidationError("Choose a WebVTT (.vtt) caption file.")
        cues = services.attach_captions(session, app_storage(current_app), asset=item, data=upload.read(),
                                        now=utcnow())
    except (ValidationError, ConflictError) as exc:
        flash(f"Captions not added: {exc.message}", "error")
    else:
        session.commit()
        flash(f"Captions added ({len(cues)} cues).", "success")
    return redirect(url_for("media_admin.asset", asset_id=asset_id))


@admin_bp.post("/<int:asset_id>/publish")
@require_role(Role.ADMINISTRATOR)
def publish(asset_id: int):
    session = get_session()
    item = services.get_asset(session, asset_id)
    try:
        services.publish(session, asset=item, now=utcnow())
    except ConflictError as exc:
        flash(exc.message, "error")
    else:
        session.commit()
        flash(f"“{item.title}” is published.", "success")
    return redirect(url_for("media_admin.asset", asset_id=asset_id))


@bp.get("/vendor/hls.min.js")
def vendor_hls():
    """hls.js, installed by npm at set-up (package.json); the player falls back to MP4 without it."""
    folder = ROOT / "node_modules" / "hls.js" / "dist"
    if not (folder / "hls.min.js").is_file():
        raise NotFoundError("hls.js is not installed; run `npm ci` (make run does).")
    return send_from_directory(folder, "hls.min.js", mimetype="text/javascript", max_age=86400)


def hls_url(asset: MediaAsset) -> str | None:
    """The HLS master playlist when the app serves media itself: its segment URLs are relative, which
    signed object-store URLs cannot be (the player then uses the MP4 fallback)."""
    if app_storage(current_app).local_path(asset.key("hls/master.m3u8")) is None:
        return None
    return url_for("media.deliver", asset_id=asset.id, key="hls/master.m3u8")


@bp.get("/media/<int:asset_id>/<path:key>")
@login_required
def deliver(asset_id: int, key: str):
    """A published video's files (administrators: any), by a short-lived signed URL or with Range support."""
    item = get_session().get(MediaAsset, asset_id)
    if item is None or not (item.is_published or current_actor().has_role(Role.ADMINISTRATOR)):
        raise NotFoundError("No such video.")
    try:
        full_key = item.key(check_key(key))
    except StorageError as exc:
        raise NotFoundError("No such file.") from exc
    storage = app_storage(current_app)
    if (url := storage.signed_url(full_key, current_app.config["MEDIA_URL_SECONDS"])) is not None:
        return redirect(url, code=302)
    path = storage.local_path(full_key)
    if path is None:
        raise NotFoundError("No such file.")
    # Werkzeug answers Range requests (206, 416) and conditional requests from the file itself.
    response = send_file(path, mimetype=content_type(full_key), conditional=True, max_age=300)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
