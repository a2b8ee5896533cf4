"""Every domain's models, imported explicitly so that ``Base.metadata`` is complete (Alembic, tests)."""

from learning_portal.accounts.models import Agency, ApiToken, Person
from learning_portal.catalog.models import (
    Course,
    CourseItem,
    CourseVersion,
    CourseVersionRequirement,
    HourCategory,
    Requirement,
)
from learning_portal.db import Base
from learning_portal.learning.models import Completion, Enrollment, ItemProgress
from learning_portal.quizzes.models import Choice, Question, Quiz, QuizAttempt

metadata = Base.metadata

__all__ = [
    "Agency", "ApiToken", "Base", "Choice", "Completion", "Course", "CourseItem", "CourseVersion",
    "CourseVersionRequirement", "Enrollment", "HourCategory", "ItemProgress", "Person", "Question", "Quiz",
    "QuizAttempt", "Requirement", "metadata",
]
