"""Course packages sent with a certification request: checked when the coordinator attaches one and again on
submission, and published under the certified course number when the consultant certifies it. The
certification, not the upload, puts such a course in front of learners (``app.extensions["course_packages"]``
is this module, for the certification layer below)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning_portal.catalog.models import Course
from learning_portal.content_import.importer import import_tree
from learning_portal.content_import.parser import ContentTree, CourseSpec
from learning_portal.content_import.upload import PackageError, read_upload


@dataclass(frozen=True)
class PackageFacts:
    slug: str
    title: str
    cpt_hours: Decimal
    satisfies: tuple[str, ...]
    categories: tuple[str, ...]  # where its hours count


def _one_course(session: Session, data: bytes, filename: str, course_slug: str | None) -> tuple[ContentTree,
                                                                                                 CourseSpec]:
    tree = read_upload(session, data, filename=filename)
    if tree.requirements or tree.categories or tree.jurisdictions:  # the commission's rules are not a presenter's
        raise PackageError("A course package for certification holds the course only: requirements, hour "
                           "categories and jurisdictions are the commission's (remove the requirements folder).")
    if not tree.ok:
        shown = [str(p) for p in tree.problems[:5]]
        more = f" (and {len(tree.problems) - 5} more)" if len(tree.problems) > 5 else ""
        raise PackageError("The package has problems: " + "; ".join(shown) + more)
    if len(tree.courses) != 1:
        raise PackageError(f"A request carries one course package; this zip holds {len(tree.courses)}.")
    spec = tree.courses[0]
    if course_slug is None:
        if session.scalar(select(Course.id).where(Course.slug == spec.slug)) is not None:
            raise PackageError(f"A course '{spec.slug}' is already in the catalogue: a change to it is a "
                               "modification request of that course.")
    elif spec.slug != course_slug:
        raise PackageError(f"This request changes the course '{course_slug}'; the package is '{spec.slug}'.")
    return tree, spec


def check(session: Session, data: bytes, *, filename: str, course_slug: str | None) -> PackageFacts:
    """What the package says, or PackageError. ``course_slug``: the course a modification changes."""
    _, spec = _one_course(session, data, filename, course_slug)
    return PackageFacts(spec.slug, spec.title, spec.cpt_hours, spec.satisfies, tuple(k for k, _ in spec.hours))


def publish(session: Session, data: bytes, *, filename: str, course_slug: str | None, presenter: str, number: str,
            now: datetime) -> int:
    """Import the package as a new version of its course under the certified number; returns the course's id."""
    tree, spec = _one_course(session, data, filename, course_slug)
    tree.courses = [replace(spec, presenter=presenter, number=number)]
    import_tree(session, tree, now=now, certified=True)
    return session.scalar(select(Course.id).where(Course.slug == spec.slug))
