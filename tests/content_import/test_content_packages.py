"""The shipped sample catalogue (requirements.md section 10) is complete and well formed."""

import pytest

from learning_portal.content_import.parser import load_tree
from tests.factories import REAL_CONTENT

SAMPLE_CATALOGUE = {
    "9999-00101": ("dv-response-update", {"CA-LM-DV-2Y", "CA-CPT-24"}, "automatic"),
    "9999-00102": ("psp-strategic-communications", {"CA-PSP-SC", "CA-CPT-24"}, "automatic"),
    "9999-00103": ("courtroom-testimony", {"CA-CPT-24"}, "roster"),
    "9999-00104": ("gvro-micro-course", {"CA-CPT-24"}, "automatic"),
    "9999-00105": ("first-aid-cpr-aed-retraining", {"CA-LM-FA-2Y", "CA-CPT-24"}, "roster"),
    "9999-00106": ("racial-identity-profiling-update", {"CA-LM-RIPA-5Y", "CA-CPT-24"}, "roster"),
    "9999-00107": ("vehicle-pursuit-policy-update", {"CA-LM-PURSUIT-1Y", "CA-CPT-24"}, "automatic"),
    "9999-00108": ("psp-arrest-and-control", {"CA-PSP-AC", "CA-CPT-24", "CO-R28-PERISH"}, "roster"),
    "9999-00109": ("psp-tactical-firearms", {"CA-PSP-TF", "CA-CPT-24", "CO-R28-PERISH"}, "roster"),
    "9999-00110": ("psp-driver-training", {"CA-PSP-DT", "CA-CPT-24", "CO-R28-PERISH"}, "roster"),
    "9999-00111": ("psp-use-of-force-de-escalation", {"CA-PSP-UOF", "CA-CPT-24"}, "roster"),
    "9999-00112": ("hate-crimes", {"CA-LM-HATE-6Y", "CA-CPT-24"}, "automatic"),
    "9999-00201": ("callers-in-crisis", {"CA-PSD-CPT", "CA-CPT-24"}, "automatic"),
    "9999-00202": ("dispatcher-critical-incidents", {"CA-PSD-CPT"}, "automatic"),
    "9999-00301": ("did-you-know-series", set(), "none"),
}


@pytest.fixture(scope="module")
def courses():
    tree = load_tree(REAL_CONTENT)
    assert tree.ok, "\n".join(str(p) for p in tree.problems)
    return {c.course_number: c for c in tree.courses}


def test_every_sample_course_is_shipped_as_sample_data(courses):
    assert set(courses) == set(SAMPLE_CATALOGUE)
    for number, (slug, satisfies, credit) in SAMPLE_CATALOGUE.items():
        course = courses[number]
        assert (course.slug, set(course.satisfies), course.credit) == (slug, satisfies, credit), number
        assert course.sample and course.presenter == "9999", number


@pytest.mark.parametrize("number", sorted(SAMPLE_CATALOGUE))
def test_each_course_has_several_lessons_and_a_quiz_of_5_to_10_questions(courses, number):
    course = courses[number]
    lessons = [i for i in course.items if i.kind == "lesson"]
    quizzes = [i.quiz for i in course.items if i.kind == "quiz"]
    assert len(lessons) >= 3
    assert len(quizzes) == 1 and 5 <= len(quizzes[0].questions) <= 10
    for lesson in lessons:
        words = len(lesson.markdown.split())
        assert lesson.markdown.startswith("## ") and 120 <= words <= 900, (lesson.title, words)
    for question in quizzes[0].questions:
        assert "all of the above" not in " ".join(c.text.lower() for c in question.choices)


def test_the_racial_profiling_video_needs_a_qualified_facilitator(courses):
    course = courses["9999-00106"]
    assert course.facilitation_allowed and course.facilitator_qualification == "racial_profiling"
