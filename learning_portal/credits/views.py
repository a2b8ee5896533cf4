"""Training profile pages, and the administrators' postings and reconciliation pages."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from learning_portal.accounts import queries as accounts_queries
from learning_portal.accounts import services as accounts
from learning_portal.accounts.models import Agency, Person, Role
from learning_portal.accounts.permissions import ALL_RECORDS, RecordsWindow
from learning_portal.audit import services as audit
from learning_portal.catalog.queries import category_titles
from learning_portal.clock import utcnow
from learning_portal.credits import forwarding, queries, rosters, services
from learning_portal.credits import reconciliation as reconciliation_service
from learning_portal.credits.models import PostingStatus
from learning_portal.credits.worker import alert_after, settings_from_config
from learning_portal.db import as_id, get_session
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
    """Completions against profiles here; and, asked for one agency, this portal against the receiving one."""
    session = get_session()
    forwarder = settings_from_config(current_app.config).forwarder
    comparison, error = None, None
    agency = session.get(Agency, as_id(request.args.get("agency_id")) or 0) if request.args.get("agency_id") else None
    if agency is not None and forwarder is not None:
        session.commit()  # no transaction (on SQLite, no lock) held while the receiver is read over the network
        try:
            comparison = reconciliation_service.compare(session, agency, forwarder)
        except reconciliation_service.UnreadableAnswer as exc:
            error = f"The receiving portal could not be read: {exc}"
        audit.record(session, "records.reconciled", actor_id=current_actor().id, target=f"agency:{agency.id}",
                     now=utcnow(), details={"differences": len(comparison.differences) if comparison else None})
        session.commit()
    return render_template("credits/admin_reconciliation.html", discrepancies=queries.reconcile(session),
                           counts=queries.status_counts(session), forwarding=forwarder is not None,
                           agencies=accounts_queries.list_agencies(session), agency=agency,
                           comparison=comparison, error=error)


@admin_bp.post("/reconciliation/resend")
@require_role(Role.ADMINISTRATOR)
def resend():
    """Queue records again for the receiving portal, as they stand here."""
    session, actor = get_session(), current_actor()
    agency = session.get(Agency, as_id(request.form.get("agency_id")) or 0)
    if agency is None:
        raise NotFoundError("No such agency.")
    wanted = {i for i in (as_id(v) for v in request.form.getlist("record_id")) if i is not None}
    queued = forwarding.resend_records(session, agency_id=agency.id, record_ids=wanted, now=utcnow())
    audit.record(session, "records.resent", actor_id=actor.id, target=f"agency:{agency.id}", now=utcnow(),
                 details={"records": queued})
    session.commit()
    flash(f"{len(queued)} record{'s' if len(queued) != 1 else ''} will be sent again within seconds.", "success")
    return redirect(url_for("credits_admin.reconciliation", agency_id=agency.id))


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
