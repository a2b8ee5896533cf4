"""The catalogue: find a course by title, number or topic; filter by delivery, audience, requirement."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from markupsafe import Markup

from learning_portal import refdata
from learning_portal.catalog import queries
from learning_portal.catalog.models import AUDIENCES, CreditMode, Delivery
from learning_portal.catalog.rendering import render_markdown
from learning_portal.db import get_session
from learning_portal.web.auth import login_required

bp = Blueprint("catalog", __name__)


@bp.app_template_filter("markdown")
def markdown_filter(text: str) -> Markup:
    return Markup(render_markdown(text or ""))  # noqa: S704 - sanitised by nh3 in render_markdown


@bp.get("/courses")
@login_required
def courses():
    session = get_session()
    filters = queries.CourseFilters.from_args(request.args)

    def catalogue() -> Markup:  # the same for everyone: rendered once per catalogue version and filters
        return Markup(render_template(  # noqa: S704 - a template of ours, autoescaped
            "catalog/_catalogue.html", versions=queries.search_courses(session, filters), filters=filters,
            deliveries=list(Delivery), audiences=AUDIENCES, credit_modes=list(CreditMode),
            requirements=queries.list_requirements(session)))

    # Kept: the list and the few filters people click; not free text, nor values no form offers (they would
    # push out what is worth keeping).
    kept = not (filters.search or filters.requirement) and filters.delivery in ("", *Delivery) and (
        filters.credit in ("", *CreditMode)) and filters.audience in ("", *AUDIENCES)
    body = refdata.cached(session, ("catalogue_page", filters), catalogue) if kept else catalogue()
    return render_template("catalog/courses.html", catalogue=body)
