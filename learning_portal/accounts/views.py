"""Sign-in, the person's own account, people lists for managers, and account administration."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import segno
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from wtforms.fields.choices import SelectChoice

from learning_portal.accounts import history, passwords, queries, services, two_factor
from learning_portal.accounts import people as person_changes
from learning_portal.accounts import people_import as people_import_service
from learning_portal.accounts.forms import (
    AgencyCreateForm,
    AuditSearchForm,
    LeavingForm,
    LoginForm,
    PasswordChangeForm,
    PasswordSetForm,
    PersonCreateForm,
    PersonEditForm,
    ReopenForm,
    SignInCodeForm,
    SystemTokenForm,
    TransferForm,
    TwoFactorConfirmForm,
    TwoFactorOffForm,
)
from learning_portal.accounts.localdate import today_for
from learning_portal.accounts.models import Person, Role
from learning_portal.accounts.permissions import can_manage_person, can_view_person
from learning_portal.audit import queries as audit_queries
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from learning_portal.extensions import login_manager
from learning_portal.formatting import human_date
from learning_portal.web import staging
from learning_portal.web.api import by_bearer_token
from learning_portal.web.auth import current_actor, current_actor_or_none, login_required, require_role
from learning_portal.web.pagination import page_args, paginate
from learning_portal.web.security import accepts_body, safe_next

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("accounts_admin", __name__, url_prefix="/admin")


@login_manager.user_loader
def _load_user(session_id: str) -> Person | None:
    return services.load_session_user(get_session(), session_id)


def login_policy() -> services.LoginPolicy:
    return services.LoginPolicy.from_config(current_app.config)


# --- sign in / out --------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        db, now = get_session(), utcnow()
        try:
            person = services.check_password(db, username=form.username.data, password=form.password.data,
                                             now=now, policy=login_policy())
        except AuthenticationError as exc:
            db.commit()  # keep the failure count and the audit entry
            form.password.errors.append(exc.message)
            return render_template("accounts/login.html", form=form), exc.status
        if two_factor.enabled(db, person):
            db.commit()
            session[PENDING] = {"id": person.id, "nonce": person.login_nonce, "at": int(now.timestamp()),
                                "next": safe_next(request.args.get("next"))}
            return redirect(url_for("accounts.login_code"))
        return _finish_sign_in(person, now, safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


PENDING = "pending_sign_in"  # the person who gave the right password and still owes a code
PENDING_SECONDS = 300


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step for people with two-factor sign-in on."""
    db, now = get_session(), utcnow()
    pending = session.get(PENDING) or {}
    person = db.get(Person, pending.get("id", 0))
    if (person is None or pending.get("nonce") != person.login_nonce
            or now.timestamp() - pending.get("at", 0) > PENDING_SECONDS):
        session.pop(PENDING, None)
        flash("Sign in again: the code has to follow the password within 5 minutes.", "info")
        return redirect(url_for("accounts.login"))
    form = SignInCodeForm()
    if form.validate_on_submit():
        try:
            kind = services.check_second_factor(db, person=person, code=form.code.data, now=now,
                                                policy=login_policy())
        except AuthenticationError as exc:
            db.commit()
            if isinstance(exc, services.AccountLockedError):
                session.pop(PENDING, None)
            form.code.errors.append(exc.message)
            return render_template("accounts/login_code.html", form=form), exc.status
        session.pop(PENDING, None)
        if kind == "recovery":
            left = two_factor.recovery_codes_left(db, person)
            flash(f"You signed in with a recovery code; {left} left. Get new ones under My account, two-factor "
                  "sign-in; if your phone is lost, ask an administrator to reset it.", "info")
        return _finish_sign_in(person, now, pending.get("next") or url_for("home.index"))
    return render_template("accounts/login_code.html", form=form), 422 if form.errors else 200


def _finish_sign_in(person: Person, now, target: str):
    db = get_session()
    services.finish_sign_in(db, person=person, now=now)
    db.commit()
    login_user(person)
    flash(f"Signed in as {person.full_name}.", "success")
    return redirect(target)


@bp.post("/logout")
def logout():
    person = current_actor_or_none()
    if person is not None:
        db = get_session()
        services.sign_out(db, person=person, now=utcnow())
        db.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("accounts.login"))


# --- my account -----------------------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    person = current_actor()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            services.change_own_password(session, person=person, current=form.current_password.data,
                                         new=form.new_password.data, now=utcnow())
        except ValidationError as exc:
            form.current_password.errors.append(exc.message)
        else:
            session.commit()
            login_user(person)  # the nonce changed: keep this browser signed in, sign out the others
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", person=person, form=form,
                           two_factor_on=two_factor.enabled(get_session(), person)), 422 if form.errors else 200


# --- two-factor sign-in ---------------------------------------------------------------------------


def required_roles() -> list[str]:
    return list(current_app.config["TWO_FACTOR_REQUIRED_ROLES"])


@bp.get("/account/two-factor")
@login_required
def two_factor_page():
    db, person = get_session(), current_actor()
    on = two_factor.enabled(db, person)
    secret = None if on else two_factor.pending_secret(db, person)
    qr = None
    if secret:
        qr = segno.make(two_factor.provisioning_uri(person, secret), error="m").svg_data_uri(scale=5, border=2)
    return render_template("accounts/two_factor.html", on=on, secret=secret, qr=qr,
                           required=two_factor.required(person, required_roles()),
                           left=two_factor.recovery_codes_left(db, person) if on else 0,
                           confirm_form=TwoFactorConfirmForm(), off_form=TwoFactorOffForm())


@bp.post("/account/two-factor/start")
@login_required
def two_factor_start():
    db = get_session()
    two_factor.begin_setup(db, person=current_actor(), now=utcnow())
    db.commit()
    return redirect(url_for("accounts.two_factor_page"))


@bp.post("/account/two-factor/confirm")
@login_required
def two_factor_confirm():
    db, person = get_session(), current_actor()
    form = TwoFactorConfirmForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_setup(db, person=person, code=form.code.data, now=utcnow())
        except ValidationError as exc:
            flash(exc.message, "error")
        else:
            db.commit()
            return render_template("accounts/recovery_codes.html", codes=codes, first=True)
    return redirect(url_for("accounts.two_factor_page"))


@bp.post("/account/two-factor/recovery-codes")
@login_required
def two_factor_new_codes():
    db = get_session()
    codes = two_factor.regenerate_recovery_codes(db, person=current_actor(), now=utcnow())
    db.commit()
    return render_template("accounts/recovery_codes.html", codes=codes, first=False)


@bp.post("/account/two-factor/off")
@login_required
def two_factor_off():
    db, person = get_session(), current_actor()
    form = TwoFactorOffForm()
    if not form.validate_on_submit() or not passwords.verify_password(person.password_hash, form.password.data):
        flash("Your password is not correct; two-factor sign-in stays on.", "error")
        return redirect(url_for("accounts.two_factor_page"))
    two_factor.disable(db, actor=person, person=person, required_roles=required_roles(), now=utcnow())
    db.commit()
    flash("Two-factor sign-in is off.", "success")
    return redirect(url_for("accounts.two_factor_page"))


# Pages someone whose role requires two-factor sign-in may open before setting it up.
_SETUP_ENDPOINTS = {"accounts.two_factor_page", "accounts.two_factor_start", "accounts.two_factor_confirm",
                    "accounts.logout", "accounts.login", "accounts.login_code", "static", "home.healthz"}


@bp.before_app_request
def _require_two_factor():
    """Administrators and training managers (by default) set up two-factor sign-in before anything else."""
    if request.endpoint in _SETUP_ENDPOINTS or by_bearer_token():
        return None  # bearer tokens are only issued after the second factor
    actor = current_actor_or_none()
    if actor is None or not two_factor.required(actor, required_roles()) or two_factor.enabled(get_session(), actor):
        return None
    message = "Your role requires two-factor sign-in. Set it up to continue."
    if request.path.startswith("/api/"):
        raise PermissionDeniedError(message)
    flash(message, "info")
    return redirect(url_for("accounts.two_factor_page"))


# --- people (training managers: own agency; administrators: everyone) ---------------------------


@bp.get("/people")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def people():
    actor = current_actor()
    session = get_session()
    search = request.args.get("q", "")[:100]
    agency_id = request.args.get("agency", type=int) if actor.has_role(Role.ADMINISTRATOR) else None
    page, per_page = page_args(current_app.config["PAGE_SIZE"])
    result = paginate(session, queries.people_query(actor, search=search, agency_id=agency_id),
                      page=page, per_page=per_page)
    agencies = queries.list_agencies(session) if actor.has_role(Role.ADMINISTRATOR) else []
    return render_template("accounts/people.html", page=result, search=search, agency_id=agency_id,
                           agencies=agencies)


@bp.get("/people/<int:person_id>")
@login_required
def person_detail(person_id: int):
    db = get_session()
    person = services.open_person(db, actor=current_actor(), person_id=person_id, what="account", now=utcnow())
    db.commit()
    today = today_for(db, person, utcnow())
    memberships = history.memberships_of(db, [person.id])
    agencies = {a.id: a for a, _ in queries.list_agencies(db)}
    return render_template("accounts/person.html", person=person, password_form=PasswordSetForm(),
                           leaving_form=LeavingForm(formdata=None, left_on=today),
                           reopen_form=ReopenForm(formdata=None),
                           transfer_form=_transfer_form(agencies.values(), person, formdata=None, on=today),
                           two_factor_on=two_factor.enabled(db, person),
                           can_manage=can_manage_person(current_actor(), person),
                           terms=history.terms_of(db, person), memberships=memberships, agencies=agencies)


def _transfer_form(agencies, person: Person, **kwargs) -> TransferForm:
    form = TransferForm(**kwargs)
    form.agency_id.choices = [SelectChoice(str(a.id), a.label) for a in agencies if a.id != person.agency_id]
    return form


# --- administration -------------------------------------------------------------------------------


@admin_bp.route("/agencies", methods=["GET", "POST"])
@require_role(Role.ADMINISTRATOR)
def agencies():
    session = get_session()
    form = AgencyCreateForm()
    status = 200
    if form.validate_on_submit():
        try:
            agency = services.create_agency(session, actor=current_actor(), jurisdiction=form.jurisdiction.data,
                                            number=form.number.data, name=form.name.data, now=utcnow())
        except ValidationError as exc:
            _attach_errors(form, exc)
            status = 422
        except services.ConflictError as exc:
            _attach_errors(form, exc)
            status = 409
        else:
            session.commit()
            flash(f"Agency {agency.label} created.", "success")
            return redirect(url_for("accounts_admin.agencies"))
    elif form.errors:
        status = 422
    return render_template("accounts/admin_agencies.html", form=form,
                           agencies=queries.list_agencies(session)), status


@admin_bp.route("/api-tokens", methods=["GET", "POST"])
@require_role(Role.ADMINISTRATOR)
def system_tokens():
    """System tokens for agencies' systems: issued here, shown once, revoked here."""
    session = get_session()
    agencies = [agency for agency, _ in queries.list_agencies(session)]
    form = SystemTokenForm()
    form.agency.choices = [(a.id, a.label) for a in agencies]
    status, issued = 200, None
    if form.validate_on_submit():
        scopes = [s for s, on in (("records:read", form.read_records.data), ("records:write", form.write_records.data))
                  if on]
        try:
            if not scopes:
                raise ValidationError("Choose what the token may do.",
                                      details={"read_records": "Choose at least one scope."})
            issued, _ = services.issue_system_token(
                session, issuer=current_actor(), name=form.name.data, scopes=scopes,
                agency=next(a for a in agencies if a.id == form.agency.data), now=utcnow(),
                ttl=timedelta(days=form.days.data))
        except ValidationError as exc:
            _attach_errors(form, exc)
            status = 422
        else:
            session.commit()
            form = SystemTokenForm(formdata=None)
            form.agency.choices = [(a.id, a.label) for a in agencies]
    elif form.errors:
        status = 422
    return render_template("accounts/admin_tokens.html", form=form, issued=issued, scopes=services.SCOPES,
                           tokens=services.system_tokens(session),
                           agencies={a.id: a for a in agencies}, now=utcnow()), status


@admin_bp.post("/api-tokens/<int:token_id>/revoke")
@require_role(Role.ADMINISTRATOR)
def system_token_revoke(token_id: int):
    session = get_session()
    token = services.revoke_system_token(session, actor=current_actor(), token_id=token_id, now=utcnow())
    session.commit()
    flash(f"The token for {token.name} no longer works.", "success")
    return redirect(url_for("accounts_admin.system_tokens"))


@admin_bp.route("/people/new", methods=["GET", "POST"])
@require_role(Role.ADMINISTRATOR)
def person_new():
    session = get_session()
    form = PersonCreateForm()
    form.agency_id.choices = [SelectChoice("0", "No agency (commission staff)")] + [
        SelectChoice(str(a.id), a.label) for a, _ in queries.list_agencies(session)]
    status = 200
    if form.validate_on_submit():
        data = services.PersonInput(
            post_id=form.post_id.data, first_name=form.first_name.data, last_name=form.last_name.data,
            email=form.email.data or "", username=form.username.data or "", role=form.role.data,
            rank_tier=form.rank_tier.data, assignment=form.assignment.data, is_reserve=form.is_reserve.data,
            is_clerical=form.is_clerical.data, hire_date=form.hire_date.data,
            promotion_date=form.promotion_date.data, assigned_on=form.assigned_on.data,
            agency_id=form.agency_id.data or None)
        try:
            person = services.create_person(session, actor=current_actor(), data=data, now=utcnow(),
                                            password=form.password.data or None)
        except (ValidationError, services.ConflictError) as exc:
            _attach_errors(form, exc)
            status = exc.status
        else:
            session.commit()
            flash(f"{person.full_name} ({person.post_id}) added.", "success")
            return redirect(url_for("accounts.person_detail", person_id=person.id))
    elif form.errors:
        status = 422
    return render_template("accounts/admin_person_new.html", form=form), status


@admin_bp.post("/people/<int:person_id>/password")
@require_role(Role.ADMINISTRATOR)
def person_set_password(person_id: int):
    session = get_session()
    person = services.get_person_or_error(session, person_id)
    form = PasswordSetForm()
    if not form.validate_on_submit():
        for message in form.password.errors:
            flash(f"Password not set: {message}", "error")
        return redirect(url_for("accounts.person_detail", person_id=person_id))
    services.set_password(session, actor=current_actor(), person=person, password=form.password.data, now=utcnow())
    session.commit()
    flash(f"Password set for {person.full_name}; their other sessions are signed out.", "success")
    return redirect(url_for("accounts.person_detail", person_id=person_id))


@admin_bp.post("/people/<int:person_id>/two-factor/reset")
@require_role(Role.ADMINISTRATOR)
def person_reset_two_factor(person_id: int):
    """For someone who lost their phone: they set it up again at their next sign-in."""
    db = get_session()
    person = services.get_person_or_error(db, person_id)
    two_factor.disable(db, actor=current_actor(), person=person, required_roles=required_roles(), now=utcnow())
    db.commit()
    flash(f"Two-factor sign-in of {person.full_name} is reset.", "success")
    return redirect(url_for("accounts.person_detail", person_id=person.id))


@admin_bp.post("/people/<int:person_id>/left")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def person_left(person_id: int):
    """Record that someone left on a given day, once confirmed: their account closes; their personal data goes
    after the retention period."""
    db, now, actor = get_session(), utcnow(), current_actor()
    person = services.open_person(db, actor=actor, person_id=person_id, what="account", now=now)
    form = LeavingForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("accounts.person_detail", person_id=person.id))
    try:
        services.record_leaving(db, actor=actor, person=person, left_on=form.left_on.data, now=now)
    except (ConflictError, ValidationError) as exc:
        db.rollback()
        flash(exc.message, "error")
        return redirect(url_for("accounts.person_detail", person_id=person.id))
    db.commit()
    flash(f"{person.full_name} is recorded as having left on {human_date(form.left_on.data)}; the account is "
          "closed. Reopen it below if this was a mistake.", "success")
    return redirect(url_for("accounts.person_detail", person_id=person.id))


@admin_bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def person_edit(person_id: int):
    """Details, roles, assignments and rank, each change kept in the history from the day given."""
    db, now, actor = get_session(), utcnow(), current_actor()
    person = services.open_person(db, actor=actor, person_id=person_id, what="account", now=now)
    if not can_manage_person(actor, person):
        raise PermissionDeniedError("Only an administrator or the person's training manager edits a person, and "
                                    "never their own record.")
    form = PersonEditForm(obj=person if request.method == "GET" else None,
                          effective_on=today_for(db, person, now))
    if request.method == "GET":
        form.role.data, form.assignment.data = person.role.value, person.assignment.value
        form.rank_tier.data = person.rank_tier.value
        form.other_roles.data = sorted(r.value for r in person.roles - {person.role})
        form.other_assignments.data = sorted(a.value for a in person.assignments - {person.assignment})
    status = 200
    if form.validate_on_submit():
        edit = person_changes.PersonEdit(
            first_name=form.first_name.data, last_name=form.last_name.data, email=form.email.data or "",
            role=form.role.data, other_roles=form.other_roles.data, rank_tier=form.rank_tier.data,
            assignment=form.assignment.data, other_assignments=form.other_assignments.data,
            is_reserve=form.is_reserve.data, is_clerical=form.is_clerical.data, hire_date=form.hire_date.data,
            effective_on=form.effective_on.data)
        try:
            changed = person_changes.edit_person(db, actor=actor, person=person, edit=edit, now=now)
        except (ValidationError, ConflictError) as exc:
            db.rollback()
            _attach_errors(form, exc)
            status = exc.status
        else:
            db.commit()
            flash(f"{person.full_name}'s changes are saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("accounts.person_detail", person_id=person.id))
    elif form.errors:
        status = 422
    return render_template("accounts/person_edit.html", person=person, form=form), status


@admin_bp.post("/people/<int:person_id>/transfer")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def person_transfer(person_id: int):
    """Move someone to another agency, once confirmed; their POST ID and records go with them."""
    db, now, actor = get_session(), utcnow(), current_actor()
    person = services.open_person(db, actor=actor, person_id=person_id, what="account", now=now)
    form = _transfer_form((a for a, _ in queries.list_agencies(db)), person)
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("accounts.person_detail", person_id=person.id))
    try:
        agency = person_changes.transfer_person(db, actor=actor, person=person, agency_id=form.agency_id.data,
                                        on=form.on.data, now=now)
    except (ConflictError, ValidationError, NotFoundError) as exc:
        db.rollback()
        flash(exc.message, "error")
        return redirect(url_for("accounts.person_detail", person_id=person.id))
    db.commit()
    flash(f"{person.full_name} moved to {agency.name} on {human_date(form.on.data)}.", "success")
    if can_view_person(actor, person):
        return redirect(url_for("accounts.person_detail", person_id=person.id))
    return redirect(url_for("accounts.people"))


@admin_bp.post("/people/<int:person_id>/reopen")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def person_reopen(person_id: int):
    """Undo a leaving, or re-hire: the account opens again."""
    db, now, actor = get_session(), utcnow(), current_actor()
    person = services.open_person(db, actor=actor, person_id=person_id, what="account", now=now)
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            services.reopen_account(db, actor=actor, person=person, rehired_on=form.rehired_on.data, now=now)
        except (ConflictError, ValidationError) as exc:
            db.rollback()
            flash(exc.message, "error")
        else:
            db.commit()
            flash(f"{person.full_name}'s account is open again.", "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("accounts.person_detail", person_id=person.id))


@admin_bp.route("/people/import", methods=["GET", "POST"])
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
@accepts_body(lambda config: config["CSV_IMPORT_MAX_BYTES"] + 1024**2)
def people_import():
    """Upload, see per row what the file will do, then confirm (the file is kept between the two)."""
    db, actor = get_session(), current_actor()
    step = staging.preview_or_confirm(db, lambda data, dry_run: people_import_service.import_people(
        db, actor=actor, data=data, now=utcnow(), dry_run=dry_run), actor_id=actor.id)
    if step.expired:
        flash("That preview is no longer available: upload the file again.", "error")
        return redirect(url_for("accounts_admin.people_import"))
    if step.done is not None:
        counts = step.done.counts
        flash(f"Imported: {counts['create']} added, {counts['update'] + counts['transfer']} updated "
              f"({counts['transfer']} transferred), {counts['unchanged']} unchanged.", "success")
        return redirect(url_for("accounts.people"))
    return render_template("accounts/admin_people_import.html", step=step,
                           preview_rows=current_app.config["IMPORT_PREVIEW_ROWS"],
                           columns=people_import_service.COLUMNS, required=people_import_service.REQUIRED), step.status


def _attach_errors(form, exc) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for name, message in details.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors.append(message)
            placed = True
    if not placed:
        flash(exc.message, "error")


@admin_bp.get("/audit")
@require_role(Role.ADMINISTRATOR)
def audit_log():
    """Search the audit log by action, who did it, whose data, and dates."""
    db = get_session()
    form = AuditSearchForm(request.args)
    entries, problems = [], []
    if form.validate():
        f, problems = _audit_filter(db, form)
        if not problems:
            before = request.args.get("before", type=int)
            entries = audit_queries.search(db, f, before=before, limit=AUDIT_PAGE + 1)
    more = len(entries) > AUDIT_PAGE
    entries = entries[:AUDIT_PAGE]
    people = queries.people_by_id(db, {i for e in entries for i in (e.actor_id, e.subject_id) if i is not None})
    args = {k: v for k, v in request.args.items() if k != "before" and v}
    older = url_for("accounts_admin.audit_log", **args, before=entries[-1].seq) if more else None
    return render_template("accounts/admin_audit.html", form=form, entries=entries, people=people, older=older,
                           problems=problems), 422 if (form.errors or problems) else 200


AUDIT_PAGE = 50


def _audit_filter(db, form: AuditSearchForm) -> tuple[audit_queries.AuditFilter, list[str]]:
    problems, ids = [], {}
    for name in ("actor", "subject"):
        text = (getattr(form, name).data or "").strip()
        if text:
            person = queries.person_by_identifier(db, text)
            if person is None:
                problems.append(f"No one has the POST ID or username {text}.")
            else:
                ids[name] = person.id
    since = datetime.combine(form.since.data, time(), UTC) if form.since.data else None
    until = datetime.combine(form.until.data + timedelta(days=1), time(), UTC) if form.until.data else None
    return audit_queries.AuditFilter(action=form.action.data or None, actor_id=ids.get("actor"),
                                     subject_id=ids.get("subject"), since=since, until=until), problems
