"""Training profile pages, and the administrators' postings and reconciliation pages."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from learning_portal.accounts import queries as accounts_queries
from learning_portal.accounts import services as accounts
from learning_portal.accounts.models import Person, Role
from learning_portal.accounts.permissions import ALL_RECORDS, RecordsWindow
from learning_portal.catalog.queries import category_titles
from learning_portal.clock import utcnow
from learning_portal.credits import queries, rosters, services
from learning_portal.credits.models import PostingStatus
from learning_portal.credits.worker import alert_after
from learning_portal.db import get_session
from learning_portal.errors import DomainError, NotFoundError
from learning_portal.records.disputes import disputes_of
from learning_portal.sessions import services as sessions
from learning_portal.web.auth import current_actor, login_required, require_role
from learning_portal.web.pagination import page_args, paginate

bp = Blueprint("credits", __name__)
admin_bp = Blueprint("credits_admin", __name__, url_prefix="/admin/credits")


@bp.get("/my/profile")
@login_required
def my_profile():
    return _profile_page(current_actor())


@bp.get("/people/<int:person_id>/profile")
@login_required
def person_profile(person_id: int):
    db = get_session()
    person, window = accounts.open_records(db, actor=current_actor(), person_id=person_id, now=utcnow())
    db.commit()
    return _profile_page(person, window)


def _profile_page(person: Person, window: RecordsWindow = ALL_RECORDS):
    session = get_session()
    disputes = disputes_of(session, person) if window.is_all else []
    return render_template("credits/profile.html", profile=queries.profile(session, person, window),
                           categories=category_titles(session), own=person.id == current_actor().id,
                           disputes=disputes, contested={d.record_id for d in disputes if d.status.value == "open"})


@admin_bp.get("/postings")
@require_role(Role.ADMINISTRATOR)
def postings():
    session = get_session()
    status = request.args.get("status", "")
    page, per_page = page_args()
    result = paginate(session, queries.postings_query(status), page=page, per_page=per_page)
    people = accounts_queries.people_by_id(session, {posting.person_id for posting in result.items})
    late = queries.late_postings(session, now=utcnow(), older_than=alert_after(current_app.config))
    return render_template("credits/admin_postings.html", page=result, status=status, people=people,
                           counts=queries.status_counts(session), statuses=list(PostingStatus), late=late,
                           alert_minutes=current_app.config["CREDIT_ALERT_AFTER_MINUTES"])


@admin_bp.post("/postings/<int:posting_id>/retry")
@require_role(Role.ADMINISTRATOR)
def retry(posting_id: int):
    session = get_session()
    services.retry_posting(session, posting_id=posting_id, now=utcnow())
    session.commit()
    flash(f"Posting {posting_id} will be tried again within seconds.", "success")
    return redirect(url_for("credits_admin.postings", status=request.args.get("status", "")))


@admin_bp.post("/postings/retry-dead")
@require_role(Role.ADMINISTRATOR)
def retry_dead():
    session = get_session()
    count = services.retry_all_dead(session, now=utcnow())
    session.commit()
    flash(f"{count} dead posting{'s' if count != 1 else ''} will be tried again.", "success")
    return redirect(url_for("credits_admin.postings"))


@admin_bp.get("/reconciliation")
@require_role(Role.ADMINISTRATOR)
def reconciliation():
    session = get_session()
    return render_template("credits/admin_reconciliation.html", discrepancies=queries.reconcile(session),
                           counts=queries.status_counts(session))


@bp.post("/sessions/<int:session_id>/amendments")
@require_role(Role.INSTRUCTOR, Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def amend(session_id: int):
    db, actor = get_session(), current_actor()
    ts = sessions.get_session(db, actor=actor, session_id=session_id, lock=True)
    try:
        person = sessions.attendee_by_post_id(db, ts, request.form.get("post_id", "")) if request.form.get(
            "action") == "add" else next((a.person for a in ts.attendances
                                          if a.person.post_id == request.form.get("post_id", "").strip().upper()),
                                         None)
        if person is None:
            raise NotFoundError("Nobody with that POST ID is on this roster.")
        rosters.amend_roster(db, ts=ts, actor=actor, person=person, action=request.form.get("action", ""),
                             reason=request.form.get("reason", ""), now=utcnow())
    except (DomainError, ValueError) as exc:
        db.rollback()
        flash(getattr(exc, "message", "Choose to add or withdraw someone."), "error")
        return redirect(url_for("sessions.detail", session_id=ts.id))
    db.commit()
    flash(f"Roster amended for {person.full_name}.", "success")
    return redirect(url_for("sessions.detail", session_id=ts.id))
