"""The main navigation each role sees. It lives on top of the domains because it links into all of them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from learning_portal.accounts.models import Person, Role
from learning_portal.web.auth import current_actor_or_none


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str


# Each entry names an endpoint the role is allowed to open.
_LEARNER = (NavItem("Home", "home.index"), NavItem("Courses", "catalog.courses"),
            NavItem("My learning", "learning.my_learning"), NavItem("Classes", "sessions.presentations"),
            NavItem("My profile", "credits.my_profile"), NavItem("My compliance", "compliance.mine"))

_CHECK_IN = NavItem("Check in", "sessions.check_in")
_SESSIONS = NavItem("Sessions", "sessions.index")
_CERTIFICATION = NavItem("Certification", "certification.index")  # coordinators and consultants are grants

NAV: dict[Role, tuple[NavItem, ...]] = {
    Role.OFFICER: (*_LEARNER, _CHECK_IN),
    Role.DISPATCHER: (*_LEARNER, _CHECK_IN),
    Role.INSTRUCTOR: (*_LEARNER, _SESSIONS, _CHECK_IN),
    Role.TRAINING_MANAGER: (*_LEARNER, NavItem("Agency compliance", "compliance.my_agency"),
                            NavItem("My agency's people", "accounts.people"), NavItem("Disputes", "disputes.index"),
                            _SESSIONS, _CERTIFICATION, _CHECK_IN),
    Role.ADMINISTRATOR: (
        NavItem("Home", "home.index"),
        NavItem("Courses", "catalog.courses"),
        NavItem("People", "accounts.people"),
        NavItem("Agencies", "accounts_admin.agencies"),
        NavItem("Compliance", "compliance.state"),
        NavItem("Import people", "accounts_admin.people_import"),
        NavItem("Videos", "media_admin.assets"),
        NavItem("SCORM packages", "scorm_admin.packages"),
        NavItem("Import courses", "content_admin.import_package"),
        _CERTIFICATION,
        _SESSIONS,
        NavItem("Qualifications", "sessions_admin.qualifications"),
        NavItem("Credit postings", "credits_admin.postings"),
        NavItem("xAPI statements", "xapi_admin.statements"),
        NavItem("System tokens", "accounts_admin.system_tokens"),
        NavItem("Disputes", "disputes.index"),
        NavItem("Audit log", "accounts_admin.audit_log"),
    ),
}


# The role whose home page and menu lead, for someone who holds several.
_PRECEDENCE = (Role.ADMINISTRATOR, Role.TRAINING_MANAGER, Role.INSTRUCTOR)


def leading_role(person: Person) -> Role:
    return next((r for r in _PRECEDENCE if person.has_role(r)), person.role)


def nav_for(person: Person) -> tuple[NavItem, ...]:
    """The leading role's menu, with anything the person's other roles open that it lacks (an officer who
    instructs gets Sessions)."""
    items = list(NAV.get(leading_role(person), ()))
    for role in sorted(person.roles - {leading_role(person)}):
        items += [item for item in NAV.get(role, ()) if item not in items]
    return tuple(items)


def init_app(app: Flask) -> None:
    @app.context_processor
    def _navigation() -> dict:
        actor = current_actor_or_none()
        return {"actor": actor, "nav_items": nav_for(actor) if actor else ()}
