"""Read-only queries over people and agencies, always scoped to what the actor may see."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, String, cast, func, or_, select
from sqlalchemy.orm import Session

from learning_portal.accounts.models import Agency, Person, Role
from learning_portal.accounts.permissions import visible_people_clause


def people_query(actor: Person, *, search: str = "", agency_id: int | None = None) -> Select[tuple[Person]]:
    query = select(Person).where(visible_people_clause(actor))
    if agency_id is not None:
        query = query.where(Person.agency_id == agency_id)
    if search := search.strip():
        like = f"%{search.lower()}%"
        query = query.where(or_(
            func.lower(Person.last_name).like(like),
            func.lower(Person.first_name).like(like),
            func.lower(Person.post_id).like(like),
            func.lower(Person.username).like(like),
        ))
    return query.order_by(Person.last_name, Person.first_name, Person.id)


def list_agencies(session: Session) -> list[tuple[Agency, int]]:
    """Every agency with its head count, by jurisdiction and name."""
    counts = (select(Person.agency_id, func.count(Person.id).label("n"))
              .group_by(Person.agency_id).subquery())
    rows = session.execute(
        select(Agency, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.agency_id == Agency.id)
        .order_by(Agency.jurisdiction, Agency.name)
    )
    return [(agency, n) for agency, n in rows]


def person_by_identifier(session: Session, text: str) -> Person | None:
    """Someone named by POST ID or username, as people type them."""
    text = text.strip()
    return session.scalar(select(Person).where(or_(Person.post_id == text.upper(), Person.username == text.lower()))
                          .limit(1))


def people_by_id(session: Session, ids: set[int]) -> dict[int, Person]:
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}


def holds_role(role: Role) -> ColumnElement[bool]:
    """SQL for ``Person.has_role(role)``: the main role, or one of the roles held (JSON keys)."""
    return or_(Person.role == role, cast(Person.roles_held, String).like(f'%"{role.value}"%'))
