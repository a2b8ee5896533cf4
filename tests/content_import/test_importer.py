"""Importing content: idempotent, all or nothing, new versions that leave enrollments pinned."""

import shutil

import pytest
from sqlalchemy import func, select

from learning_portal.catalog.models import Course, CourseItem, CourseVersion, ItemKind
from learning_portal.catalog.queries import get_course
from learning_portal.learning import services as learning
from learning_portal.quizzes.models import Quiz
from tests.factories import NOW, TEST_CONTENT, load_content, make_person


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_import_creates_the_course_and_is_idempotent(db_session):
    report = load_content(db_session)
    assert report.courses == [("basic-course", "created", 1)]
    course, version = get_course(db_session, "basic-course")
    assert [i.kind for i in version.items] == [ItemKind.LESSON, ItemKind.LESSON, ItemKind.QUIZ]
    assert [r.id for r in version.requirements] == ["ZZ-CPT", "ZZ-FIRE"]
    quiz = db_session.get(Quiz, version.items[2].id)
    assert len(quiz.questions) == 3 and quiz.max_attempts == 2
    before = {m: count(db_session, m) for m in (Course, CourseVersion, CourseItem, Quiz)}
    again = load_content(db_session)
    assert again.courses == [("basic-course", "unchanged", 1)] and again.requirements_changed == 0
    assert {m: count(db_session, m) for m in before} == before


def test_lessons_are_sanitised_when_rendered(db_session):
    load_content(db_session)
    _, version = get_course(db_session, "basic-course")
    html = version.items[0].body_html
    assert "<h2>First lesson</h2>" in html and "<strong>Point one</strong>" in html
    assert "<script" not in html and "javascript:" not in html
    assert 'href="https://example.org/"' in html


def test_a_changed_package_becomes_a_new_version_and_enrollments_stay_pinned(db_session, tmp_path):
    load_content(db_session)
    course, v1 = get_course(db_session, "basic-course")
    early = make_person(db_session)
    enrollment, _ = learning.enroll(db_session, person=early, course=course, now=NOW)

    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    lesson = root / "basic-course/lessons/01-first.md"
    lesson.write_text(lesson.read_text().replace("loaded.", "loaded, every time."))
    assert load_content(db_session, root).courses == [("basic-course", "new_version", 2)]

    course, v2 = get_course(db_session, "basic-course")
    assert v2.version == 2 and "every time" in v2.items[0].body_html
    db_session.refresh(enrollment)
    assert enrollment.course_version_id == v1.id  # the early learner keeps the version they started
    assert "every time" not in enrollment.course_version.items[0].body_html
    late, _ = learning.enroll(db_session, person=make_person(db_session), course=course, now=NOW)
    assert late.course_version_id == v2.id


def test_import_command_refuses_invalid_content_and_writes_nothing(app, db_session, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    (root / "basic-course/quizzes/check.toml").write_text("pass_mark = [")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "import", str(root)])
    assert result.exit_code == 1
    assert "check.toml:1: invalid TOML" in result.output and "nothing was imported" in result.output
    assert count(db_session, Course) == 0 and count(db_session, CourseVersion) == 0


def test_import_and_validate_commands(app, db_session):
    runner = app.test_cli_runner()
    validated = runner.invoke(args=["content", "validate", str(TEST_CONTENT / "basic-course")])
    assert validated.exit_code == 0 and "OK: 1 course(s), 2 requirement(s)" in validated.output
    imported = runner.invoke(args=["content", "import", str(TEST_CONTENT)])
    assert imported.exit_code == 0 and "basic-course: created (version 1)" in imported.output
    assert runner.invoke(args=["content", "import", str(TEST_CONTENT)]).output.startswith(
        "basic-course: unchanged (version 1)")


def test_a_course_number_cannot_move_to_another_slug(db_session, tmp_path):
    load_content(db_session)
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    shutil.move(root / "basic-course", root / "renamed-course")
    manifest = root / "renamed-course/course.toml"
    manifest.write_text(manifest.read_text().replace('slug = "basic-course"', 'slug = "renamed-course"'))
    with pytest.raises(Exception, match="already belongs to 'basic-course'"):
        load_content(db_session, root)
