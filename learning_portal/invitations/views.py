"""Invitations (administrators and managers), "Forgot your password?" and the page an e-mailed link opens."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from learning_portal.accounts import services as accounts
from learning_portal.accounts.models import Role
from learning_portal.accounts.permissions import can_view_person
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.errors import ConflictError, DomainError, NotFoundError, ValidationError
from learning_portal.invitations import services
from learning_portal.invitations.forms import ChoosePasswordForm, ForgotPasswordForm
from learning_portal.web.auth import current_actor, require_role
from learning_portal.web.security import safe_next

bp = Blueprint("invitations", __name__)


def link_settings() -> services.LinkSettings:
    config = current_app.config
    return services.LinkSettings(
        public_url=str(config["PUBLIC_URL"]).rstrip("/"),
        invitation_valid=timedelta(days=float(config["INVITATION_VALID_DAYS"])),
        reset_valid=timedelta(minutes=float(config["PASSWORD_RESET_VALID_MINUTES"])))


@bp.post("/people/<int:person_id>/invite")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def invite(person_id: int):
    db, now, actor = get_session(), utcnow(), current_actor()
    person = accounts.get_person_or_error(db, person_id)
    if not can_view_person(actor, person):
        raise NotFoundError("No such person.")
    back = request.form.get("next")
    try:
        services.invite(db, actor=actor, person=person, now=now, settings=link_settings())
    except (ConflictError, ValidationError) as exc:
        db.rollback()
        flash(exc.message, "error")
        return redirect(safe_next(back))
    db.commit()
    flash(f"Invitation sent to {person.full_name} at {person.email}.", "success")
    return redirect(safe_next(back))


@bp.post("/people/invite-all")
@require_role(Role.TRAINING_MANAGER, Role.ADMINISTRATOR)
def invite_all():
    db = get_session()
    agency_id = request.form.get("agency_id", type=int)
    result = services.invite_all(db, actor=current_actor(), now=utcnow(), settings=link_settings(),
                                 agency_id=agency_id)
    db.commit()
    parts = [f"{result.invited} invitation{'s' if result.invited != 1 else ''} sent."]
    if result.pending:
        parts.append(f"{result.pending} already hold an invitation still valid.")
    if result.without_email:
        parts.append(f"{result.without_email} have no e-mail address on file: add one, then invite them.")
    flash(" ".join(parts), "success" if result.invited or not result.without_email else "error")
    return redirect(safe_next(request.form.get("next")))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        db = get_session()
        services.request_reset(db, login=form.login.data, now=utcnow(), settings=link_settings())
        db.commit()
        return render_template("invitations/reset_sent.html")
    return render_template("invitations/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/account/password/<token>", methods=["GET", "POST"])
def choose_password(token: str):
    db, now = get_session(), utcnow()
    try:
        link = services.check_link(db, token, now=now)
    except services.LinkError as exc:
        return render_template("invitations/link_unusable.html", message=exc.message), exc.status
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            person = services.redeem(db, token=token, password=form.password.data, now=now)
        except DomainError as exc:
            db.rollback()
            form.password.errors = [*form.password.errors, exc.message]
        else:
            db.commit()
            flash(f"Your password is set. Sign in with your username, {person.username}.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("invitations/choose.html", form=form, link=link), 422 if form.errors else 200
