"""Documents people upload (proof, a dispute's evidence, a course outline): what a file is, told by its first
bytes and not by the name it was given; the name and storage key it is kept under; and how it is handed back
(always a download, never rendered in another person's browser)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import PurePath

from flask import Response

MAX_BYTES = 5 * 1024**2
TYPES = {b"%PDF-": ("application/pdf", ".pdf"), b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
         b"\xff\xd8\xff": ("image/jpeg", ".jpg")}


class DocumentError(ValueError):
    """The file is not a document we keep; the message says why."""


@dataclass(frozen=True)
class Document:
    key: str  # in media storage
    name: str  # as offered on download: the sender's name, cleaned, with the extension its content has


def kind_of(data: bytes) -> tuple[str, str] | None:
    return next((kind for magic, kind in TYPES.items() if data.startswith(magic)), None)


def accept(data: bytes, filename: str, *, folder: str, fallback: str, max_bytes: int = MAX_BYTES) -> Document:
    if len(data) > max_bytes:
        raise DocumentError(f"The document is larger than {max_bytes // 1024**2} MB.")
    if (kind := kind_of(data)) is None:
        raise DocumentError("Attach a PDF, PNG or JPEG document.")
    name = f"{clean_stem(filename, fallback)}{kind[1]}"
    return Document(f"{folder}/{uuid.uuid4().hex}/{name}", name)


def clean_stem(filename: str, fallback: str) -> str:
    """The name a file was sent under, without its folders and extension, in letters, digits, - and _."""
    stem = "".join(c for c in PurePath(filename or fallback).stem if c.isalnum() or c in "-_")
    return stem[:80] or fallback


def download(data: bytes, name: str) -> Response:
    kind = kind_of(data)
    return Response(data, mimetype=kind[0] if kind else "application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox", "Cache-Control": "private, no-store"})
