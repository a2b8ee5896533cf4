"""Grading rules, without a database."""

import pytest

from learning_portal.quizzes.grading import QUESTION_TYPES, score_percent

OFFERED = frozenset({1, 2, 3})


@pytest.mark.parametrize(("kind", "selected", "problem"), [
    ("single", set(), "Choose an answer."),
    ("single", {1, 2}, "Choose only one answer."),
    ("true_false", {1, 2}, "Choose only one answer."),
    ("single", {9}, "An answer names a choice that is not part of this question."),
    ("multiple", {1, 2, 3}, None),
    ("single", {2}, None),
])
def test_answer_shape(kind, selected, problem):
    assert QUESTION_TYPES[kind].answer_problem(frozenset(selected), OFFERED) == problem


def test_multiple_choice_is_all_or_nothing():
    multiple = QUESTION_TYPES["multiple"]
    assert multiple.is_correct(frozenset({1, 2}), frozenset({1, 2}))
    assert not multiple.is_correct(frozenset({1}), frozenset({1, 2}))
    assert not multiple.is_correct(frozenset({1, 2, 3}), frozenset({1, 2}))


def test_scores_round_down():
    assert [score_percent(c, 8) for c in (0, 3, 6, 8)] == [0, 37, 75, 100]
    assert score_percent(2, 3) == 66  # a 67% pass mark is not met by two of three
