"""``/``: a start page made for the signed-in person's role."""

from flask import Blueprint, redirect, render_template, url_for

from learning_portal.accounts import queries
from learning_portal.accounts.models import Role
from learning_portal.accounts.services import count_people
from learning_portal.db import get_session
from learning_portal.home.navigation import leading_role
from learning_portal.learning import queries as learning_queries
from learning_portal.learning import services as learning
from learning_portal.web.auth import current_actor_or_none

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    actor = current_actor_or_none()
    if actor is None:
        return redirect(url_for("accounts.login"))
    session = get_session()
    context: dict = {"person": actor}
    if not actor.has_role(Role.ADMINISTRATOR):
        in_progress, completed = learning_queries.my_enrollments(session, actor.id)
        context["in_progress"] = [(e, learning.progress_counts(e)) for e in in_progress[:3]]
        context["completed_count"] = len(completed)
    if actor.has_role(Role.TRAINING_MANAGER) and actor.agency_id is not None:
        context["agency_headcount"] = count_people(session, actor.agency_id)
    if actor.has_role(Role.ADMINISTRATOR):
        agencies = queries.list_agencies(session)
        context["agencies"] = agencies
        context["people_total"] = sum(n for _, n in agencies)
    return render_template(f"home/{leading_role(actor).value}.html", **context)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
