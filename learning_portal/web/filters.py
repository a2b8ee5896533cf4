"""Jinja filters for numbers and dates as people read them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask


def hours(value: Decimal | float | str | None) -> str:
    """2 -> "2", 1.5 -> "1.5", 0.25 -> "0.25"."""
    if value is None:
        return "0"
    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def human_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%b %Y}"


def init_app(app: Flask) -> None:
    app.add_template_filter(hours, "hours")
    app.add_template_filter(human_date, "date")
