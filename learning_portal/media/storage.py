"""One interface for media objects: a local directory by default, any S3-compatible store via boto3.

Configured by ``PORTAL_MEDIA_STORAGE`` = ``local:PATH`` or ``s3://BUCKET[/PREFIX]`` (with
``PORTAL_S3_ENDPOINT_URL`` for stores other than AWS). Keys are relative paths such as
``videos/12/hls/v0/seg_000.ts``; no other package touches file paths.
"""

from __future__ import annotations

import mimetypes
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from learning_portal.errors import StorageError

KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".mp4": "video/mp4",
                 ".jpg": "image/jpeg", ".vtt": "text/vtt", ".json": "application/json"}




def content_type(key: str) -> str:
    suffix = Path(key).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def check_key(key: str) -> str:
    if not KEY_RE.match(key) or ".." in key.split("/"):
        raise StorageError(f"not a valid storage key: {key!r}")
    return key


class Storage(Protocol):
    def put_file(self, key: str, source: Path) -> None: ...

    def put_bytes(self, key: str, data: bytes) -> None: ...

    def read(self, key: str) -> bytes: ...

    def local_path(self, key: str) -> Path | None:
        """The object's file, when the store is a local directory (the app then serves it with Range)."""

    def size(self, key: str) -> int | None:
        """The object's size, or None when it does not exist."""

    def delete_prefix(self, prefix: str) -> int: ...

    def signed_url(self, key: str, expires_in: int) -> str | None:
        """A short-lived URL the browser can fetch directly, or None when the app must serve it."""


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_file(self, key: str, source: Path) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        shutil.copyfile(source, tmp)
        tmp.replace(target)  # readers never see half a file

    def put_bytes(self, key: str, data: bytes) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)

    def read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise StorageError(f"no such object: {key}") from exc

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    def size(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def delete_prefix(self, prefix: str) -> int:
        target = self._path(prefix.rstrip("/"))
        if not target.exists():
            return 0
        count = sum(1 for p in target.rglob("*") if p.is_file()) if target.is_dir() else 1
        shutil.rmtree(target) if target.is_dir() else target.unlink()
        return count

    def signed_url(self, key: str, expires_in: int) -> str | None:
        return None  # served by the app, with Range support


class S3Storage:
    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, client=None) -> None:
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = client or boto3.client(
            "s3", endpoint_url=endpoint_url,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 3}))

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put_file(self, key: str, source: Path) -> None:
        self.client.upload_file(str(source), self.bucket, self._key(key),
                                ExtraArgs={"ContentType": content_type(key)})

    def put_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type(key))

    def read(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except self.client.exceptions.NoSuchKey as exc:
            raise StorageError(f"no such object: {key}") from exc

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def delete_prefix(self, prefix: str) -> int:
        keys = list(self._list(self._key(prefix.rstrip("/")) + "/"))
        for start in range(0, len(keys), 1000):
            self.client.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": k} for k in keys[start:start + 1000]], "Quiet": True})
        return len(keys)

    def _list(self, prefix: str) -> Iterator[str]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"]

    def local_path(self, key: str) -> Path | None:
        return None

    def signed_url(self, key: str, expires_in: int) -> str | None:
        return self.client.generate_presigned_url("get_object", Params={"Bucket": self.bucket, "Key": self._key(key)},
                                                  ExpiresIn=expires_in)


def storage_from_config(spec: str, *, endpoint_url: str | None = None) -> Storage:
    """``local:PATH`` or ``s3://BUCKET[/PREFIX]``."""
    if spec.startswith("local:"):
        return LocalStorage(Path(spec.removeprefix("local:")))
    if spec.startswith("s3://"):
        bucket, _, prefix = spec.removeprefix("s3://").partition("/")
        if not bucket:
            raise StorageError("PORTAL_MEDIA_STORAGE=s3://BUCKET needs a bucket name")
        return S3Storage(bucket, prefix, endpoint_url=endpoint_url)
    raise StorageError("PORTAL_MEDIA_STORAGE must be local:PATH or s3://BUCKET")


def app_storage(app) -> Storage:  # noqa: ANN001 - a Flask app; kept untyped so this module stays Flask-free
    """The app's storage backend, built on first use from PORTAL_MEDIA_STORAGE (no I/O at start-up)."""
    if "media_storage" not in app.extensions:
        app.extensions["media_storage"] = storage_from_config(app.config["MEDIA_STORAGE"],
                                                              endpoint_url=app.config.get("S3_ENDPOINT_URL"))
    return app.extensions["media_storage"]
