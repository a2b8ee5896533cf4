"""A quiz belongs to one quiz item of a course version and shares its id, so ``quiz_id == item_id``."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning_portal.db import Base, enum_column
from learning_portal.learning.models import Enrollment


class QuestionKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"


class LatePolicy(enum.StrEnum):
    """A submission after the time limit: graded on the answers saved in time, or refused (a failed attempt)."""

    GRADE_ON_TIME = "grade_on_time"
    REFUSE = "refuse"


class Review(enum.StrEnum):
    """What a learner sees after an attempt (the package decides)."""

    SCORE = "score"  # the score only
    WRONG = "wrong"  # which questions were wrong, never the right answers
    ANSWERS_AFTER_PASS = "answers_after_pass"  # noqa: S105 - which were wrong; the right answers once passed
    ANSWERS = "answers"  # the right answers after every attempt


class Quiz(Base):
    __catalog__ = True  # read by every page: see refdata
    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(ForeignKey("course_items.id", ondelete="CASCADE"), primary_key=True)
    pass_mark: Mapped[int]  # percent
    max_attempts: Mapped[int | None]  # submitted attempts per enrollment; None: unlimited
    # Questions drawn per attempt, by topic ({"*": 10}: ten of all): None asks every question.
    draw: Mapped[dict[str, int] | None] = mapped_column(JSON)
    time_limit_minutes: Mapped[int | None]  # enforced by the server; None: no limit
    late: Mapped[LatePolicy] = mapped_column(enum_column(LatePolicy), default=LatePolicy.GRADE_ON_TIME,
                                             server_default=LatePolicy.GRADE_ON_TIME.value)
    review: Mapped[Review] = mapped_column(enum_column(Review), default=Review.ANSWERS_AFTER_PASS,
                                           server_default=Review.ANSWERS_AFTER_PASS.value)

    questions: Mapped[list[Question]] = relationship(order_by="Question.position", lazy="selectin",
                                                     back_populates="quiz")


class Question(Base):
    __catalog__ = True  # read by every page: see refdata
    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind))
    prompt: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str] = mapped_column(String(60), default="", server_default="")  # the pool it is drawn from

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(order_by="Choice.position", lazy="selectin",
                                                 back_populates="question")

    @property
    def correct_ids(self) -> frozenset[int]:
        return frozenset(c.id for c in self.choices if c.is_correct)


class Choice(Base):
    __catalog__ = True  # read by every page: see refdata
    __tablename__ = "quiz_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="choices")


class QuizAttempt(Base):
    """One attempt: the shuffled layout shown, then the answers, score and result once submitted."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        Index("ix_quiz_attempts_enrollment_id_quiz_id", "enrollment_id", "quiz_id"),
        # At most one open (unsubmitted) attempt per enrollment and quiz.
        Index("uq_quiz_attempts_enrollment_id_quiz_id_open", "enrollment_id", "quiz_id", unique=True,
              sqlite_where=text("submitted_at IS NULL"), postgresql_where=text("submitted_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"))
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    layout: Mapped[list[Any]] = mapped_column(JSON)  # [[question_id, [choice_id, ...]], ...] as shown
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"question_id": [choice_id, ...]}
    score: Mapped[int | None]
    passed: Mapped[bool | None]
    deadline: Mapped[datetime | None]  # with a time limit: started_at + the limit (and any extra time granted)
    saved_answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # saved before the deadline, as it ran
    late: Mapped[bool] = mapped_column(default=False, server_default=false())  # submitted after the deadline

    quiz: Mapped[Quiz] = relationship(lazy="joined", innerjoin=True)
    enrollment: Mapped[Enrollment] = relationship(lazy="joined", innerjoin=True)


class Accommodation(Base):
    """Extra time on timed quizzes for one person, granted by their training manager (audited)."""

    __tablename__ = "quiz_accommodations"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    extra_percent: Mapped[int]  # 50: time and a half
    reason: Mapped[str] = mapped_column(String(300))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime]
