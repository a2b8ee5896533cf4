"""Jinja filters for numbers and dates as people read them."""

from flask import Flask

from learning_portal.formatting import hours, human_date


def init_app(app: Flask) -> None:
    app.add_template_filter(hours, "hours")
    app.add_template_filter(human_date, "date")
