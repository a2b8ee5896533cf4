"""Learning Portal: distance learning and automatic CPT credit for law-enforcement training."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from learning_portal import db, errors, extensions
from learning_portal.accounts import api as accounts_api
from learning_portal.accounts import people_api
from learning_portal.accounts import views as accounts_views
from learning_portal.accounts.localdate import today_for
from learning_portal.audit import requests as audit_requests
from learning_portal.catalog import api as catalog_api
from learning_portal.catalog import views as catalog_views
from learning_portal.certification import api as certification_api
from learning_portal.certification import services as certification
from learning_portal.certification import views as certification_views
from learning_portal.cli import register_cli
from learning_portal.clock import utcnow
from learning_portal.compliance import api as compliance_api
from learning_portal.compliance import assignment_api, assignment_views
from learning_portal.compliance import views as compliance_views
from learning_portal.config import ROOT, Config
from learning_portal.content_import import certified as certified_packages
from learning_portal.content_import import views as content_views
from learning_portal.credits import api as credits_api
from learning_portal.credits import terms as credit_terms
from learning_portal.credits import views as credits_views
from learning_portal.credits import worker as credit_poster
from learning_portal.home import navigation
from learning_portal.home import views as home_views
from learning_portal.invitations import api as invitations_api
from learning_portal.invitations import views as invitation_views
from learning_portal.learning import api as learning_api
from learning_portal.learning import views as learning_views
from learning_portal.mail import views as mail_views
from learning_portal.mail import worker as mail_sender
from learning_portal.media import views as media_views
from learning_portal.media.storage import app_storage
from learning_portal.notices import api as notices_api
from learning_portal.notices import mailer as notice_mailer
from learning_portal.notices import views as notices_views
from learning_portal.privacy import views as privacy_views
from learning_portal.quizzes import api as quizzes_api
from learning_portal.quizzes import views as quizzes_views
from learning_portal.records import api as records_api
from learning_portal.records import certificate_views, dispute_views, external_api, external_views, history_views
from learning_portal.reminders import scheduler as notice_scheduler
from learning_portal.scorm import views as scorm_views
from learning_portal.sessions import api as sessions_api
from learning_portal.sessions import views as sessions_views
from learning_portal.web import converters, filters, openapi, security
from learning_portal.xapi import views as xapi_views
from learning_portal.xapi import worker as xapi_sender

BLUEPRINTS = (
    home_views.bp,
    accounts_views.bp,
    accounts_views.admin_bp,
    accounts_api.bp,
    catalog_views.bp,
    catalog_api.bp,
    learning_views.bp,
    learning_api.bp,
    quizzes_views.bp,
    quizzes_api.bp,
    sessions_views.bp,
    sessions_views.admin_bp,
    sessions_api.bp,
    credits_views.bp,
    credits_views.admin_bp,
    compliance_views.bp,
    assignment_views.bp,
    assignment_api.bp,
    compliance_api.bp,
    credits_api.bp,
    people_api.bp,
    invitations_api.bp,
    records_api.bp,
    certificate_views.bp,
    dispute_views.bp,
    history_views.bp,
    external_views.bp,
    external_api.bp,
    certification_api.bp,
    certification_views.bp,
    privacy_views.bp,
    media_views.bp,
    media_views.admin_bp,
    scorm_views.bp,
    scorm_views.admin_bp,
    content_views.admin_bp,
    xapi_views.admin_bp,
    mail_views.admin_bp,
    invitation_views.bp,
    notices_views.bp,
    notices_api.bp,
    openapi.bp,
    openapi.docs_bp,
)
API_PARTS = (openapi.OPENAPI, accounts_api.OPENAPI, people_api.OPENAPI, invitations_api.OPENAPI, catalog_api.OPENAPI,
             learning_api.OPENAPI, quizzes_api.OPENAPI, sessions_api.OPENAPI, credits_api.OPENAPI, records_api.OPENAPI,
             compliance_api.OPENAPI, assignment_api.OPENAPI, notices_api.OPENAPI,
             external_api.OPENAPI, certification_api.OPENAPI)


def create_app(config: type[Config] = Config, **overrides: Any) -> Flask:
    """Build the app from ``config``, ``PORTAL_*`` environment variables, then ``overrides``. No DB I/O."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder="static")
    app.config.from_object(config)
    app.config.from_prefixed_env("PORTAL")
    app.config.update(overrides)
    config.finalize(app.config)

    if app.config["PROXY_HOPS"]:  # client address and scheme from the proxies' X-Forwarded-* headers
        hops = app.config["PROXY_HOPS"]  # the host and path stay the portal's own
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    converters.init_app(app)
    db.init_app(app)
    xapi_sender.init_app(app)
    security.init_app(app)  # first: an upload's body limit must be set before CSRF reads the form
    extensions.init_app(app)
    audit_requests.init_app(app)
    filters.init_app(app)
    navigation.init_app(app)
    app.extensions["api_token_authenticator"] = accounts_api.authenticate_bearer
    app.extensions["upload_storage"] = lambda: app_storage(app)  # web.staging: previewed uploads
    app.extensions["credit_rules"] = credit_terms.credit_rules  # the course page and API say what credit takes
    app.extensions["course_certification"] = lambda session, course_id, person: certification.course_certification(
        session, course_id, today_for(session, person, utcnow()))
    app.extensions["course_packages"] = certified_packages  # certification checks and publishes packages
    # Notices become e-mail in whichever mail worker runs (mail.worker.pass_for).
    app.extensions["mail_preparers"] = [functools.partial(notice_mailer.queue_pending,
                                                          public_url=app.config["PUBLIC_URL"])]
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    openapi.register_parts(app, *API_PARTS)
    errors.register_handlers(app)
    register_cli(app)
    workers = []
    if app.config["CREDIT_POSTER"] == "inprocess":
        workers.append(("credit_poster", credit_poster.start_in_process))
    if app.config["XAPI_SENDER"] == "inprocess" and xapi_sender.configured(app.config):
        workers.append(("xapi_sender", xapi_sender.start_in_process))
    if app.config["MAIL_SENDER"] == "inprocess":
        workers.append(("mail_sender", mail_sender.start_in_process))
    if app.config["NOTICE_SCHEDULER"] == "inprocess":
        workers.append(("notice_scheduler", notice_scheduler.start_in_process))
    if workers:
        _start_with_first_request(app, workers)
    return app


def _start_with_first_request(app: Flask, workers: list[tuple[str, Callable[[Flask], object]]]) -> None:
    """The embedded workers start with the first request, not at import or in CLI commands."""
    lock = threading.Lock()

    @app.before_request
    def _ensure_workers() -> None:
        if any(key not in app.extensions for key, _ in workers):
            with lock:
                for key, start in workers:
                    if key not in app.extensions:
                        start(app)
