"""Numbers and dates as people read them. Pure: used by templates, PDFs and messages alike."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal


def hours(value: Decimal | float | str | None) -> str:
    """2 -> "2", 1.50 -> "1.5", 0.25 -> "0.25"."""
    if value is None:
        return "0"
    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def human_date(value: date | datetime | str | None) -> str:
    """2 Mar 2026 (also for an ISO date as stored in JSON)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.day} {value:%b %Y}"
