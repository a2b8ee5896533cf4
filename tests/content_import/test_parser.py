"""The content parser: every problem reported with file and line, all at once."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from learning_portal.content_import.parser import load_tree
from tests.factories import REAL_CONTENT, TEST_CONTENT


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def problems(root: Path) -> list[str]:
    return [str(p) for p in load_tree(root).problems]


def test_a_valid_package_parses_into_specs(content):
    tree = load_tree(content)
    assert tree.ok, tree.problems
    (course,) = tree.courses
    assert course.course_number == "9998-00001"
    assert course.cpt_hours == Decimal("1.50") and dict(course.hours) == {"general": 1, "firearms": Decimal("0.5")}
    assert [(i.kind, i.required) for i in course.items] == [("lesson", True), ("lesson", False), ("quiz", True)]
    quiz = course.items[2].quiz
    assert (quiz.pass_mark, quiz.max_attempts) == (60, 2)
    assert [q.kind for q in quiz.questions] == ["single", "multiple", "true_false"]
    assert [(c.text, c.correct) for c in quiz.questions[2].choices] == [("True", False), ("False", True)]
    assert set(tree.requirements) == {"ZZ-CPT", "ZZ-FIRE"} and set(tree.categories) == {"general", "firearms"}


def test_broken_toml_is_reported_with_its_line(content):
    edit(content / "basic-course/course.toml", 'title = "Basic Test Course"', 'title = "Basic Test Course')
    assert problems(content) == ["content/basic-course/course.toml:4: invalid TOML: Illegal character '\\n'"]


def test_missing_lesson_file_is_reported_at_the_item(content):
    (content / "basic-course/lessons/02-extra.md").unlink()
    assert problems(content) == ["content/basic-course/course.toml:28: file 'lessons/02-extra.md' not found"]


def test_quiz_without_a_correct_answer_is_reported_at_the_question(content):
    edit(content / "basic-course/quizzes/check.toml", "  text = \"Safe\"\n  correct = true", '  text = "Safe"')
    assert problems(content) == [
        "content/basic-course/quizzes/check.toml:9: a single-choice question needs exactly one correct choice (has 0)"]


def test_unknown_requirement_id_and_category_are_reported(content):
    edit(content / "basic-course/course.toml", '"ZZ-FIRE"]', '"ZZ-NOPE"]')
    edit(content / "basic-course/course.toml", "firearms = 0.5", "archery = 0.5")
    assert problems(content) == [
        "content/basic-course/course.toml:12: unknown requirement id 'ZZ-NOPE' (not in content/requirements)",
        "content/basic-course/course.toml:18: unknown hour category 'archery'",
    ]


def test_exemption_grounds_are_parsed_and_their_mistakes_reported(content):
    (ground,) = load_tree(content).jurisdictions["ZZ-POST"].exemption_grounds
    assert (ground.id, ground.title, ground.requirements, ground.verified) == ("leave", "Leave of absence", (), True)
    rules = content / "requirements/test.toml"
    rules.write_text(rules.read_text() + """
[[exemption_grounds]]
id = "leave"
title = ""
citation = "Test Regulation 4"
requirements = ["ZZ-FIRE", "CA-CPT-24"]
colour = "blue"
""")
    found = problems(content)
    assert sorted(p.split(": ", 1)[1] for p in found) == [
        "exemption ground 'leave' is defined twice",
        "exemption ground leave needs a title",
        "leave: 'CA-CPT-24' is not a requirement of ZZ-POST",
        "unknown key 'colour' in exemption ground leave",
    ], found


def test_every_problem_is_reported_in_one_pass(content):
    edit(content / "basic-course/course.toml", 'delivery = "self_paced"', 'delivery = "telepathy"')
    edit(content / "basic-course/course.toml", "cpt_hours = 1.5", "cpt_hours = 2")
    edit(content / "basic-course/course.toml", 'sample = true', 'sample = true\ncolour = "blue"')
    edit(content / "basic-course/quizzes/check.toml", "pass_mark = 60", "pass_mark = 160")
    edit(content / "basic-course/quizzes/check.toml", 'kind = "true_false"', 'kind = "essay"')
    found = problems(content)
    assert found == [
        "content/basic-course/course.toml:7: 'delivery' must be one of: self_paced, instructor_led, "
        "video_facilitated, blended",
        "content/basic-course/course.toml:15: unknown key 'colour'",
        "content/basic-course/course.toml:17: [hours] add up to 1.50, but cpt_hours is 2.00",
        "content/basic-course/quizzes/check.toml:1: pass_mark must be a whole percentage from 1 to 100",
        "content/basic-course/quizzes/check.toml:32: question kind must be one of: single, multiple, true_false",
    ]


def test_files_outside_the_package_are_refused(content):
    edit(content / "basic-course/course.toml", 'file = "lessons/02-extra.md"', 'file = "../../etc/passwd"')
    assert problems(content) == [
        "content/basic-course/course.toml:28: '../../etc/passwd' is outside the package folder"]


def test_content_hash_changes_only_with_content(content):
    first = load_tree(content).courses[0].content_hash()
    assert load_tree(content).courses[0].content_hash() == first
    edit(content / "basic-course/lessons/01-first.md", "loaded.", "loaded, always.")
    assert load_tree(content).courses[0].content_hash() != first


def test_duplicate_course_numbers_across_packages_are_refused(content):
    shutil.copytree(content / "basic-course", content / "copy-course")
    edit(content / "copy-course/course.toml", 'slug = "basic-course"', 'slug = "copy-course"')
    assert problems(content) == ["content/copy-course/course.toml: course number 9998-00001 is also used by "
                                 "'basic-course'"]


def test_the_shipped_content_is_valid():
    tree = load_tree(REAL_CONTENT)
    assert tree.ok, "\n".join(str(p) for p in tree.problems)
