"""Every domain's models, imported explicitly so that ``Base.metadata`` is complete (Alembic, tests)."""

from learning_portal.accounts.models import (
    Agency,
    AgencyMembership,
    ApiToken,
    Jurisdiction,
    Person,
    PersonTerm,
    RecoveryCode,
    TwoFactor,
)
from learning_portal.audit.models import AuditEntry, AuditHead
from learning_portal.catalog.models import (
    Course,
    CourseItem,
    CourseVersion,
    CourseVersionRequirement,
    HourCategory,
    Requirement,
)
from learning_portal.certification.models import (
    CertificationRequest,
    CertificationStep,
    Consultant,
    Coordinator,
    Presenter,
)
from learning_portal.compliance.models import AgencyStatusVersion, Exemption, PersonEvaluation, RequirementStatus
from learning_portal.credits.models import CreditPosting, ForwardCursor, InboundReceipt, RecordForward
from learning_portal.db import Base
from learning_portal.invitations.models import SignInLink
from learning_portal.learning.models import (
    AssignmentRule,
    Completion,
    CourseAssignment,
    Enrollment,
    ItemProgress,
    RuleHit,
)
from learning_portal.mail.models import MailBounce, OutgoingMail
from learning_portal.media.models import MediaAsset
from learning_portal.notices.models import NoticeCursor, NoticeOptOut, Notification
from learning_portal.quizzes.models import Accommodation, Choice, Question, Quiz, QuizAttempt
from learning_portal.records.models import Dispute, ExternalTraining, RecordChange, TrainingRecord
from learning_portal.refdata import CatalogVersion
from learning_portal.scorm.models import ScormPackage, ScormState
from learning_portal.sessions.models import (
    Attendance,
    FacilitatorQualification,
    Registration,
    RosterAmendment,
    TrainingSession,
    session_agencies,
)
from learning_portal.xapi.models import XapiStatement

metadata = Base.metadata

__all__ = [
    "Accommodation", "Agency", "AgencyMembership", "AgencyStatusVersion", "ApiToken", "AssignmentRule", "Attendance",
    "AuditEntry", "AuditHead", "Base", "CatalogVersion", "CertificationRequest", "CertificationStep", "Choice",
    "Completion", "Consultant", "Coordinator", "Course", "CourseAssignment", "CourseItem", "CourseVersion",
    "CourseVersionRequirement", "CreditPosting", "Dispute", "Enrollment", "Exemption", "ExternalTraining",
    "FacilitatorQualification", "ForwardCursor", "HourCategory", "InboundReceipt", "ItemProgress", "Jurisdiction",
    "MailBounce", "MediaAsset", "NoticeCursor", "NoticeOptOut", "Notification", "OutgoingMail", "Person",
    "PersonEvaluation", "PersonTerm", "Presenter", "Question", "Quiz", "QuizAttempt", "RecordChange", "RecordForward",
    "RecoveryCode", "Registration", "Requirement", "RequirementStatus", "RosterAmendment", "RuleHit", "ScormPackage",
    "ScormState", "SignInLink", "TrainingRecord", "TrainingSession", "TwoFactor", "XapiStatement", "metadata",
    "session_agencies",
]
