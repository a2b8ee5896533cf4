"""The catalogue's version, for what every page reads and few write: courses, their items and quizzes,
requirements, hour categories, jurisdictions.

Every flush that writes one of those (models marked ``__catalog__ = True``) sets a new random token in the
same transaction; a process caches what it derived from the catalogue under the token it read, so a page
built from it is never older than the last committed catalogue write, on any worker. A token (not a
counter) because a rolled-back write must not let a later, different one look the same.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import String, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from learning_portal.db import Base

T = TypeVar("T")
MAX_ENTRIES = 512  # derived values kept per process (filters of the catalogue page, jurisdictions, ...)


class CatalogVersion(Base):
    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    token: Mapped[str] = mapped_column(String(32))


def token(session: Session) -> str:
    """The catalogue's current token, read once per transaction."""
    if "catalog_token" not in session.info:
        session.info["catalog_token"] = session.scalar(select(CatalogVersion.token).where(CatalogVersion.id == 1))
    return session.info["catalog_token"]


def _new_version(session: Session) -> None:
    fresh = uuid.uuid4().hex
    session.connection().execute(update(CatalogVersion.__table__).where(CatalogVersion.id == 1).values(token=fresh))
    session.info["catalog_token"] = fresh


@event.listens_for(Session, "after_flush")
def _new_version_on_catalog_write(session: Session, _context: object) -> None:
    if any(getattr(type(o), "__catalog__", False) for o in (*session.new, *session.dirty, *session.deleted)):
        _new_version(session)


@event.listens_for(Session, "do_orm_execute")
def _new_version_on_catalog_statement(state: Any) -> Any:
    """An UPDATE, DELETE or INSERT statement on a catalogue table (not through the unit of work) too."""
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete or state.is_insert) and mapper is not None and getattr(
            mapper.class_, "__catalog__", False):
        result = state.invoke_statement()
        _new_version(state.session)
        return result
    return None


@event.listens_for(Session, "after_transaction_end")
def _forget_token(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction: the next one reads the token again
        session.info.pop("catalog_token", None)


_cache: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()


def cached(session: Session, key: tuple, load: Callable[[], T]) -> T:
    """``load()`` once per catalogue version and ``key``; the value must not be changed by its users."""
    full = (token(session), *key)
    with _lock:
        if full in _cache:
            _cache.move_to_end(full)
            return _cache[full]
    value = load()
    with _lock:
        _cache[full] = value
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return value
