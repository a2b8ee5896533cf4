"""A course taken here is certified with its package: the package is checked when attached and on submission,
and certifying publishes it under the certified number. Until then learners do not see it; a modification's
new package leaves learners on the certified version until the change is certified."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from learning_portal.catalog.models import Course
from learning_portal.catalog.queries import get_course
from learning_portal.certification import services
from learning_portal.certification.models import RequestKind, RequestState
from learning_portal.errors import ConflictError, ValidationError
from tests.certification.helpers import OUTLINE, content, package_zip
from tests.factories import NOW, TEST_CONTENT, load_content

DISTANCE = content(title="Bicycle Patrol Fundamentals", delivery="distance", total_hours="2",
                   topics=[{"topic": "Riding", "hours": "1.5"}, {"topic": "The law", "hours": "0.5"}],
                   requirements=["ZZ-CPT"], categories=["general"])


@pytest.fixture
def catalogue(db_session):
    load_content(db_session, TEST_CONTENT, slugs=("basic-course",))


def distance_request(db_session, people, **overrides):
    presenter, coordinator, *_ = people
    return services.create_request(db_session, actor=coordinator, presenter_id=presenter.id, now=NOW,
                                   data=DISTANCE | overrides)


def attach(db_session, files, people, req, data, name="package.zip"):
    services.attach_package(db_session, files, actor=people[1], req=req, data=data, filename=name)


def certified(db_session, files, people, *, expires_on):
    """A distance request with its package, submitted and certified as 9301-00042."""
    req = distance_request(db_session, people)
    attach(db_session, files, people, req, package_zip())
    services.submit(db_session, files, actor=people[1], req=req, now=NOW)
    services.certify(db_session, files, actor=people[2], req=req, number="42", expires_on=expires_on, now=NOW)
    return req


@pytest.mark.parametrize(("data", "message"), [
    (b"not a zip at all", "Zip the course package folder"),
    (package_zip(satisfies='["ZZ-NOPE"]'), "course.toml:12: unknown requirement id 'ZZ-NOPE'"),
    (package_zip(slug="basic-course"), "already in the catalogue: a change to it is a modification request"),
    (package_zip(extra={"requirements/test.toml": (TEST_CONTENT / "requirements" / "test.toml").read_text()}),
     "requirements, hour categories and jurisdictions are the commission's"),
])
def test_a_package_that_is_not_right_is_refused_and_nothing_is_kept(db_session, people, files, catalogue, data,
                                                                    message):
    req = distance_request(db_session, people)
    with pytest.raises(ValidationError, match="The package was not attached") as refused:
        attach(db_session, files, people, req, data)
    assert message in refused.value.message
    assert req.package_key is None and not list(files.storage.root.rglob("*.zip"))


def test_an_outline_is_a_document(db_session, people, files, catalogue):
    req = distance_request(db_session, people, delivery="classroom")
    with pytest.raises(ValidationError, match="Attach a PDF, PNG or JPEG"):
        services.attach_outline(db_session, files, actor=people[1], req=req, data=b"<html>outline</html>",
                                filename="outline.pdf")
    assert req.outline_key is None


def test_the_package_must_say_what_the_request_says(db_session, people, files, catalogue):
    presenter, coordinator, consultant, _ = people
    req = distance_request(db_session, people)
    attach(db_session, files, people, req, package_zip(hours="3"))
    with pytest.raises(ValidationError, match="The package gives 3 CPT hours and the request 2:"):
        services.submit(db_session, files, actor=coordinator, req=req, now=NOW)
    attach(db_session, files, people, req, package_zip(satisfies='["ZZ-FIRE"]'))
    with pytest.raises(ValidationError, match="The package satisfies ZZ-FIRE, the request names ZZ-CPT"):
        services.submit(db_session, files, actor=coordinator, req=req, now=NOW)
    attach(db_session, files, people, req, package_zip(category="firearms"))
    with pytest.raises(ValidationError, match="hours count in firearms, the request names general"):
        services.submit(db_session, files, actor=coordinator, req=req, now=NOW)
    assert req.state is RequestState.DRAFT


def test_certifying_publishes_the_package_under_the_certified_number(db_session, people, files, catalogue):
    presenter, coordinator, consultant, _ = people
    req = distance_request(db_session, people)
    attach(db_session, files, people, req, package_zip())
    services.submit(db_session, files, actor=coordinator, req=req, now=NOW)
    db_session.flush()
    assert db_session.scalar(select(func.count()).select_from(Course).where(Course.slug == "bicycle-patrol")) == 0
    services.certify(db_session, files, actor=consultant, req=req, number="42", expires_on=date(2029, 6, 30),
                     now=NOW)
    db_session.flush()
    course, version = get_course(db_session, "bicycle-patrol")
    assert (course.course_number, version.version, version.title) == ("9301-00042", 1,
                                                                       "Bicycle Patrol Fundamentals")
    assert req.course_id == course.id
    assert services.certified_until(db_session, {course.id}) == {course.id: date(2029, 6, 30)}

    # A modification (a new title) waits for its own certification: learners keep version 1 until then.
    change = services.create_request(db_session, actor=coordinator, presenter_id=presenter.id, now=NOW,
                                     kind=RequestKind.MODIFICATION, course_id=course.id,
                                     data=DISTANCE | {"title": "Bicycle Patrol, revised"})
    with pytest.raises(ValidationError, match="This request changes the course 'bicycle-patrol'"):
        attach(db_session, files, people, change, package_zip(slug="another-course"))
    attach(db_session, files, people, change, package_zip(title="Bicycle Patrol, revised"))
    services.submit(db_session, files, actor=coordinator, req=change, now=NOW)
    db_session.flush()
    assert get_course(db_session, "bicycle-patrol")[1].version == 1
    services.certify(db_session, files, actor=consultant, req=change, number="42", expires_on=date(2030, 6, 30),
                     now=NOW)
    db_session.flush()
    course, version = get_course(db_session, "bicycle-patrol")
    assert (course.course_number, version.version, version.title) == ("9301-00042", 2, "Bicycle Patrol, revised")


def test_staff_do_not_publish_a_new_version_of_a_course_certified_here(db_session, people, files, catalogue,
                                                                       signed_in):
    from learning_portal.content_import import upload

    consultant = people[2]
    certified(db_session, files, people, expires_on=date(2099, 6, 30))
    revised = package_zip(title="Bicycle Patrol, edited by hand", presenter="9301", number="00042")
    assert upload.import_upload(db_session, revised, filename="b.zip", now=NOW).report.courses == [
        ("bicycle-patrol", "draft", 2)]
    refused = signed_in(consultant).post("/admin/courses/bicycle-patrol/publish", data={"version": 2},
                                         follow_redirects=True)
    assert "9301-00042 is certified through 30 Jun 2099: a change to it is published by certifying" in \
        refused.get_data(as_text=True)
    assert get_course(db_session, "bicycle-patrol")[1].title == "Bicycle Patrol Fundamentals"
    # Nor from the command line: there the change waits as a draft too.
    from learning_portal.content_import.importer import import_tree
    tree = upload.read_upload(db_session, package_zip(title="Edited again", presenter="9301", number="00042"),
                              filename="c.zip")
    assert import_tree(db_session, tree, now=NOW).courses == [("bicycle-patrol", "draft", 3)]
    assert get_course(db_session, "bicycle-patrol")[1].title == "Bicycle Patrol Fundamentals"


def test_a_package_that_no_longer_fits_the_portal_is_not_certified(db_session, people, files, catalogue):
    presenter, coordinator, consultant, _ = people
    req = distance_request(db_session, people)
    attach(db_session, files, people, req, package_zip())
    services.submit(db_session, files, actor=coordinator, req=req, now=NOW)
    files.storage.put_bytes(req.package_key, b"damaged")  # or a video it uses was removed since
    with pytest.raises(ConflictError, match="The package cannot be published"):
        services.certify(db_session, files, actor=consultant, req=req, number="42", expires_on=date(2029, 6, 30),
                         now=NOW)
    assert req.state is RequestState.SUBMITTED and req.course_number is None


def test_outline_is_kept_and_read_back(db_session, people, files):
    req = distance_request(db_session, people, requirements=[], categories=[])
    services.attach_outline(db_session, files, actor=people[1], req=req, data=OUTLINE, filename="../../etc/x.pdf")
    assert req.outline_name == "x.pdf" and files.storage.read(req.outline_key) == OUTLINE


def test_only_the_certification_in_force_is_withdrawn_or_reported(db_session, people, files, catalogue):
    presenter, coordinator, consultant, _ = people
    req = certified(db_session, files, people, expires_on=NOW.date() + timedelta(30))
    change = services.create_request(db_session, actor=coordinator, presenter_id=presenter.id, now=NOW,
                                     kind=RequestKind.MODIFICATION, course_id=req.course_id,
                                     data=DISTANCE | {"title": "Bicycle Patrol, revised"})
    services.attach_outline(db_session, files, actor=coordinator, req=change, data=OUTLINE, filename="o.pdf")
    services.submit(db_session, files, actor=coordinator, req=change, now=NOW)
    services.certify(db_session, files, actor=consultant, req=change, number="42",
                     expires_on=NOW.date() + timedelta(400), now=NOW)
    db_session.flush()
    assert [r.id for r in services.expiring(db_session, presenter.id, NOW.date())] == []  # the old one is superseded
    with pytest.raises(ConflictError, match="A later certification of this course"):
        services.withdraw(db_session, actor=consultant, req=req, comment="Outdated.", last_day=NOW.date(), now=NOW)
    services.withdraw(db_session, actor=consultant, req=change, comment="Outdated.", last_day=NOW.date(), now=NOW)
    assert services.certified_until(db_session, {req.course_id}) == {req.course_id: NOW.date()}
