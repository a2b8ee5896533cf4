"""Question types: what a valid answer looks like and whether it is right. Pure: no DB, no Flask."""

from __future__ import annotations

from typing import Protocol


class QuestionType(Protocol):
    key: str

    def answer_problem(self, selected: frozenset[int], offered: frozenset[int]) -> str | None:
        """Why ``selected`` is not an acceptable answer, or None."""

    def is_correct(self, selected: frozenset[int], correct: frozenset[int]) -> bool: ...


class _Base:
    key = ""
    min_selected = 1
    max_selected: int | None = 1

    def answer_problem(self, selected: frozenset[int], offered: frozenset[int]) -> str | None:
        if not selected:
            return "Choose an answer."
        if not selected <= offered:
            return "An answer names a choice that is not part of this question."
        if self.max_selected is not None and len(selected) > self.max_selected:
            return "Choose only one answer."
        return None

    def is_correct(self, selected: frozenset[int], correct: frozenset[int]) -> bool:
        return selected == correct  # all or nothing, also for multiple choice


class SingleChoice(_Base):
    key = "single"


class MultipleChoice(_Base):
    key = "multiple"
    max_selected = None


class TrueFalse(_Base):
    key = "true_false"


QUESTION_TYPES: dict[str, QuestionType] = {t.key: t for t in (SingleChoice(), MultipleChoice(), TrueFalse())}


def score_percent(correct: int, total: int) -> int:
    """Whole percent, rounded down so that a score never claims more than was earned."""
    return (100 * correct) // total if total else 0
