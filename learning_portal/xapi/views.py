"""The administrators' page of the xAPI outbox: what is waiting, what the LRS refused, retrying it."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from learning_portal.accounts import queries as accounts_queries
from learning_portal.accounts.models import Role
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.web.auth import require_role
from learning_portal.web.pagination import page_args, paginate
from learning_portal.xapi import services
from learning_portal.xapi.models import StatementStatus, XapiStatement

admin_bp = Blueprint("xapi_admin", __name__, url_prefix="/admin/xapi")


@admin_bp.get("/")
@require_role(Role.ADMINISTRATOR)
def statements():
    session = get_session()
    status = request.args.get("status", "")
    query = select(XapiStatement).order_by(XapiStatement.id.desc())
    if status in set(StatementStatus):
        query = query.where(XapiStatement.status == status)
    page, per_page = page_args()
    result = paginate(session, query, page=page, per_page=per_page)
    people = accounts_queries.people_by_id(session, {row.person_id for row in result.items})
    return render_template("xapi/admin.html", page=result, status=status, people=people,
                           counts=services.status_counts(session), statuses=list(StatementStatus),
                           lrs=current_app.config.get("XAPI_LRS_URL"))


@admin_bp.post("/retry-dead")
@require_role(Role.ADMINISTRATOR)
def retry_dead():
    session = get_session()
    count = services.retry_dead(session, now=utcnow())
    session.commit()
    flash(f"{count} statement{'s' if count != 1 else ''} will be sent again.", "success")
    return redirect(url_for("xapi_admin.statements"))
