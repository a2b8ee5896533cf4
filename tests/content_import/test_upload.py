"""Administrators import course packages from a zip: checked against the database's requirements, unpacked
safely, imported whole or not at all, with every problem named by file and line."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from learning_portal.accounts.models import Role
from learning_portal.catalog.queries import get_course
from learning_portal.compliance import services as compliance
from learning_portal.content_import import upload
from learning_portal.errors import NotFoundError, ValidationError
from tests.factories import NOW, TEST_CONTENT, load_content, make_agency, make_person

PACKAGE = TEST_CONTENT / "basic-course"


def zipped(files: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def package_files(prefix: str = "basic-course", replace: tuple[str, str] | None = None) -> dict[str, bytes]:
    files = {}
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if replace and path.name == "course.toml":
                data = data.replace(replace[0].encode(), replace[1].encode())
            files[f"{prefix}/{path.relative_to(PACKAGE)}"] = data
    return files


@pytest.fixture
def admin(db_session, signed_in):
    load_content(db_session, TEST_CONTENT, slugs=())  # the requirements and categories only
    return signed_in(make_person(db_session, role=Role.ADMINISTRATOR))


def send(client, data: bytes, name: str = "course.zip"):
    return client.post("/admin/courses/import", content_type="multipart/form-data",
                       data={"package": (io.BytesIO(data), name)})


def publish(client, slug: str, version: int):
    return client.post(f"/admin/courses/{slug}/publish", data={"version": version}, follow_redirects=True)


def test_a_zipped_package_comes_in_as_a_draft_published_by_staff(admin, db_session, signed_in):
    first = send(admin, zipped(package_files()))
    assert first.status_code == 200 and b"basic-course: draft, version 1 (publish it below)" in first.data
    assert b"not yet in the catalogue" in first.data
    with pytest.raises(NotFoundError):  # learners do not see a draft
        get_course(db_session, "basic-course")
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=make_agency(db_session))
    with pytest.raises(ValidationError, match="Choose a course"):  # nor do managers assign it
        compliance.assign_course(db_session, actor=manager, agency=manager.agency, person_ids=[manager.id],
                                 course_slug="basic-course", due_on=NOW.date(), note="", now=NOW)
    again = send(admin, zipped({f"content/{k}": v for k, v in package_files().items()}))  # nested one level
    assert b"basic-course: unchanged, version 1" in again.data  # the same draft, not a second one
    published = publish(admin, "basic-course", 1).data
    assert b"basic-course: version 1 is published." in published and b"Publish version 1" not in published
    course, version = get_course(db_session, "basic-course")
    assert version.title == "Basic Test Course" and len(version.items) == 3 and course.current_version_number == 1

    changed = send(admin, zipped(package_files(replace=('title = "Basic Test Course"', 'title = "Basic, revised"'))))
    assert b"basic-course: draft, version 2" in changed.data and b"learners now get version 1" in changed.data
    assert get_course(db_session, "basic-course")[1].title == "Basic Test Course"  # learners keep version 1
    assert b"not a draft waiting" in publish(admin, "basic-course", 1).data  # already live
    officer = signed_in(make_person(db_session))
    assert officer.post("/admin/courses/basic-course/publish", data={"version": 2}).status_code == 403
    assert b"version 2 is published" in publish(admin, "basic-course", 2).data
    db_session.expire_all()
    assert get_course(db_session, "basic-course")[1].title == "Basic, revised"


def test_problems_are_listed_by_file_and_line_and_nothing_is_imported(admin, db_session):
    bad = zipped(package_files(replace=('satisfies = ["ZZ-CPT", "ZZ-FIRE"]', 'satisfies = ["ZZ-NOPE"]')))
    answer = send(admin, bad)
    assert answer.status_code == 422
    assert b"course.zip/basic-course/course.toml:12: unknown requirement id &#39;ZZ-NOPE&#39;" in answer.data
    assert b"nothing was imported" in answer.data
    with pytest.raises(Exception):  # noqa: B017 - the catalogue has no such course
        get_course(db_session, "basic-course")
    video = zipped(package_files(replace=('[[items]]\nkind = "quiz"',
                                          '[[items]]\nkind = "video"\ntitle = "V"\nmedia = "no-such-clip"\n\n'
                                          '[[items]]\nkind = "quiz"')))
    assert b"video &#39;no-such-clip&#39; is not in the portal" in send(admin, video).data


@pytest.mark.parametrize(("files", "links", "message"), [
    ({"../evil/course.toml": b"x"}, (), b"outside its folder"),
    ({"/abs/course.toml": b"x"}, (), b"outside its folder"),
    ({"pkg/readme.md": b"hello"}, (), b"No course.toml in the zip"),
    (package_files(), ("basic-course/lessons/link.md",), b"holds a link"),
])
def test_unsafe_or_empty_archives_are_refused(admin, files, links, message):
    answer = send(admin, zipped(files, links))
    assert answer.status_code == 422 and message in answer.data and b"Nothing was imported" in answer.data


def test_a_file_that_is_not_a_zip_is_refused(admin, tmp_path: Path):
    answer = send(admin, b"%PDF-1.4 not a zip", name="course.pdf")
    assert answer.status_code == 422 and b"This is not a zip file" in answer.data
    with pytest.raises(upload.PackageError, match="larger than"):
        upload.unpack(b"0" * (upload.MAX_ZIP_BYTES + 1), tmp_path)
