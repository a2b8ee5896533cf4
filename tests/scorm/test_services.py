"""Storing packages and the runtime: resume, mastery score, time, completion and credit, on both databases."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from learning_portal.catalog.models import CourseItem, ItemKind
from learning_portal.catalog.queries import get_course
from learning_portal.content_import import upload
from learning_portal.credits import queries as credit_queries
from learning_portal.credits import services as credits
from learning_portal.credits import worker
from learning_portal.errors import ConflictError, ValidationError
from learning_portal.learning import services as learning
from learning_portal.learning.models import Completion, Enrollment
from learning_portal.media.storage import LocalStorage
from learning_portal.records.models import TrainingRecord
from learning_portal.scorm import services as scorm
from learning_portal.scorm.manifest import PackageError
from learning_portal.scorm.models import ScormPackage
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_person
from tests.scorm.packages import course_zip, package_zip


@dataclass
class Run:
    enrollment: Enrollment
    item: CourseItem
    package: ScormPackage
    person: object


@pytest.fixture
def store(tmp_path):
    return LocalStorage(tmp_path / "media")


@pytest.fixture
def run(db_session, store) -> Run:
    load_content(db_session, REAL_CONTENT, slugs=())  # requirements and categories
    package = scorm.store_package(db_session, store, package_zip(), filename="force.zip", slug="force-quiz", now=NOW)
    imported = upload.import_upload(db_session, course_zip(), filename="course.zip", now=NOW, live=True)
    assert imported.report is not None, [str(p) for p in imported.tree.problems]
    person = make_person(db_session, agency=make_agency(db_session))
    course, version = get_course(db_session, "use-of-force-refresher")
    enrollment, _ = learning.enroll(db_session, person=person, course=course, now=NOW)
    (item,) = version.items
    assert item.kind is ItemKind.SCORM and item.package_slug == "force-quiz"
    return Run(enrollment, item, package, person)


def launch(db, r: Run, now=NOW):
    return scorm.launch(db, enrollment=r.enrollment, item=r.item, person=r.person, package=r.package, now=now)


def commit(db, r: Run, values, finish=False, now=NOW):
    return scorm.commit(db, enrollment=r.enrollment, item=r.item, package=r.package, values=values, finish=finish,
                        now=now)


def test_a_stored_package_keeps_every_file_and_a_taken_reference_is_refused(db_session, store):
    package = scorm.store_package(db_session, store, package_zip(), filename="force.zip", slug="force-quiz", now=NOW)
    assert (package.title, package.launch, package.mastery_score, package.file_count) == (
        "Use of Force Quiz", "index.html", Decimal(80), 5)
    assert store.read(package.key("assets/Logo (blue).svg")).startswith(b"<svg")
    assert b"LMSInitialize" in store.read(package.key("index.html"))
    with pytest.raises(ConflictError, match="already exists"):
        scorm.store_package(db_session, store, package_zip(), filename="again.zip", slug="force-quiz", now=NOW)
    with pytest.raises(ValidationError):
        scorm.store_package(db_session, store, package_zip(), filename="x.zip", slug="Force Quiz", now=NOW)


def test_a_refused_package_records_nothing(db_session, store):
    with pytest.raises(PackageError):
        scorm.store_package(db_session, store, package_zip(version="2004 4th Edition"), filename="x.zip",
                            slug="new-one", now=NOW)
    assert db_session.scalar(select(func.count()).select_from(ScormPackage)) == 0


def test_a_store_that_fails_half_way_leaves_no_file_behind(db_session, store, monkeypatch):
    written, put = [], store.put_bytes

    def fails_second(key, content):
        if written:
            raise OSError("No space left on device")
        written.append(key)
        put(key, content)

    monkeypatch.setattr(store, "put_bytes", fails_second)
    with pytest.raises(OSError):
        scorm.store_package(db_session, store, package_zip(), filename="x.zip", slug="new-one", now=NOW)
    assert written and [p for p in store.root.rglob("*") if p.is_file()] == []


def test_a_course_naming_a_package_not_uploaded_is_not_imported(db_session):
    load_content(db_session, REAL_CONTENT, slugs=())
    result = upload.import_upload(db_session, course_zip(package="not-uploaded"), filename="c.zip", now=NOW)
    assert result.report is None
    assert any("SCORM package 'not-uploaded' is not in the portal" in str(p) for p in result.tree.problems)


def test_the_first_launch_starts_fresh_and_a_suspended_session_resumes(db_session, run):
    first = launch(db_session, run)
    assert first["cmi.core.entry"] == "ab-initio" and first["cmi.core.lesson_status"] == "not attempted"
    assert first["cmi.core.student_id"] == run.person.post_id and first["cmi.student_data.mastery_score"] == "80"
    commit(db_session, run, {"cmi.core.lesson_status": "incomplete", "cmi.core.lesson_location": "question-1",
                             "cmi.suspend_data": "page=2", "cmi.core.exit": "suspend",
                             "cmi.core.session_time": "0000:01:30.25"}, finish=True)
    again = launch(db_session, run, now=NOW + timedelta(days=1))
    assert again["cmi.core.entry"] == "resume"
    assert (again["cmi.core.lesson_location"], again["cmi.suspend_data"]) == ("question-1", "page=2")
    assert again["cmi.core.lesson_status"] == "incomplete" and again["cmi.core.total_time"] == "0000:01:30.25"
    commit(db_session, run, {"cmi.core.exit": "", "cmi.core.session_time": "0000:00:10"}, finish=True)
    assert launch(db_session, run)["cmi.core.entry"] == ""  # not suspended: a new attempt, not a resume


def test_time_of_a_session_that_never_finished_still_counts(db_session, run):
    launch(db_session, run)
    commit(db_session, run, {"cmi.core.session_time": "0001:00:00"})  # then the tab was closed
    assert launch(db_session, run)["cmi.core.total_time"] == "0001:00:00.00"


def test_total_time_stays_a_valid_timespan_past_9999_hours():
    assert scorm.timespan(Decimal("3723.5")) == "0001:02:03.50"
    assert scorm.timespan(Decimal(9999 * 3600 + 1800)) == "9999:30:00.00"
    assert scorm.timespan(Decimal(10000 * 3600 + 5)) == "9999:59:59.99"


def test_below_the_mastery_score_fails_and_above_passes_completing_the_course(db_session, run):
    launch(db_session, run)
    low = commit(db_session, run, {"cmi.core.score.raw": "79.5", "cmi.core.lesson_status": "completed"}, finish=True)
    assert (low.lesson_status, low.item_completed, low.course_completed) == ("failed", False, False)
    assert learning.get_completion(db_session, run.enrollment) is None
    launch(db_session, run)
    high = commit(db_session, run, {"cmi.core.score.raw": "80", "cmi.core.lesson_status": "completed"}, finish=True)
    assert (high.lesson_status, high.item_completed, high.course_completed) == ("passed", True, True)
    assert learning.get_completion(db_session, run.enrollment) is not None
    repeat = commit(db_session, run, {"cmi.core.lesson_status": "passed"})
    assert not repeat.item_completed and not repeat.course_completed  # once only


def test_without_a_mastery_score_completed_is_enough(db_session, run):
    run.package.mastery_score = None
    launch(db_session, run)
    assert not commit(db_session, run, {"cmi.core.lesson_status": "incomplete"}).item_completed
    assert commit(db_session, run, {"cmi.core.lesson_status": "completed"}).course_completed


def test_values_are_checked_on_the_server_too(db_session, run):
    launch(db_session, run)
    bad = {"cmi.core.lesson_status": "done", "cmi.core.student_id": "X1", "cmi.core.score.raw": "ninety",
           "cmi.core.session_time": "90 seconds", "cmi.suspend_data": "x" * 4097, "cmi.core.exit": "quit",
           "cmi.core.lesson_location": 7}
    with pytest.raises(ValidationError) as caught:
        commit(db_session, run, bad)
    assert set(caught.value.details) == set(bad)
    with pytest.raises(ValidationError):
        commit(db_session, run, ["cmi.core.lesson_status", "passed"])
    assert launch(db_session, run)["cmi.core.lesson_status"] == "not attempted"  # nothing was kept


def test_a_passed_package_posts_cpt_credit(app, db_session, run):
    launch(db_session, run)
    commit(db_session, run, {"cmi.core.score.raw": "95", "cmi.core.lesson_status": "passed",
                             "cmi.core.session_time": "0000:42:00"}, finish=True)
    db_session.flush()
    assert worker.run_once(app.extensions["db_sessionmaker"], credits.PosterSettings(), now=lambda: NOW) == 1
    record = db_session.scalar(select(TrainingRecord).where(TrainingRecord.person_id == run.person.id))
    assert (record.course_number, record.hours, record.satisfies) == ("9999-00190", Decimal("1.00"), ["CA-CPT-24"])
    completion = db_session.scalars(select(Completion)).one()
    assert completion.seconds_spent == 42 * 60  # the package's reported time, kept like a lesson's
    profile = credit_queries.profile(db_session, run.person)
    assert profile.time_spent == {record.id: 42 * 60}  # shown with the record
