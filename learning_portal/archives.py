"""Reading uploaded zips safely: course packages and SCORM packages alike.

Everything is checked before the first byte is returned: the size of the zip, the number of entries, the
declared unpacked size, names outside the archive's folder and links. zipfile then reads no more than an
entry's declared size and checks its CRC, so a damaged or lying entry is refused too.
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath


class ArchiveError(Exception):
    """Why the upload cannot be opened; the message is for the person who uploaded it."""


@dataclass(frozen=True)
class Limits:
    zip_bytes: int
    unpacked_bytes: int
    files: int


def safe_path(name: str) -> str | None:
    """The normalised relative path, or None for absolute, parent-relative or odd names."""
    if not name or "\\" in name or ":" in name or "\x00" in name:
        return None
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("..", ".") for part in path.parts):
        return None
    return path.as_posix()


def read_zip(data: bytes, limits: Limits, *, not_a_zip: str) -> Iterator[tuple[str, bytes]]:
    """The zip's files as (relative path, content), one at a time; ``not_a_zip`` says what was expected."""
    if len(data) > limits.zip_bytes:
        raise ArchiveError(f"The file is larger than {limits.zip_bytes // 1024**2} MB.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ArchiveError(f"This is not a zip file. {not_a_zip}") from exc
    with archive:
        entries = [e for e in archive.infolist() if not e.is_dir()]
        if len(entries) > limits.files:
            raise ArchiveError(f"The zip holds more than {limits.files} files.")
        if sum(e.file_size for e in entries) > limits.unpacked_bytes:
            raise ArchiveError(f"The zip unpacks to more than {limits.unpacked_bytes // 1024**2} MB.")
        paths = []
        for entry in entries:
            path = safe_path(entry.filename)
            if path is None:
                raise ArchiveError(f"The zip names a file outside its folder: {entry.filename}")
            if stat.S_ISLNK(entry.external_attr >> 16):
                raise ArchiveError(f"The zip holds a link, which packages may not: {entry.filename}")
            paths.append(path)
        for entry, path in zip(entries, paths, strict=True):
            try:
                with archive.open(entry) as src:
                    content = src.read()
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise ArchiveError(f"The zip is damaged at {entry.filename}: {exc}.") from exc
            except (NotImplementedError, RuntimeError) as exc:  # an unknown compression method, or encryption
                raise ArchiveError(f"The zip's entry {entry.filename} cannot be read: {exc}.") from exc
            yield path, content
