"""Pages for facilitated sessions: running one on the room's screen, the roster, check-in on a phone."""

from __future__ import annotations

import io
from datetime import timedelta

import segno
from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from learning_portal.accounts.localdate import today_for
from learning_portal.accounts.models import Agency, Person, Role
from learning_portal.catalog.models import Course, ItemKind
from learning_portal.clock import utcnow
from learning_portal.csvfile import CsvImportError, RowError, write_rows
from learning_portal.db import as_id, get_session
from learning_portal.errors import ConflictError, DomainError, NotFoundError, ValidationError
from learning_portal.learning.services import video_asset
from learning_portal.media.views import hls_url
from learning_portal.sessions import registration, services
from learning_portal.sessions.forms import (
    AddAttendeeForm,
    CheckInForm,
    MakeUpForm,
    MarkAttendanceForm,
    QualificationForm,
    RosterImportForm,
    SessionCreateForm,
)
from learning_portal.sessions.models import SessionKind, SessionStatus, TrainingSession
from learning_portal.web.auth import current_actor, login_required, require_role
from learning_portal.web.pagination import page_args, paginate

bp = Blueprint("sessions", __name__)
admin_bp = Blueprint("sessions_admin", __name__, url_prefix="/admin/qualifications")

_VIEWERS = (Role.INSTRUCTOR, Role.TRAINING_MANAGER, Role.ADMINISTRATOR)


@bp.get("/sessions")
@require_role(*_VIEWERS)
def index():
    actor = current_actor()
    db = get_session()
    sessions = services.list_sessions(db, actor=actor)
    return render_template("sessions/index.html", sessions=sessions, can_create=actor.has_role(Role.INSTRUCTOR),
                           local_day={ts.id: services.local_day(db, ts) for ts in sessions})


@bp.route("/sessions/new", methods=["GET", "POST"])
@require_role(Role.INSTRUCTOR)
def new():
    db, actor, now = get_session(), current_actor(), utcnow()
    form = SessionCreateForm()
    _course_choices(form, actor, now)
    hosts = services.host_agencies(db, actor)
    form.agency_id.choices = [SelectChoice(str(a.id), a.label) for a in hosts]
    status = 200
    if request.method == "GET" and hosts:  # default: today, now (rounded down to 5 minutes), host's local time
        local = now.astimezone(services.zone_of(db, hosts[0]))
        form.day.data, form.at.data = local.date(), local.time().replace(minute=local.minute - local.minute % 5,
                                                                          second=0, microsecond=0)
    if form.validate_on_submit():
        try:
            course = _course(form.course_id.data)
            agency = _agency(form.agency_id.data)
            others = _agencies_by_number(agency, form.also_open_to.data or "")
            ts = services.create_session(
                db, actor=actor, course=course, kind=SessionKind(form.kind.data),
                starts_at=services.local_start(db, agency, form.day.data, form.at.data), location=form.location.data,
                agency=agency, also_open_to=others, now=now, capacity=form.capacity.data)
        except DomainError as exc:
            flash(exc.message, "error")
            status = exc.status
        else:
            db.commit()
            flash("Session created. Open check-in when the attendees arrive.", "success")
            return redirect(url_for("sessions.detail", session_id=ts.id))
    elif form.errors:
        status = 422
    return render_template("sessions/new.html", form=form), status


def _course_choices(form, actor: Person, now) -> None:
    db = get_session()
    courses = services.facilitable_courses(db, instructor=actor, on=today_for(db, actor, now))
    form.course_id.choices = [SelectChoice(str(c.id), f"{v.title} ({c.course_number})" + (
        "" if ok else f" - requires the {services.qualification_label(v.facilitator_qualification or '')} "
                      "qualification")) for c, v, ok in courses]


def _course(course_id: int | None) -> Course:
    course = get_session().get(Course, as_id(course_id) or 0)
    if course is None:
        raise ValidationError("Choose a course.")
    return course


def _agency(agency_id: int | None) -> Agency:
    agency = get_session().get(Agency, as_id(agency_id) or 0)
    if agency is None:
        raise ValidationError("Choose the host agency.")
    return agency


def _agencies_by_number(host: Agency, text: str) -> list[Agency]:
    numbers = [n.strip() for n in text.replace(";", ",").split(",") if n.strip()]
    found = {a.number: a for a in get_session().scalars(select(Agency).where(
        Agency.jurisdiction == host.jurisdiction, Agency.number.in_(numbers)))} if numbers else {}
    unknown = [n for n in numbers if n not in found]
    if unknown:
        raise ValidationError(f"No agency numbered {', '.join(unknown)} in {host.jurisdiction}.")
    return list(found.values())


def _invalid(form) -> ValidationError:
    return ValidationError(" ".join(e for errors in form.errors.values() for e in errors))


def _load(session_id: int, *, manage: bool = False, lock: bool = False) -> TrainingSession:
    return services.get_session(get_session(), actor=current_actor(), session_id=session_id, manage=manage,
                                lock=lock)


@bp.get("/sessions/<int:session_id>")
@require_role(*_VIEWERS)
def detail(session_id: int):
    db, actor = get_session(), current_actor()
    ts = _load(session_id)
    absentees = None
    if ts.status is SessionStatus.SUBMITTED:
        page, _ = page_args()
        absentees = paginate(db, services.absentees_query(ts), page=page, per_page=50)
    zone = services.zone_of(db, ts.agency)
    make_up_form = MakeUpForm()
    make_up_form.due_on.data = (utcnow().astimezone(zone) + timedelta(days=30)).date()
    return render_template("sessions/detail.html", ts=ts, can_manage=services.can_manage(actor, ts),
                           registered=registration.registrations(db, ts) if ts.capacity else [],
                           add_form=AddAttendeeForm(), mark_form=MarkAttendanceForm(), make_up_form=make_up_form,
                           absentees=absentees, zone=zone, can_approve=services.can_approve(db, actor, ts),
                           review=services.review_of(db, ts), amendments=services.amendments_of(db, ts))


@bp.get("/sessions/<int:session_id>/roster")
@require_role(*_VIEWERS)
def roster_fragment(session_id: int):
    """The roster table alone, for the session page to refresh while people check in."""
    ts = _load(session_id)
    return render_template("sessions/_roster.html", ts=ts, can_manage=services.can_manage(current_actor(), ts),
                           mark_form=MarkAttendanceForm())


@bp.get("/sessions/<int:session_id>/present")
@require_role(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def present(session_id: int):
    """The room's screen: the course's videos, and the check-in code and QR code beside them."""
    db = get_session()
    ts = _load(session_id, manage=True)
    videos = []
    for item in ts.course_version.items:
        if item.kind is ItemKind.VIDEO:
            try:
                asset = video_asset(db, item)
            except NotFoundError:
                continue
            videos.append((item, asset, hls_url(asset)))
    return render_template("sessions/present.html", ts=ts, videos=videos,
                           checkin_url=url_for("sessions.check_in", _external=True))


@bp.get("/sessions/<int:session_id>/live")
@require_role(*_VIEWERS)
def live(session_id: int):
    """What the room's screen and the session page poll: the current code and the roster's size."""
    ts = _load(session_id)
    shown = services.current_code(ts, utcnow()) if services.can_manage(current_actor(), ts) else None
    response = jsonify(
        status=ts.status.value, status_label=ts.status.label, attendees=len(ts.attendances),
        recent=[a.person.full_name for a in sorted(ts.attendances, key=lambda a: a.recorded_at)[-5:]],
        code=shown.code if shown else None, expires_in_s=shown.expires_in_s if shown else None,
        qr_url=url_for("sessions.qr", session_id=ts.id, v=shown.code) if shown else None)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sessions/<int:session_id>/qr.svg")
@require_role(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def qr(session_id: int):
    """A QR code of the check-in link carrying the code valid now; it changes with the code."""
    ts = _load(session_id, manage=True)
    shown = services.current_code(ts, utcnow())
    if shown is None:
        raise NotFoundError("Check-in is not open.")
    link = url_for("sessions.check_in", session=ts.id, code=shown.code, _external=True)
    svg = io.BytesIO()
    segno.make(link, error="m").save(svg, kind="svg", scale=8, border=2, xmldecl=False, title="Check-in link")
    return Response(svg.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@bp.post("/sessions/<int:session_id>/status")
@require_role(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def change_status(session_id: int):
    db, now = get_session(), utcnow()
    ts = _load(session_id, manage=True, lock=True)
    action = request.form.get("action", "")
    steps = {"start": (services.start_check_in, "Check-in is open."),
             "end": (services.end_check_in, "Check-in is closed. Review the roster and submit it."),
             "cancel": (services.cancel, "Session cancelled.")}
    if action not in steps:
        raise ValidationError("Unknown action.")
    step, message = steps[action]
    try:
        step(ts, now=now)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("sessions.detail", session_id=ts.id))
    db.commit()
    flash(message, "success")
    if action == "start" and request.form.get("then") == "present":
        return redirect(url_for("sessions.present", session_id=ts.id))
    return redirect(url_for("sessions.detail", session_id=ts.id))


@bp.post("/sessions/<int:session_id>/attendees")
@require_role(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def add_attendee(session_id: int):
    db, actor, now = get_session(), current_actor(), utcnow()
    ts = _load(session_id, manage=True, lock=True)
    form = AddAttendeeForm()
    try:
        person_id = as_id(request.form.get("person_id"))
        if person_id is not None:
            outcome = services.add_attendee_by_id(db, ts=ts, actor=actor, person_id=person_id, now=now)
        elif form.validate_on_submit():
            outcome = services.add_attendee(db, ts=ts, actor=actor, query=form.person.data, now=now)
        else:
            raise _invalid(form)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("sessions.detail", session_id=ts.id, _anchor="roster-h"))
    if outcome.candidates:
        return render_template("sessions/pick.html", ts=ts, candidates=outcome.candidates, query=form.person.data)
    db.commit()
    person = outcome.attendance.person
    flash(f"{person.full_name} ({person.post_id}) " + ("added." if outcome.created else "was already on the roster."),
          "success")
    return redirect(url_for("sessions.detail", session_id=ts.id, _anchor="roster-h"))


@bp.post("/sessions/<int:session_id>/attendees/<int:attendance_id>")
@require_role(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def mark(session_id: int, attendance_id: int):
    db = get_session()
    ts = _load(session_id, manage=True, lock=True)
    form = MarkAttendanceForm()
    try:
        if not form.validate_on_submit():
            raise _invalid(form)
        attendance = services.mark_attendance(db, ts=ts, attendance_id=attendance_id, status=form.status.data,
                                              minutes=form.minutes.data)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.commit()
        flash(f"{attendance.person.full_name}: {attendance.status.label.lower()}.", "success")
    return redirect(url_for("sessions.detail", session_id=ts.id, _anchor="roster-h"))


@bp.post("/sessions/<int:session_id>/attendees/<int:attendance_id>/remove")
@require_role(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def remove(session_id: int, attendance_id: int):
    db = get_session()
    ts = _load(session_id, manage=True, lock=True)
    try:
        person = services.remove_attendee(db, ts=ts, attendance_id=attendance_id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.commit()
        flash(f"{person.full_name} removed from the roster.", "success")
    return redirect(url_for("sessions.detail", session_id=ts.id, _anchor="roster-h"))


@bp.post("/sessions/<int:session_id>/submit")
@require_role(Role.INSTRUCTOR, Role.ADMINISTRATOR)
def submit(session_id: int):
    db = get_session()
    ts = _load(session_id, manage=True, lock=True)
    try:
        outcome = services.submit_roster(db, ts=ts, actor=current_actor(), now=utcnow())
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("sessions.detail", session_id=ts.id))
    db.commit()
    if outcome.already_submitted:
        flash("This roster was already submitted; nothing changed.", "info")
    elif outcome.in_review:
        flash("Roster submitted for approval. Until it is approved you can still correct the attendance; nobody is "
              "credited yet.", "success")
    else:
        flash(f"Roster submitted: {outcome.credited} {'person' if outcome.credited == 1 else 'people'} credited. "
              "Their training profiles update in a moment.", "success")
    return redirect(url_for("sessions.detail", session_id=ts.id))


@bp.post("/sessions/<int:session_id>/approve")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def approve(session_id: int):
    db = get_session()
    ts = _load(session_id, lock=True)
    try:
        credited = services.approve_roster(db, ts=ts, actor=current_actor(), now=utcnow())
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("sessions.detail", session_id=ts.id))
    db.commit()
    flash(f"Roster approved: {credited} {'person' if credited == 1 else 'people'} credited.", "success")
    return redirect(url_for("sessions.detail", session_id=ts.id))


@bp.get("/sessions/<int:session_id>/roster.csv")
@require_role(*_VIEWERS)
def roster_csv(session_id: int):
    db = get_session()
    ts = _load(session_id)
    services.record_roster_export(db, ts=ts, actor=current_actor(), now=utcnow())
    db.commit()
    filename = f"roster-{ts.course.course_number}-{services.local_day(db, ts):%Y%m%d}-{ts.id}.csv"
    return Response(list(write_rows(services.roster_rows(db, ts))), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/sessions/<int:session_id>/make-ups")
@require_role(*_VIEWERS)
def make_ups(session_id: int):
    db = get_session()
    ts = _load(session_id)
    form = MakeUpForm()
    try:
        if not form.validate_on_submit():
            raise _invalid(form)
        everyone = request.form.get("everyone") == "1"
        chosen = None if everyone else [i for i in map(as_id, request.form.getlist("person_id")) if i]
        outcome = services.assign_make_ups(db, ts=ts, actor=current_actor(), person_ids=chosen,
                                           due_on=form.due_on.data, now=utcnow())
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.commit()
        message = f"Make-up assigned to {outcome.assigned} {'person' if outcome.assigned == 1 else 'people'}"
        if outcome.already:
            message += f"; {outcome.already} already had this course assigned"
        flash(message + ".", "success")
    return redirect(url_for("sessions.detail", session_id=ts.id, _anchor="makeup-h"))


@bp.get("/presentations")
@login_required
def presentations():
    """Classroom presentations open to one's agency, to register for (or give the seat back)."""
    db, actor, now = get_session(), current_actor(), utcnow()
    rows = registration.upcoming(db, actor, now)
    zones = {p.session.agency_id: services.zone_of(db, p.session.agency) for p in rows}
    return render_template("sessions/presentations.html", rows=rows, zones=zones)


@bp.post("/presentations/<int:session_id>/register")
@login_required
def register(session_id: int):
    return _seat(registration.register, session_id, "Registered for")


@bp.post("/presentations/<int:session_id>/cancel")
@login_required
def cancel_registration(session_id: int):
    return _seat(registration.cancel, session_id, "Seat given back:")


def _seat(step, session_id: int, done: str):  # noqa: ANN001, ANN202
    db, actor = get_session(), current_actor()
    try:
        ts = step(db, person=actor, session_id=session_id, now=utcnow())
    except ConflictError as exc:
        db.rollback()
        flash(exc.message, "error")
        return redirect(url_for("sessions.presentations"))
    db.commit()
    flash(f"{done} {ts.course_version.title}, {ts.location}.", "success")
    return redirect(url_for("sessions.presentations"))


@bp.route("/sessions/import", methods=["GET", "POST"])
@require_role(Role.INSTRUCTOR)
def import_roster():
    db, actor, now = get_session(), current_actor(), utcnow()
    form = RosterImportForm()
    _course_choices(form, actor, now)
    form.agency_id.choices = [SelectChoice(str(a.id), a.label) for a in services.host_agencies(db, actor)]
    errors: list[RowError] = []
    status = 200
    if form.validate_on_submit():
        limit = current_app.config["CSV_IMPORT_MAX_BYTES"]
        data = form.file.data.read(limit + 1)
        try:
            if len(data) > limit:
                raise CsvImportError([RowError(0, "", f"The file is larger than {limit // 1024**2} MB; split it.")])
            agency = _agency(form.agency_id.data)
            ts = services.import_roster(db, actor=actor, course=_course(form.course_id.data), day=form.day.data,
                                        location=form.location.data, agency=agency, data=data, now=now,
                                        also_open_to=_agencies_by_number(agency, form.also_open_to.data or ""))
        except CsvImportError as exc:
            errors, status = exc.errors, exc.status
        except DomainError as exc:
            flash(exc.message, "error")
            status = exc.status
        else:
            db.commit()
            credited = sum(1 for a in ts.attendances if a.completion_id)
            flash(f"Roster imported and submitted: {credited} {'person' if credited == 1 else 'people'} credited.",
                  "success")
            return redirect(url_for("sessions.detail", session_id=ts.id))
    elif form.errors:
        status = 422
    return render_template("sessions/import.html", form=form, errors=errors), status


@bp.route("/checkin", methods=["GET", "POST"])
@login_required
def check_in():
    """Attendees check in from their phone: the code on the screen, or the QR code that carries it."""
    db, actor = get_session(), current_actor()
    form = CheckInForm()
    if request.method == "GET":
        form.code.data = request.args.get("code", "")
        form.session_id.data = request.args.get("session", "")
    status = 200
    if form.validate_on_submit():
        session_id = as_id(form.session_id.data)
        try:
            result = services.check_in(db, person=actor, code=form.code.data, now=utcnow(), session_id=session_id,
                                       policy=services.CheckInPolicy.from_config(current_app.config))
        except DomainError as exc:
            db.commit()  # a wrong code stays counted
            form.code.errors = [exc.message]
            status = exc.status
        else:
            db.commit()
            return render_template("sessions/checked_in.html", result=result,
                                   zone=services.zone_of(db, result.session.agency))
    elif form.errors:
        status = 422
    pending_id = as_id(form.session_id.data)
    pending = db.get(TrainingSession, pending_id) if pending_id else None
    if pending is not None and (pending.status is not SessionStatus.RUNNING
                                or actor.agency_id not in {a.id for a in pending.agencies}):
        pending = None  # say what the session is only to those who may check in to it
    return render_template("sessions/check_in.html", form=form, pending=pending), status


# ------------------------------------------------------------------------------ qualifications


@admin_bp.route("/", methods=["GET", "POST"])
@require_role(Role.ADMINISTRATOR)
def qualifications():
    db = get_session()
    form = QualificationForm()
    status = 200
    if form.validate_on_submit():
        person = db.scalar(select(Person).where(Person.post_id == form.post_id.data.strip()))
        try:
            if person is None:
                raise NotFoundError(f"No one has POST ID {form.post_id.data}.")
            services.grant_qualification(db, actor=current_actor(), person=person,
                                         qualification=form.qualification.data, valid_until=form.valid_until.data,
                                         now=utcnow())
        except DomainError as exc:
            flash(exc.message, "error")
            status = exc.status
        else:
            db.commit()
            flash(f"{person.full_name} holds the {form.qualification.data.strip().lower()} qualification.", "success")
            return redirect(url_for("sessions_admin.qualifications"))
    elif form.errors:
        status = 422
    return render_template("sessions/qualifications.html", form=form,
                           qualifications=services.list_qualifications(db)), status


@admin_bp.post("/<int:qualification_id>/revoke")
@require_role(Role.ADMINISTRATOR)
def revoke(qualification_id: int):
    db = get_session()
    services.revoke_qualification(db, actor=current_actor(), qualification_id=qualification_id)
    db.commit()
    flash("Qualification removed.", "success")
    return redirect(url_for("sessions_admin.qualifications"))
