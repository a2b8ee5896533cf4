"""Keyset-free, bounded offset pagination for tables (page size capped)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_args(default_size: int = 50, max_size: int = 200) -> tuple[int, int]:
    page = request.args.get("page", 1, type=int) or 1
    size = request.args.get("per_page", default_size, type=int) or default_size
    return max(1, page), min(max(1, size), max_size)


def paginate(session: Session, query: Select[Any], *, page: int, per_page: int) -> Page:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)
