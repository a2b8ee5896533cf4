"""Pages: my notifications (with the unread count in the header) and their settings; an agency's list of what
was sent to whom, and who has no working e-mail address."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from learning_portal.accounts.models import Agency, Person, Role
from learning_portal.accounts.permissions import can_view_agency
from learning_portal.accounts.queries import people_by_id
from learning_portal.audit import services as audit
from learning_portal.clock import utcnow
from learning_portal.db import ID_MAX, as_id, get_session
from learning_portal.mail import services as mail
from learning_portal.notices import services
from learning_portal.notices.kinds import KINDS
from learning_portal.notices.models import Notification
from learning_portal.web.auth import current_actor, login_required, require_role
from learning_portal.web.pagination import page_args, paginate
from learning_portal.web.security import safe_next

bp = Blueprint("notices", __name__)


@bp.app_context_processor
def _unread() -> dict:
    def unread_notices() -> int:
        actor = current_actor()
        return services.unread_count(get_session(), actor.id) if actor else 0
    return {"unread_notices": unread_notices}


@bp.get("/notifications")
@login_required
def index():
    db, actor = get_session(), current_actor()
    before = request.args.get("before", type=int)
    before = min(max(before, 1), ID_MAX) if before is not None else None
    rows = services.page_for(db, actor.id, before=before, limit=51)
    return render_template("notices/index.html", notices=rows[:50], more=rows[49].id if len(rows) > 50 else None,
                           unread=services.unread_count(db, actor.id), kinds=KINDS)


@bp.post("/notifications/read")
@login_required
def read():
    db, actor = get_session(), current_actor()
    one = as_id(request.form.get("id"))
    marked = services.mark_read(db, actor.id, ids=[one] if one else None, now=utcnow())
    db.commit()
    if not one:
        flash(f"Marked {marked} notice{'s' if marked != 1 else ''} read.", "success")
    return redirect(url_for("notices.index"))


@bp.get("/notifications/<int:notice_id>/open")
@login_required
def open_notice(notice_id: int):
    """Follow a notice's link, marking it read."""
    db, actor = get_session(), current_actor()
    notice = db.get(Notification, notice_id)
    if notice is None or notice.person_id != actor.id:
        abort(404)
    services.mark_read(db, actor.id, ids=[notice.id], now=utcnow())
    db.commit()
    return redirect(safe_next(notice.link) if notice.link else url_for("notices.index"))


def _choosable(actor: Person) -> list:
    audiences = {"person"} | ({"manager"} if actor.has_role(Role.TRAINING_MANAGER) else set())
    return [k for k in KINDS.values() if k.audience in audiences or actor.has_role(Role.ADMINISTRATOR)
            and k.audience == "administrator"]


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    db, actor, now = get_session(), current_actor(), utcnow()
    kinds = _choosable(actor)
    if request.method == "POST":
        wanted = set(request.form.getlist("on"))
        off = {k.name for k in kinds if k.optional and k.name not in wanted}
        services.set_opt_outs(db, actor, off)
        audit.record(db, "notices.settings", actor_id=actor.id, subject_id=actor.id, now=now,
                     details={"off": sorted(off)})
        db.commit()
        flash("Your notification settings are saved.", "success")
        return redirect(url_for("notices.settings"))
    return render_template("notices/settings.html", kinds=kinds, off=services.opted_out(db, actor.id),
                           has_email=bool(actor.email))


@bp.get("/compliance/agencies/<int:agency_id>/notices")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def agency_notices(agency_id: int):
    """What was sent to whom in the agency, newest first, and who has no working address."""
    db, actor = get_session(), current_actor()
    agency = db.get(Agency, agency_id)
    if agency is None or not can_view_agency(actor, agency.id):
        abort(404)
    number, per_page = page_args(default_size=50, max_size=200)
    query = select(Notification).where(Notification.agency_id == agency.id).order_by(Notification.id.desc())
    page = paginate(db, query, page=number, per_page=per_page)
    sent_to = people_by_id(db, {n.person_id for n in page.items})
    people = list(db.scalars(select(Person).where(Person.agency_id == agency.id, Person.is_enabled)
                             .order_by(Person.last_name, Person.first_name)))
    refused = mail.bounced(db, {p.email for p in people if p.email})
    unreachable = [(p, "No e-mail on file" if not p.email else "Address refused by the mail server")
                   for p in people if not p.email or p.email.strip().lower() in refused]
    return render_template("notices/agency.html", agency=agency, page=page, sent_to=sent_to, unreachable=unreachable,
                           kinds=KINDS)
