"""Course packages uploaded as a zip by an administrator: unpacked safely, validated against the requirements
and categories already in the database, then imported in one transaction (or not at all)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning_portal import archives
from learning_portal.catalog.models import HourCategory, Requirement
from learning_portal.content_import.importer import ImportReport, import_tree
from learning_portal.content_import.parser import ContentTree, Problem, load_tree
from learning_portal.media.models import MediaAsset
from learning_portal.scorm.models import ScormPackage

MAX_ZIP_BYTES = 50 * 1024**2
MAX_UNPACKED_BYTES = 200 * 1024**2
MAX_FILES = 2000


class PackageError(ValueError):
    """The upload is not a package we can open; nothing was read from it."""


@dataclass
class Upload:
    tree: ContentTree
    report: ImportReport | None  # None when there were problems: nothing imported


def unpack(data: bytes, dest: Path) -> Path:
    """Extract a zip into ``dest``, refusing anything unsafe; returns the folder that holds the packages."""
    limits = archives.Limits(zip_bytes=MAX_ZIP_BYTES, unpacked_bytes=MAX_UNPACKED_BYTES, files=MAX_FILES)
    try:
        for path, content in archives.read_zip(data, limits,
                                               not_a_zip="Zip the course package folder and upload that."):
            target = dest.joinpath(*PurePosixPath(path).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    except archives.ArchiveError as exc:
        raise PackageError(str(exc)) from exc
    manifests = sorted(dest.rglob("course.toml"))
    if not manifests:
        raise PackageError("No course.toml in the zip: a course package is a folder with course.toml inside.")
    roots = {m.parent.parent for m in manifests}
    if len(roots) != 1:
        raise PackageError("Put every course package folder at the same level of the zip.")
    return roots.pop()


def read_upload(session: Session, data: bytes, *, filename: str) -> ContentTree:
    """The packages in a zip, checked against what the portal holds (its requirements, categories, videos and
    SCORM packages); ``tree.problems`` says what is wrong (file:line)."""
    known = (set(session.scalars(select(HourCategory.id))), set(session.scalars(select(Requirement.id))))
    with tempfile.TemporaryDirectory(prefix="portal-package-") as tmp:
        # Unpacked under the zip's own name, so problems read "course.zip/basic-course/course.toml:12".
        name = "".join(c for c in PurePosixPath(filename).name if c.isalnum() or c in "._-") or "upload.zip"
        root = unpack(data, Path(tmp) / name)
        packages = sorted({m.parent for m in root.rglob("course.toml") if m.parent.parent == root})
        tree = load_tree(root, only=packages, known=known)  # problems name files relative to the zip's folder
    videos = set(session.scalars(select(MediaAsset.slug).where(MediaAsset.slug.is_not(None))))
    scorm_packages = set(session.scalars(select(ScormPackage.slug)))
    for course in tree.courses:
        for item in course.items:
            if item.media is not None and item.media not in videos:
                tree.problems.append(Problem(f"{course.slug}/course.toml", None,
                                             f"video '{item.media}' is not in the portal: upload it under "
                                             "Videos with this reference first"))
            if item.package is not None and item.package not in scorm_packages:
                tree.problems.append(Problem(f"{course.slug}/course.toml", None,
                                             f"SCORM package '{item.package}' is not in the portal: upload it "
                                             "under SCORM packages with this reference first"))
    return tree


def import_upload(session: Session, data: bytes, *, filename: str, now: datetime, live: bool = False) -> Upload:
    """Validate the packages in a zip and add their courses as draft versions (or publish them: ``live``);
    returns the problems (file:line) or the import report."""
    tree = read_upload(session, data, filename=filename)
    if not tree.ok:
        return Upload(tree, None)
    return Upload(tree, import_tree(session, tree, now=now, live=live))
