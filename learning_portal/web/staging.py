"""An uploaded file kept between its preview and its confirmation.

It is stored in the app's object storage (shared by every instance behind the load balancer) under the
uploader's id and a random token; the confirmation names the token, so the file is not sent twice, nobody else
can confirm it, and what is written is exactly what was previewed. Confirming (or cancelling) deletes it.
"""

from __future__ import annotations

import re
import secrets

from flask import current_app

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
