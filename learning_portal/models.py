"""Every domain's models, imported explicitly so that ``Base.metadata`` is complete (Alembic, tests)."""

from learning_portal.accounts.models import Agency, ApiToken, Person
from learning_portal.db import Base

metadata = Base.metadata

__all__ = ["Agency", "ApiToken", "Base", "Person", "metadata"]
