"""The compliance tests' agencies and people, for the record tests too."""

from tests.compliance.conftest import world  # noqa: F401
