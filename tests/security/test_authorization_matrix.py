"""Every route of the app, for every kind of actor, gives the expected answer.

The routes come from the app's URL map, so a new route without a line in RULES fails the test. Object
routes are called with objects that belong to the officer of agency A (their profile, record, attempt,
exemption) or to agency A (its session, dashboard), so a manager of agency B and people without a reason to
look get 404, never the data. Each POST runs in a savepoint that is rolled back, so one actor's change does
not alter what the next one sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from learning_portal.accounts import services as accounts
from learning_portal.accounts.models import Role
from learning_portal.catalog.queries import get_course
from learning_portal.certification import services as certification
from learning_portal.certification.models import Consultant, Coordinator, Presenter
from learning_portal.compliance import assignment_rules
from learning_portal.compliance import services as compliance
from learning_portal.content_import import certified as certified_packages
from learning_portal.credits import services as credits
from learning_portal.credits.models import CreditPosting
from learning_portal.learning import services as learning
from learning_portal.media import services as media
from learning_portal.media.storage import app_storage
from learning_portal.notices.models import Notification
from learning_portal.quizzes import services as quizzes
from learning_portal.records import disputes, external
from learning_portal.records.models import RecordSource
from learning_portal.records.services import RecordInput, write_record
from learning_portal.scorm import services as scorm
from learning_portal.sessions import services as sessions
from learning_portal.sessions.models import SessionKind
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_jurisdiction, make_person
from tests.scorm.packages import package_zip

ANON, OFFICER, DISPATCHER, INSTRUCTOR, MANAGER, OTHER_MANAGER, ADMIN = ACTORS = (
    "anonymous", "officer", "dispatcher", "instructor", "manager", "other_manager", "admin")
OK, LOGIN = "ok", "login"  # ok: served (a 2xx, a redirect, or a validation answer to our empty form)


def everyone() -> dict[str, object]:
    return dict.fromkeys(ACTORS, OK)


def signed_in(**overrides: object) -> dict[str, object]:
    return {**dict.fromkeys(ACTORS, OK), ANON: LOGIN, **overrides}


def only(*allowed: str, others: int = 403, **overrides: object) -> dict[str, object]:
    """Role-gated: the roles allowed are served, other signed-in people get ``others``."""
    return {**{a: (OK if a in allowed else others) for a in ACTORS}, ANON: LOGIN, **overrides}


ADMINS = only(ADMIN)
MANAGERS = only(MANAGER, OTHER_MANAGER, ADMIN)
# Agency A's pages: its manager and administrators; agency B's manager is told it does not exist.
AGENCY_A = only(MANAGER, ADMIN, other_manager=404)
# The officer's own record: the officer, their manager and administrators; no one else learns it exists.
OFFICERS_RECORD = only(OFFICER, MANAGER, ADMIN, others=404)
SESSION_VIEW = only(INSTRUCTOR, MANAGER, ADMIN, other_manager=404)
# The officer's record, changed by their manager or an administrator; another agency's manager: not found.
OFFICERS_RECORD_MANAGERS = only(MANAGER, ADMIN, other_manager=404)
SESSION_RUN = only(INSTRUCTOR, ADMIN)
CERTIFICATION = only(MANAGER, ADMIN, others=404)  # the coordinator (agency A's manager), the consultant
NOT_OTHERS = dict.fromkeys((DISPATCHER, INSTRUCTOR, MANAGER, OTHER_MANAGER, ADMIN), 404)

RULES: dict[tuple[str, str], dict[str, object]] = {
    ("home.index", "GET"): signed_in(),  # the sign-in page for anyone else
    ("home.healthz", "GET"): everyone(),
    ("openapi.openapi_json", "GET"): everyone(),
    ("media.vendor_hls", "GET"): everyone(),
    ("certificates.verify_form", "GET"): everyone(),
    ("certificates.verify", "GET"): everyone(),
    ("accounts.login", "GET"): everyone(),
    ("accounts.login", "POST"): everyone(),
    ("accounts.logout", "POST"): dict.fromkeys(ACTORS, LOGIN),  # back to the sign-in page
    ("accounts.login_code", "GET"): dict.fromkeys(ACTORS, LOGIN),  # no password given first: back to sign-in
    ("accounts.login_code", "POST"): dict.fromkeys(ACTORS, LOGIN),
    ("accounts.two_factor_page", "GET"): signed_in(),
    ("accounts.two_factor_start", "POST"): signed_in(),
    ("accounts.two_factor_confirm", "POST"): signed_in(),
    ("accounts.two_factor_new_codes", "POST"): signed_in(),
    ("accounts.two_factor_off", "POST"): signed_in(),
    ("accounts_admin.person_reset_two_factor", "POST"): ADMINS,
    ("accounts_admin.person_left", "POST"): AGENCY_A,  # the officer of agency A leaving: their manager too
    ("accounts_admin.person_reopen", "POST"): AGENCY_A,
    ("accounts_admin.person_edit", "GET"): AGENCY_A,
    ("accounts_admin.person_edit", "POST"): AGENCY_A,
    ("accounts_admin.person_transfer", "POST"): AGENCY_A,
    ("history.import_page", "GET"): AGENCY_A,
    ("history.import_page", "POST"): AGENCY_A,
    ("compliance.records_start", "POST"): ADMINS,
    ("accounts.account", "GET"): signed_in(),
    ("accounts.account", "POST"): signed_in(),
    ("accounts.people", "GET"): MANAGERS,
    ("accounts.person_detail", "GET"): OFFICERS_RECORD,
    ("accounts_admin.agencies", "GET"): ADMINS,
    ("accounts_admin.agencies", "POST"): ADMINS,
    ("accounts_admin.person_new", "GET"): ADMINS,
    ("accounts_admin.person_new", "POST"): ADMINS,
    ("accounts_admin.person_set_password", "POST"): ADMINS,
    ("accounts_admin.people_import", "GET"): MANAGERS,  # a manager imports their own agency
    ("accounts_admin.people_import", "POST"): MANAGERS,
    ("accounts_admin.audit_log", "GET"): ADMINS,
    ("catalog.courses", "GET"): signed_in(),
    ("learning.course_page", "GET"): signed_in(),
    ("learning.enroll", "POST"): signed_in(),
    ("learning.course_home", "GET"): signed_in(),
    ("learning.item_page", "GET"): signed_in(),
    ("learning.lesson_viewed", "POST"): signed_in(),
    ("learning.my_learning", "GET"): signed_in(),
    ("quizzes.take", "GET"): signed_in(),
    ("quizzes.submit", "POST"): signed_in(**NOT_OTHERS),  # no quiz opened: nothing to submit
    ("quizzes.result", "GET"): signed_in(**NOT_OTHERS),  # only the learner sees their answers
    ("quizzes.new_start", "POST"): only(MANAGER, ADMIN, other_manager=404),
    ("credits.my_profile", "GET"): signed_in(),
    ("credits.person_profile", "GET"): OFFICERS_RECORD,
    ("credits_admin.postings", "GET"): ADMINS,
    ("credits_admin.retry", "POST"): ADMINS,
    ("credits_admin.retry_dead", "POST"): ADMINS,
    ("credits_admin.reconciliation", "GET"): ADMINS,
    ("credits_admin.resend", "POST"): only(ADMIN, admin=404),  # agency_id is required: none given, not found
    ("xapi_admin.statements", "GET"): ADMINS,
    ("api_docs.reference", "GET"): everyone(),
    ("accounts_admin.system_tokens", "GET"): ADMINS,
    ("accounts_admin.system_tokens", "POST"): ADMINS,
    ("accounts_admin.system_token_revoke", "POST"): ADMINS,
    ("xapi_admin.retry_dead", "POST"): ADMINS,
    ("mail_admin.messages", "GET"): ADMINS,
    ("mail_admin.retry_dead", "POST"): ADMINS,
    # Inviting the officer of agency A: their manager and administrators (they have a password: told so).
    ("invitations.invite", "POST"): only(MANAGER, ADMIN, other_manager=404),
    ("invitations.invite_all", "POST"): MANAGERS,
    ("invitations.forgot_password", "GET"): everyone(),
    ("invitations.forgot_password", "POST"): everyone(),
    # A made-up token: gone, for everyone, whoever is signed in.
    ("invitations.choose_password", "GET"): dict.fromkeys(ACTORS, 410),
    ("invitations.choose_password", "POST"): dict.fromkeys(ACTORS, 410),
    ("certificates.certificate_pdf", "GET"): OFFICERS_RECORD,
    ("disputes.new", "GET"): signed_in(**NOT_OTHERS),  # only the record's owner contests it
    ("disputes.new", "POST"): signed_in(**NOT_OTHERS),
    ("disputes.detail", "GET"): OFFICERS_RECORD,
    ("disputes.detail", "POST"): OFFICERS_RECORD,
    ("disputes.attachment", "GET"): OFFICERS_RECORD,
    ("disputes.index", "GET"): MANAGERS,
    ("compliance.mine", "GET"): signed_in(),
    ("privacy.my_data", "GET"): signed_in(),
    ("privacy.my_data_json", "GET"): signed_in(),
    ("privacy.my_data_csv", "GET"): signed_in(),
    ("compliance.my_agency", "GET"): MANAGERS,
    ("compliance.agency", "GET"): AGENCY_A,
    ("compliance.export", "GET"): AGENCY_A,
    ("compliance.assign", "POST"): AGENCY_A,
    ("compliance.person", "GET"): OFFICERS_RECORD,
    ("compliance.exempt_person", "POST"): only(MANAGER, ADMIN, other_manager=404),
    ("compliance.exempt_agency", "POST"): ADMINS,
    ("compliance.revoke", "POST"): only(MANAGER, ADMIN, other_manager=404),
    ("compliance.state", "GET"): ADMINS,
    ("content_admin.import_package", "GET"): ADMINS,
    ("content_admin.import_package", "POST"): ADMINS,
    ("media_admin.assets", "GET"): ADMINS,
    ("media_admin.upload", "POST"): ADMINS,
    ("media_admin.asset", "GET"): ADMINS,
    ("media_admin.status", "GET"): ADMINS,
    ("media_admin.captions", "POST"): ADMINS,
    ("media_admin.publish", "POST"): ADMINS,
    ("media.deliver", "GET"): signed_in(**NOT_OTHERS, officer=404),  # an asset not published is not served
    ("scorm_admin.packages", "GET"): ADMINS,
    ("scorm_admin.upload", "POST"): ADMINS,
    ("scorm.content", "GET"): signed_in(),  # course content, like the catalogue
    ("scorm.play", "GET"): signed_in(officer=404),  # the officer's item is a lesson; the others are sent to enroll
    ("scorm.commit", "POST"): signed_in(**NOT_OTHERS, officer=404),  # only an enrolled learner's SCORM item
    ("sessions.index", "GET"): only(INSTRUCTOR, MANAGER, OTHER_MANAGER, ADMIN),
    ("sessions.new", "GET"): only(INSTRUCTOR),
    ("sessions.new", "POST"): only(INSTRUCTOR),
    ("sessions.import_roster", "GET"): only(INSTRUCTOR),
    ("sessions.import_roster", "POST"): only(INSTRUCTOR),
    ("sessions.detail", "GET"): SESSION_VIEW,
    ("sessions.roster_fragment", "GET"): SESSION_VIEW,
    ("sessions.live", "GET"): SESSION_VIEW,
    ("sessions.roster_csv", "GET"): SESSION_VIEW,
    ("sessions.make_ups", "POST"): SESSION_VIEW,
    ("sessions.present", "GET"): SESSION_RUN,
    ("sessions.qr", "GET"): SESSION_RUN,
    ("sessions.change_status", "POST"): SESSION_RUN,
    ("sessions.add_attendee", "POST"): SESSION_RUN,
    ("sessions.mark", "POST"): SESSION_RUN,
    ("sessions.remove", "POST"): SESSION_RUN,
    ("sessions.submit", "POST"): SESSION_RUN,
    ("sessions.check_in", "GET"): signed_in(),
    ("sessions.check_in", "POST"): signed_in(),
    ("sessions_admin.qualifications", "GET"): ADMINS,
    ("sessions_admin.qualifications", "POST"): ADMINS,
    ("sessions_admin.revoke", "POST"): ADMINS,
    # The JSON API answers 401 (not a redirect) to someone not signed in.
    ("accounts_api.issue_token", "POST"): everyone(),
    ("accounts_api.me", "GET"): signed_in(),
    ("catalog_api.list_courses", "GET"): signed_in(),
    ("catalog_api.course_detail", "GET"): signed_in(),
    ("learning_api.enroll", "POST"): signed_in(),
    ("learning_api.item_progress", "POST"): signed_in(),
    ("learning_api.my_completions", "GET"): signed_in(),
    ("quizzes_api.get_quiz", "GET"): signed_in(),
    ("quizzes_api.submit_attempt", "POST"): signed_in(),
    ("credits_api.my_profile", "GET"): signed_in(),
    ("credits_api.postings", "GET"): ADMINS,
    ("credits_api.receive_record", "POST"): dict.fromkeys(ACTORS, 404),  # only when a forwarding key is set
    ("compliance_api.my_compliance", "GET"): signed_in(admin=404),  # commission staff have no requirements
    ("compliance_api.agency_compliance", "GET"): AGENCY_A,
    ("credits_api.agency_records", "GET"): AGENCY_A,
    ("credits_api.agency_record_changes", "GET"): AGENCY_A,
    ("credits_api.records_received", "GET"): dict.fromkeys(ACTORS, 404),  # only when a forwarding key is set
    ("people_api.list_people", "GET"): MANAGERS,
    ("people_api.create_person", "POST"): MANAGERS,
    ("people_api.get_person", "GET"): OFFICERS_RECORD,
    ("people_api.update_person", "PATCH"): AGENCY_A,
    ("people_api.transfer", "POST"): MANAGERS,  # the empty body is refused before the person is looked up
    ("people_api.separation", "POST"): MANAGERS,
    ("people_api.undo_separation", "DELETE"): AGENCY_A,
    ("people_api.import_people", "POST"): MANAGERS,
    ("invitations_api.invite", "POST"): MANAGERS,
    ("invitations_api.request_reset", "POST"): everyone(),
    ("records_api.import_history", "POST"): AGENCY_A,
    ("assignments.index", "GET"): AGENCY_A,
    ("assignments.change", "POST"): AGENCY_A,  # the officer's assignment: their manager and administrators
    ("assignments_api.agency_assignments", "GET"): AGENCY_A,
    ("assignments_api.change_assignment", "PATCH"): AGENCY_A,
    ("assignments_api.assign", "POST"): AGENCY_A,
    ("assignments.add_rule", "POST"): AGENCY_A,
    ("assignments.rule_action", "POST"): AGENCY_A,
    ("sessions_api.create", "POST"): only(INSTRUCTOR),
    ("sessions_api.show", "GET"): SESSION_VIEW,
    ("sessions_api.change_status", "POST"): SESSION_RUN,
    ("sessions_api.add_attendee", "POST"): SESSION_RUN,
    ("sessions_api.remove_attendee", "DELETE"): SESSION_RUN,
    ("sessions_api.submit", "POST"): SESSION_RUN,
    ("sessions_api.make_ups", "POST"): SESSION_VIEW,
    ("sessions_api.check_in", "POST"): signed_in(),
    ("quizzes.extra_time", "POST"): OFFICERS_RECORD_MANAGERS,
    ("quizzes.save", "POST"): only(OFFICER, others=404),  # the enrolled learner only
    ("quizzes_api.save_answers", "PUT"): signed_in(),
    ("learning.lesson_heartbeat", "POST"): only(OFFICER, others=404),
    ("sessions.approve", "POST"): only(MANAGER, ADMIN, others=403, other_manager=404),
    ("sessions_api.approve", "POST"): only(MANAGER, ADMIN, others=403, other_manager=404),
    ("credits.amend", "POST"): only(INSTRUCTOR, MANAGER, ADMIN, other_manager=404),
    ("credits_api.amend_roster", "POST"): only(INSTRUCTOR, MANAGER, ADMIN, other_manager=404),
    ("external.mine", "GET"): signed_in(),
    ("external.person_page", "GET"): OFFICERS_RECORD,
    ("external.person_page", "POST"): OFFICERS_RECORD,
    ("external.resubmit", "POST"): OFFICERS_RECORD,
    ("external.proof", "GET"): OFFICERS_RECORD,
    ("external.queue", "GET"): AGENCY_A,
    ("external.decision", "POST"): OFFICERS_RECORD_MANAGERS,
    ("external_api.submit", "POST"): signed_in(),
    ("external_api.agency_queue", "GET"): AGENCY_A,
    ("external_api.decide", "POST"): OFFICERS_RECORD_MANAGERS,
    # Certification: a request is its presenter's coordinators' and its jurisdiction's consultants'.
    ("certification_api.list_requests", "GET"): signed_in(),
    ("certification_api.create", "POST"): signed_in(),  # our empty body is refused before any presenter is read
    ("certification_api.show", "GET"): CERTIFICATION,
    ("certification_api.update", "PUT"): only(MANAGER, others=404, admin=403),  # the consultant only reads
    ("certification_api.step", "POST"): CERTIFICATION,
    ("certification_api.by_state", "GET"): only(ADMIN, others=404),
    ("certification_api.expiring", "GET"): CERTIFICATION,
    ("certification_api.get_outline", "GET"): CERTIFICATION,
    ("certification_api.get_package", "GET"): only(others=404),  # the world's classroom request has none
    ("content_admin.publish", "POST"): ADMINS,
    ("sessions.presentations", "GET"): signed_in(),
    ("sessions_api.presentations", "GET"): signed_in(),
    ("sessions_api.register", "PUT"): {**dict.fromkeys(ACTORS, 404), ANON: LOGIN},
    ("sessions_api.unregister", "DELETE"): {**dict.fromkeys(ACTORS, 404), ANON: LOGIN},
    # The world's session is a briefing, not a presentation with seats: nobody registers for it.
    ("sessions.register", "POST"): {**dict.fromkeys(ACTORS, 404), ANON: LOGIN},
    ("sessions.cancel_registration", "POST"): {**dict.fromkeys(ACTORS, 404), ANON: LOGIN},
    ("certification.index", "GET"): signed_in(),  # to others it says how one becomes a coordinator
    ("certification.new", "GET"): only(MANAGER, others=404, admin=403),  # the consultant reads, never writes
    ("certification.new", "POST"): only(MANAGER, others=404, admin=403),
    ("certification.edit", "GET"): only(MANAGER, others=404, admin=403),
    ("certification.edit", "POST"): only(MANAGER, others=404, admin=403),
    ("certification.files", "POST"): only(MANAGER, others=404, admin=403),
    ("certification.show", "GET"): CERTIFICATION,
    ("certification.step", "POST"): CERTIFICATION,
    ("certification_api.put_outline", "PUT"): only(MANAGER, others=404, admin=403),
    ("certification_api.put_package", "PUT"): only(MANAGER, others=404, admin=403),
    ("notices.index", "GET"): signed_in(),
    ("notices.read", "POST"): signed_in(),  # one's own notices only (others' ids are ignored)
    ("notices.open_notice", "GET"): only(OFFICER, others=404),  # the officer's notice
    ("notices.settings", "GET"): signed_in(),
    ("notices.settings", "POST"): signed_in(),
    ("notices.agency_notices", "GET"): AGENCY_A,
    ("notices_api.mine", "GET"): signed_in(),
    ("notices_api.read", "POST"): signed_in(),
}


@dataclass
class World:
    people: dict[str, object]
    args: dict[str, object]  # URL parameters by name


@pytest.fixture
def world(app, db_session) -> World:
    load_content(db_session, REAL_CONTENT, slugs=("courtroom-testimony", "vehicle-pursuit-policy-update"))
    a, b = make_agency(db_session, name="Agency A"), make_agency(db_session, name="Agency B")
    people = {
        OFFICER: make_person(db_session, agency=a), DISPATCHER: make_person(db_session, role=Role.DISPATCHER, agency=a),
        INSTRUCTOR: make_person(db_session, role=Role.INSTRUCTOR, agency=a),
        MANAGER: make_person(db_session, role=Role.TRAINING_MANAGER, agency=a),
        OTHER_MANAGER: make_person(db_session, role=Role.TRAINING_MANAGER, agency=b),
        ADMIN: make_person(db_session, role=Role.ADMINISTRATOR),
    }
    officer = people[OFFICER]
    course, version = get_course(db_session, "courtroom-testimony")
    enrollment, _ = learning.enroll(db_session, person=officer, course=course, now=NOW)
    pursuit, _ = get_course(db_session, "vehicle-pursuit-policy-update")
    (assignment,) = learning.assign_course(
        db_session, person_ids=[officer.id], course=pursuit, due_on=date(2099, 1, 1),
        reason=learning.AssignmentReason.ASSIGNED, note="", assigned_by=people[MANAGER], now=NOW,
        today=NOW.date()).assigned
    lesson = next(i for i in version.items if i.kind.value == "lesson")
    quiz_item = next(i for i in version.items if i.kind.value == "quiz")
    quiz = quizzes.get_quiz(db_session, quiz_item.id)
    attempt = quizzes.open_attempt(db_session, enrollment=enrollment, quiz=quiz, now=NOW)
    answers = {str(q.id): [c.id for c in q.choices if c.is_correct] for q in quiz.questions}
    quizzes.submit_attempt(db_session, attempt=attempt, enrollment=enrollment, answers=answers, now=NOW)
    record, _ = write_record(db_session, data=RecordInput(
        person_id=officer.id, course_number="9999-00103", title="Courtroom Testimony", hours=Decimal(4),
        categories={"general": Decimal(4)}, satisfies=["CA-CPT-24"], completed_on=date(2026, 1, 5),
        source=RecordSource.FORWARDED), inbound_key="matrix-1", now=NOW)
    dispute = disputes.open_dispute(db_session, app_storage(app), person=officer, record_id=record.id, now=NOW,
                                    reason="The date is wrong: I took it in February.",
                                    attachment=disputes.Attachment("roster.pdf", b"%PDF-1.4 a roster"))
    exemption = compliance.grant_exemption(db_session, actor=people[MANAGER], requirement_ids=["CA-PSP-AC"],
                                           kind="leave", reason="Medical leave", starts_on=date(2026, 1, 1),
                                           ends_on=None, now=NOW, person=officer)[0]
    qualification = sessions.grant_qualification(db_session, actor=people[ADMIN], person=people[INSTRUCTOR],
                                                 qualification="racial_profiling", valid_until=None, now=NOW)
    pursuit, pursuit_version = get_course(db_session, "vehicle-pursuit-policy-update")
    learning.record_roster_completion(db_session, person_id=officer.id, version=pursuit_version, completed_at=NOW,
                                      note="an earlier briefing", now=NOW)  # its credit posting
    ts = sessions.create_session(db_session, actor=people[INSTRUCTOR], course=pursuit, kind=SessionKind.BRIEFING,
                                 starts_at=NOW - timedelta(minutes=5), location="Room B", agency=a, now=NOW)
    sessions.start_check_in(ts, now=NOW)
    attendance = sessions.add_attendee_by_id(db_session, ts=ts, actor=people[INSTRUCTOR], person_id=officer.id,
                                             now=NOW)
    asset = media.create_asset(db_session, title="Clip", filename="clip.mp4", now=NOW)
    package = scorm.store_package(db_session, app_storage(app), package_zip(), filename="force.zip",
                                  slug="matrix-package", now=NOW)
    _, token = accounts.issue_system_token(db_session, issuer=people[ADMIN], name="RMS", scopes=["records:read"],
                                           agency=a, now=NOW, ttl=timedelta(days=30))
    db_session.flush()
    credits.enqueue_new_completions(db_session, now=NOW)  # what the poster does first
    posting = db_session.scalar(select(CreditPosting).where(CreditPosting.person_id == officer.id))
    return World(people, {
        "person_id": officer.id, "agency_id": a.id, "slug": course.slug, "item_id": lesson.id, "quiz_id": quiz.id,
        "attempt_id": attempt.id, "enrollment_id": enrollment.id, "record_id": record.id,
        "exemption_id": exemption.id, "assignment_id": assignment.id, "qualification_id": qualification.id,
        "session_id": ts.id,
        "attendance_id": attendance.attendance.id if hasattr(attendance, "attendance") else ts.attendances[0].id,
        "asset_id": asset.id, "posting_id": posting.id, "key": "master.m3u8",
        "code": record.verification_code, "dispute_id": dispute.id, "package_id": package.id, "path": "index.html",
        "token_id": token.id, "token": "made-up-token",
        "rule_id": assignment_rules.create(db_session, actor=people[MANAGER], agency=a, course_slug=pursuit.slug,
                                           trigger="joins", requirement_id=None, role=None, days=30, now=NOW).id,
        "action": "run",
        "external_id": external.submit(db_session, app_storage(app), actor=officer, person=officer, now=NOW,
                                   data=external.Submission(title="Outside course", presenter="Academy",
                                                            completed_on="2026-02-01", hours="4",
                                                            proof_kind="certificate"),
                                   proof=external.Proof("c.pdf", b"%PDF-1.4 c")).id,
        "notice_id": db_session.scalar(select(Notification.id).where(Notification.person_id == officer.id)),
        **certification_world(app, db_session, people, a),
    })


def certification_world(app, db_session, people, agency) -> dict[str, int]:
    """Agency A presents courses; its manager coordinates them, the administrator is the consultant."""
    make_jurisdiction(db_session, "CA-POST")
    presenter = Presenter(number="9901", name="Agency A academy", jurisdiction="CA-POST", agency_id=agency.id)
    db_session.add(presenter)
    db_session.flush()
    db_session.add_all([Coordinator(presenter_id=presenter.id, person_id=people[MANAGER].id),
                        Consultant(person_id=people[ADMIN].id, jurisdiction="CA-POST")])
    req = certification.create_request(db_session, actor=people[MANAGER], presenter_id=presenter.id, now=NOW, data={
        "title": "Matrix course", "delivery": "classroom", "total_hours": "4",
        "topics": [{"topic": "All", "hours": "4"}], "starts_on": "2027-01-01"})
    certification.attach_outline(db_session, certification.Files(app_storage(app), certified_packages),
                                 actor=people[MANAGER], req=req, data=b"%PDF-1.4 outline", filename="outline.pdf")
    db_session.flush()
    return {"presenter_id": presenter.id, "request_id": req.id}


def routes(app) -> list[tuple[str, str, object]]:
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        out += [(rule.endpoint, method, rule) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return out


def test_every_route_has_a_rule(app):
    missing = [(e, m) for e, m, _ in routes(app) if (e, m) not in RULES]
    assert not missing, f"Add these routes to RULES with who may use them: {missing}"
    stale = set(RULES) - {(e, m) for e, m, _ in routes(app)}
    assert not stale, f"RULES names routes that no longer exist: {stale}"


def outcome(response) -> object:
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        return LOGIN
    if response.status_code == 401:
        return LOGIN
    if response.status_code in (403, 404, 410):
        return response.status_code
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    return OK


def test_each_actor_gets_the_expected_answer_on_every_route(app, world, db_session, signed_in):
    def client(actor: str):  # a fresh one each time: signing out must not carry over to the next request
        return app.test_client() if actor == ANON else signed_in(world.people[actor])

    wrong = []
    for endpoint, method, rule in routes(app):
        with app.test_request_context():
            from flask import url_for
            url = url_for(endpoint, **{k: world.args[k] for k in rule.arguments})
        for actor in ACTORS:
            # A change made by one actor's POST is undone before the next actor's (GETs change nothing).
            savepoint = db_session.connection().begin_nested() if method != "GET" else None
            try:
                kwargs = {"json": {}} if url.startswith("/api/") and method != "GET" else {}
                response = client(actor).open(url, method=method, **kwargs)
                response.get_data()  # a streamed body runs its queries now
                response.close()
                got = outcome(response)
            finally:
                if savepoint is not None:
                    savepoint.rollback()
                    db_session.expire_all()
            expected = RULES[(endpoint, method)][actor]
            if got != expected:
                wrong.append(f"{method} {url} as {actor}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)
