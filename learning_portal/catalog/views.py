"""The catalogue: find a course by title, number or topic; filter by delivery, audience, requirement."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from markupsafe import Markup

from learning_portal.catalog import queries
from learning_portal.catalog.models import AUDIENCES, CreditMode, Delivery
from learning_portal.catalog.rendering import render_markdown
from learning_portal.db import get_session
from learning_portal.web.auth import login_required

bp = Blueprint("catalog", __name__)


@bp.app_template_filter("markdown")
def markdown_filter(text: str) -> Markup:
    return Markup(render_markdown(text or ""))  # noqa: S704 - sanitised by nh3 in render_markdown


def filters_from_request() -> queries.CourseFilters:
    args = request.args
    return queries.CourseFilters(search=args.get("q", "")[:100].strip(), delivery=args.get("delivery", ""),
                                 audience=args.get("audience", ""), requirement=args.get("requirement", "")[:40],
                                 credit=args.get("credit", ""))


@bp.get("/courses")
@login_required
def courses():
    session = get_session()
    filters = filters_from_request()
    return render_template(
        "catalog/courses.html", versions=queries.search_courses(session, filters), filters=filters,
        deliveries=list(Delivery), audiences=AUDIENCES, credit_modes=list(CreditMode),
        requirements=queries.list_requirements(session))
