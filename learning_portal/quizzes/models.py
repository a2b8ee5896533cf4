"""A quiz belongs to one quiz item of a course version and shares its id, so ``quiz_id == item_id``."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning_portal.db import Base, enum_column
from learning_portal.learning.models import Enrollment


class QuestionKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"


class Quiz(Base):
    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(ForeignKey("course_items.id", ondelete="CASCADE"), primary_key=True)
    pass_mark: Mapped[int]  # percent
    max_attempts: Mapped[int | None]  # submitted attempts per enrollment; None: unlimited

    questions: Mapped[list[Question]] = relationship(order_by="Question.position", lazy="selectin",
                                                     back_populates="quiz")


class Question(Base):
    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind))
    prompt: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(order_by="Choice.position", lazy="selectin",
                                                 back_populates="question")

    @property
    def correct_ids(self) -> frozenset[int]:
        return frozenset(c.id for c in self.choices if c.is_correct)


class Choice(Base):
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

    quiz: Mapped[Quiz] = relationship(lazy="joined", innerjoin=True)
    enrollment: Mapped[Enrollment] = relationship(lazy="joined", innerjoin=True)
