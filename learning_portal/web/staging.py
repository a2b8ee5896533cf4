"""An uploaded file kept between its preview and its confirmation, and the two-request flow around it.

It is stored in the app's object storage (shared by every instance behind the load balancer) under the
uploader's id and a random token; the confirmation names the token, so the file is not sent twice, nobody else
can confirm it, and what is written is exactly what was previewed. Confirming (or cancelling) deletes it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy.orm import Session
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from learning_portal.csvfile import CsvImportError, RowError
from learning_portal.errors import StorageError

_TOKEN = re.compile(r"^[0-9a-f]{32}$")  # hex: a storage key segment may not start with - or _


def _storage():  # noqa: ANN202 - the app's media storage (web sits below media, so it is handed over)
    return current_app.extensions["upload_storage"]()


def _key(actor_id: int, token: str) -> str:
    return f"staged-uploads/{actor_id}/{token}/file"


def stage(data: bytes, *, actor_id: int) -> str:
    token = secrets.token_hex(16)
    _storage().put_bytes(_key(actor_id, token), data)
    return token


def staged(token: str, *, actor_id: int) -> bytes | None:
    """The staged file, or None if the token is not one of this person's (or was used)."""
    if not _TOKEN.match(token or ""):
        return None
    try:
        return _storage().read(_key(actor_id, token))
    except StorageError:  # used, cancelled, or never there
        return None


def drop(token: str, *, actor_id: int) -> None:
    if _TOKEN.match(token or ""):
        _storage().delete_prefix(_key(actor_id, token).removesuffix("file"))


class UploadForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])


class ConfirmForm(FlaskForm):
    """Confirms a previewed upload, named by its staging token."""

    token = HiddenField(validators=[DataRequired(), Length(max=64)])


@dataclass
class Step:
    """Where a previewed import stands after this request."""

    upload: UploadForm
    confirm: ConfirmForm
    errors: list[RowError] = field(default_factory=list)
    status: int = 200
    plan: Any = None  # the preview (the file is staged; ``confirm`` carries its token)
    done: Any = None  # the import's result, written and committed
    expired: bool = False  # the confirmation named a preview that is gone


def preview_or_confirm(session: Session, run: Callable[[bytes, bool], Any], *, actor_id: int) -> Step:
    """The two requests of a previewed CSV import. An upload is checked with ``run(data, True)`` (nothing
    written) and staged; its confirmation runs ``run(staged, False)`` on exactly that file and commits. A
    CsvImportError from either is shown line by line, with everything rolled back."""
    step = Step(UploadForm(), ConfirmForm(formdata=None))
    try:
        if request.form.get("token"):
            token = request.form["token"]
            data = staged(token, actor_id=actor_id) if ConfirmForm().validate_on_submit() else None
            if data is None:
                step.expired = True
                return step
            step.done = run(data, False)
            session.commit()
            drop(token, actor_id=actor_id)
        elif step.upload.validate_on_submit():
            limit = current_app.config["CSV_IMPORT_MAX_BYTES"]
            data = step.upload.file.data.read(limit + 1)
            if len(data) > limit:
                step.errors = [RowError(0, "", f"The file is larger than {limit // 1024**2} MB; split it.")]
                step.status = 413
                return step
            step.plan = run(data, True)
            session.rollback()
            step.confirm = ConfirmForm(formdata=None, token=stage(data, actor_id=actor_id))
        elif step.upload.errors:
            step.status = 422
    except CsvImportError as exc:  # a bad file, or (on confirming) the data changed since the preview
        session.rollback()
        step.errors, step.status = exc.errors, 422
    return step
