"""Builders for credit tests: a learner who completes a course through the real services; a receiver that
fails as told."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from learning_portal.accounts.models import Person
from learning_portal.catalog.queries import get_course
from learning_portal.credits.gateways import ForwardError
from learning_portal.learning import services as learning
from learning_portal.learning.models import Completion
from learning_portal.quizzes import services as quizzes


def complete_course(session: Session, person: Person, slug: str, *, now: datetime) -> Completion:
    """Enroll, do every required item and pass the quiz; returns the completion."""
    course, _ = get_course(session, slug)
    enrollment, _ = learning.enroll(session, person=person, course=course, now=now)
    for item in enrollment.course_version.required_items:
        if item.kind.value == "lesson":
            learning.mark_lesson_viewed(session, enrollment=enrollment, item=item, now=now)
        elif item.kind.value == "video":  # watching itself is tested in tests/learning/test_video_progress.py
            learning.complete_item(session, enrollment=enrollment, item=item, now=now)
        else:
            quiz = quizzes.get_quiz(session, item.id)
            attempt = quizzes.open_attempt(session, enrollment=enrollment, quiz=quiz, now=now)
            quizzes.submit_attempt(session, attempt=attempt, enrollment=enrollment, now=now,
                                   answers={str(q.id): sorted(q.correct_ids) for q in quiz.questions})
    completion = learning.get_completion(session, enrollment)
    assert completion is not None
    return completion


class FakeForwarder:
    """Fails ``failures`` times (as an unreachable receiver when ``transient``), then takes every record."""

    def __init__(self, failures: int = 0, *, retryable: bool = True, transient: bool = False) -> None:
        self.failures, self.retryable, self.transient = failures, retryable, transient
        self.sent: list[tuple[str, dict]] = []

    def forward(self, *, idempotency_key: str, payload: dict) -> str:
        if self.failures:
            self.failures -= 1
            if self.transient:
                raise ForwardError("receiver unreachable: connection refused", transient=True)
            raise ForwardError("the receiver's answer is not a record: b'<html>'", retryable=self.retryable)
        self.sent.append((idempotency_key, payload))
        return f"remote-{len(self.sent)}"
