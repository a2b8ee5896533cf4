"""The administrators' page of the mail outbox: what is waiting, what the server refused, sending it again."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from learning_portal import outbox
from learning_portal.accounts.models import Role
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.mail.models import OutgoingMail
from learning_portal.mail.transport import transport_for
from learning_portal.outbox import OutboxStatus
from learning_portal.web.auth import require_role
from learning_portal.web.pagination import page_args, paginate

admin_bp = Blueprint("mail_admin", __name__, url_prefix="/admin/mail")


@admin_bp.get("/")
@require_role(Role.ADMINISTRATOR)
def messages():
    session = get_session()
    status = request.args.get("status", "")
    query = select(OutgoingMail).order_by(OutgoingMail.id.desc())
    if status in set(OutboxStatus):
        query = query.where(OutgoingMail.status == status)
    page, per_page = page_args()
    return render_template("mail/admin.html", page=paginate(session, query, page=page, per_page=per_page),
                           status=status, counts=outbox.status_counts(session, OutgoingMail),
                           statuses=list(OutboxStatus), transport=transport_for(current_app.config).description)


@admin_bp.post("/retry-dead")
@require_role(Role.ADMINISTRATOR)
def retry_dead():
    session = get_session()
    count = outbox.retry_dead(session, OutgoingMail, now=utcnow())
    session.commit()
    flash(f"{count} message{'s' if count != 1 else ''} will be sent again.", "success")
    return redirect(url_for("mail_admin.messages"))
