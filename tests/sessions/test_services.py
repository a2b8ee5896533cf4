"""Sessions: who may facilitate what, check-in codes, the roster, submission, imports and make-ups."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from learning_portal.accounts.models import Role
from learning_portal.credits import worker
from learning_portal.credits.services import PosterSettings
from learning_portal.csvfile import CsvImportError
from learning_portal.db import as_id
from learning_portal.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from learning_portal.learning import queries as learning_queries
from learning_portal.learning.models import Completion, CompletionSource
from learning_portal.notices.models import Notification
from learning_portal.records.models import RecordSource, TrainingRecord
from learning_portal.sessions import codes, services
from learning_portal.sessions.models import AttendanceStatus, SessionKind, SessionStatus
from tests.credits.helpers import complete_course
from tests.factories import NOW, make_agency, make_person

STEP = timedelta(seconds=codes.STEP_S)


def completions(db, person=None):
    query = select(func.count()).select_from(Completion)
    if person is not None:
        query = query.where(Completion.person_id == person.id)
    return db.scalar(query)


# --------------------------------------------------------------------------- who facilitates what


def test_a_self_paced_course_without_facilitation_cannot_have_a_session(db_session, world):
    with pytest.raises(services.NotFacilitableError, match="does not allow facilitation"):
        world.session(db_session, "dv-response-update")


def test_a_course_that_needs_a_qualified_facilitator_refuses_others_and_accepts_the_qualified(db_session, world):
    with pytest.raises(PermissionDeniedError, match="racial profiling qualification"):
        world.session(db_session, "racial-identity-profiling-update")
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    services.grant_qualification(db_session, actor=admin, person=world.instructor, qualification="racial_profiling",
                                 valid_until=None, now=NOW)
    ts = world.session(db_session, "racial-identity-profiling-update")
    assert ts.status is SessionStatus.RUNNING


def test_an_expired_qualification_does_not_count(db_session, world):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    services.grant_qualification(db_session, actor=admin, person=world.instructor, qualification="racial_profiling",
                                 valid_until=NOW.date() - timedelta(days=1), now=NOW)
    with pytest.raises(PermissionDeniedError):
        world.session(db_session, "racial-identity-profiling-update")


def test_only_instructors_facilitate_and_only_for_their_own_agency(db_session, world):
    with pytest.raises(PermissionDeniedError):
        services.create_session(db_session, actor=world.officers[0], course=world.course(db_session,
                                                                                        "psp-arrest-and-control"),
                                kind=SessionKind.CLASSROOM, starts_at=NOW, location="Range", agency=world.agency,
                                now=NOW)
    with pytest.raises(PermissionDeniedError):
        services.create_session(db_session, actor=world.instructor, course=world.course(db_session,
                                                                                       "psp-arrest-and-control"),
                                kind=SessionKind.CLASSROOM, starts_at=NOW, location="Range",
                                agency=world.other_agency, now=NOW)


# ------------------------------------------------------------------------------------ check-in


def test_the_code_rotates_every_30_seconds_and_is_accepted_for_one_more_step():
    secret = codes.new_secret()
    shown = codes.shown_code(secret, NOW)
    assert len(shown.code) == 6 and shown.code.isdigit() and 1 <= shown.expires_in_s <= 30
    later = NOW + timedelta(seconds=shown.expires_in_s)
    assert codes.shown_code(secret, later).code != shown.code
    assert codes.check(secret, shown.code, later) == "valid"  # typed as the screen changed
    assert codes.check(secret, shown.code, later + STEP) == "expired"
    assert codes.check(secret, f"{shown.code[:3]} {shown.code[3:]}", NOW) == "valid"
    assert codes.check(secret, "12345", NOW) == "wrong"


def test_officers_check_in_once_with_the_current_code(db_session, world):
    ts = world.session(db_session)
    code = services.current_code(ts, NOW).code
    first = services.check_in(db_session, person=world.officers[0], code=code, now=NOW)
    again = services.check_in(db_session, person=world.officers[0], code=code, now=NOW + timedelta(seconds=5))
    assert first.created and not again.created and first.session.id == ts.id
    assert [a.person_id for a in ts.attendances] == [world.officers[0].id]


def test_expired_wrong_and_foreign_codes_are_refused_and_nothing_is_recorded(db_session, world):
    ts = world.session(db_session)
    code = services.current_code(ts, NOW).code
    with pytest.raises(services.CheckInError, match="expired"):
        services.check_in(db_session, person=world.officers[0], code=code, now=NOW + 3 * STEP)
    wrong = str((int(code) + 1) % 10**6).zfill(6)
    with pytest.raises(services.CheckInError, match="does not match"):
        services.check_in(db_session, person=world.officers[0], code=wrong, now=NOW)
    with pytest.raises(PermissionDeniedError, match="open to Central PD"):
        services.check_in(db_session, person=world.outsider, code=code, now=NOW)
    assert ts.attendances == []


def test_a_code_works_only_for_its_own_session(db_session, world):
    first = world.session(db_session)
    second = world.session(db_session, "psp-arrest-and-control")
    code = services.current_code(first, NOW).code
    while codes.check(second.code_secret, code, NOW) == "valid":  # one chance in a million: draw again
        second.code_secret = codes.new_secret()
    with pytest.raises(services.CheckInError):
        services.check_in(db_session, person=world.officers[0], code=code, now=NOW, session_id=second.id)
    assert services.check_in(db_session, person=world.officers[0], code=code, now=NOW).session.id == first.id


def test_nobody_checks_in_to_a_session_that_is_not_running(db_session, world):
    ts = world.session(db_session, running=False)
    code = codes.shown_code(ts.code_secret, NOW).code
    with pytest.raises(services.CheckInError, match="not open"):
        services.check_in(db_session, person=world.officers[0], code=code, now=NOW, session_id=ts.id)
    with pytest.raises(services.CheckInError):
        services.check_in(db_session, person=world.officers[0], code=code, now=NOW)
    services.start_check_in(ts, now=NOW)
    services.end_check_in(ts, now=NOW)
    with pytest.raises(services.CheckInError, match="not open"):
        services.check_in(db_session, person=world.officers[0], code=code, now=NOW, session_id=ts.id)
    assert ts.attendances == []


def test_a_session_open_to_another_agency_lets_its_people_check_in(db_session, world):
    ts = world.session(db_session, also_open_to=[world.other_agency])
    code = services.current_code(ts, NOW).code
    assert services.check_in(db_session, person=world.outsider, code=code, now=NOW).created


# ------------------------------------------------------------------------------------- roster


def test_the_instructor_adds_by_post_id_or_name_and_picks_among_several_matches(db_session, world):
    ts = world.session(db_session)
    added = services.add_attendee(db_session, ts=ts, actor=world.instructor, query=world.officers[1].post_id.lower(),
                                  now=NOW)
    assert added.created and added.attendance.person_id == world.officers[1].id
    by_name = services.add_attendee(db_session, ts=ts, actor=world.instructor,
                                    query=f"cleo {world.officers[2].last_name}", now=NOW)
    assert by_name.attendance.person_id == world.officers[2].id
    several = services.add_attendee(db_session, ts=ts, actor=world.instructor, query="Tester", now=NOW)
    assert several.attendance is None and {p.id for p in several.candidates} >= {o.id for o in world.officers}
    with pytest.raises(NotFoundError, match="No one in Central PD"):  # another agency's people stay unseen
        services.add_attendee(db_session, ts=ts, actor=world.instructor, query=world.outsider.post_id, now=NOW)
    with pytest.raises(NotFoundError):
        services.add_attendee(db_session, ts=ts, actor=world.instructor, query="Nobody Atall", now=NOW)
    assert len(ts.attendances) == 2


def test_partial_attendance_is_on_the_roster_but_not_credited(app, db_session, world):
    ts = world.session(db_session)
    present, partial = world.officers[:2]
    for person in (present, partial):
        services.add_attendee_by_id(db_session, ts=ts, actor=world.instructor, person_id=person.id, now=NOW)
    services.mark_attendance(db_session, ts=ts, attendance_id=ts.attendances[1].id, status="partial", minutes=40)
    outcome = services.submit_roster(db_session, ts=ts, actor=world.instructor, now=NOW)
    assert outcome.credited == 1
    assert completions(db_session, present) == 1 and completions(db_session, partial) == 0
    told = db_session.execute(select(Notification.person_id, Notification.title)
                              .where(Notification.kind == "roster_submitted")).all()
    assert [pid for pid, _ in told] == [present.id]  # the person present is told; the partial one is not credited
    assert told[0].title.startswith("Roster submitted: ")
    rows = list(services.roster_rows(db_session, ts))
    assert rows[0][:5] == ["post_id", "last_name", "first_name", "agency", "course_number"]
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id[present.post_id][6:9] == ["2026-03-02", "2", "present"]
    assert by_id[partial.post_id][7:] == ["0", "partial", "40"]


def test_the_roster_cannot_change_after_submission(db_session, world):
    ts = world.session(db_session)
    services.add_attendee_by_id(db_session, ts=ts, actor=world.instructor, person_id=world.officers[0].id, now=NOW)
    services.submit_roster(db_session, ts=ts, actor=world.instructor, now=NOW)
    with pytest.raises(ConflictError):
        services.add_attendee_by_id(db_session, ts=ts, actor=world.instructor, person_id=world.officers[1].id,
                                    now=NOW)
    with pytest.raises(ConflictError):
        services.remove_attendee(db_session, ts=ts, attendance_id=ts.attendances[0].id)


# ---------------------------------------------------------------------------------- submission


def test_submitting_credits_everyone_present_once_through_the_credit_poster(app, db_session, world):
    ts = world.session(db_session)
    code = services.current_code(ts, NOW).code
    for officer in world.officers[:3]:
        services.check_in(db_session, person=officer, code=code, now=NOW)
    first = services.submit_roster(db_session, ts=ts, actor=world.instructor, now=NOW)
    second = services.submit_roster(db_session, ts=ts, actor=world.instructor, now=NOW + timedelta(minutes=1))
    assert (first.credited, first.already_submitted) == (3, False)
    assert (second.credited, second.already_submitted) == (0, True)
    assert completions(db_session) == 3
    done = db_session.scalars(select(Completion)).all()
    assert {c.source for c in done} == {CompletionSource.ROSTER} and {c.completed_at for c in done} == {ts.starts_at}
    db_session.commit()

    worker.run_once(app.extensions["db_sessionmaker"], PosterSettings(), now=lambda: NOW)
    records = db_session.scalars(select(TrainingRecord).execution_options(populate_existing=True)).all()
    assert sorted(r.person_id for r in records) == sorted(o.id for o in world.officers[:3])
    assert {(r.source, float(r.hours)) for r in records} == {(RecordSource.ROSTER, 2.0)}


def test_a_roster_of_a_course_needing_a_qualified_facilitator_credits_the_mandate(app, db_session, world):
    admin = make_person(db_session, role=Role.ADMINISTRATOR)
    services.grant_qualification(db_session, actor=admin, person=world.instructor, qualification="racial_profiling",
                                 valid_until=None, now=NOW)
    ts = world.session(db_session, "racial-identity-profiling-update")
    services.add_attendee_by_id(db_session, ts=ts, actor=world.instructor, person_id=world.officers[0].id, now=NOW)
    # The qualification lapses before the roster is submitted: the roster is refused, nothing recorded.
    [held] = services.list_qualifications(db_session)
    services.revoke_qualification(db_session, actor=admin, qualification_id=held.id)
    with pytest.raises(PermissionDeniedError):
        services.submit_roster(db_session, ts=ts, actor=world.instructor, now=NOW)
    assert completions(db_session) == 0 and ts.status is SessionStatus.RUNNING


def test_empty_future_and_cancelled_sessions_cannot_be_submitted(db_session, world):
    empty = world.session(db_session)
    with pytest.raises(ValidationError, match="No one is marked present"):
        services.submit_roster(db_session, ts=empty, actor=world.instructor, now=NOW)
    future = world.session(db_session, starts_at=NOW + timedelta(days=1), running=False)
    services.add_attendee_by_id(db_session, ts=future, actor=world.instructor, person_id=world.officers[0].id,
                                now=NOW)
    with pytest.raises(ValidationError, match="after it has taken place"):
        services.submit_roster(db_session, ts=future, actor=world.instructor, now=NOW)
    services.cancel(future, now=NOW)
    with pytest.raises(ConflictError):
        services.submit_roster(db_session, ts=future, actor=world.instructor, now=NOW + timedelta(days=2))
    assert completions(db_session) == 0


def test_sessions_are_visible_to_their_instructor_admins_and_the_host_agencys_manager_only(db_session, world):
    ts = world.session(db_session)
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=world.agency)
    other_manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=world.other_agency)
    other_instructor = make_person(db_session, role=Role.INSTRUCTOR, agency=world.agency)
    assert services.get_session(db_session, actor=manager, session_id=ts.id) is ts
    with pytest.raises(PermissionDeniedError):
        services.get_session(db_session, actor=manager, session_id=ts.id, manage=True)
    for stranger in (other_manager, other_instructor, world.officers[0]):
        with pytest.raises(NotFoundError):
            services.get_session(db_session, actor=stranger, session_id=ts.id)
    assert ts not in services.list_sessions(db_session, actor=other_manager)


# ------------------------------------------------------------------------------------- import


def test_a_roster_file_with_bad_rows_reports_every_line_and_records_nothing(db_session, world):
    a, b = world.officers[:2]
    data = (f"post_id,last_name,attendance,minutes_attended\n"
            f"{a.post_id},{a.last_name},present,\n"
            f"NOPE-1,Smith,present,\n"
            f"{a.post_id},{a.last_name},present,\n"
            f"{b.post_id},Wrongname,present,\n"
            f"{world.officers[2].post_id},,maybe,\n"
            f"{world.officers[3].post_id},,partial,ten\n").encode()
    with pytest.raises(CsvImportError) as err:
        services.import_roster(db_session, actor=world.instructor, course=world.course(db_session,
                                                                                      "psp-arrest-and-control"),
                               day=NOW.date(), location="Regional academy", agency=world.agency, data=data, now=NOW)
    assert [(e.line, e.column) for e in err.value.errors] == [
        (3, "post_id"), (4, "post_id"), (5, "last_name"), (6, "attendance"), (7, "minutes_attended")]
    assert "also appears on line 2" in str(err.value.errors[1])
    assert completions(db_session) == 0


def test_a_valid_roster_file_is_imported_and_credited(db_session, world):
    a, b = world.officers[:2]
    data = f"POST_ID,last_name\n{a.post_id},{a.last_name.upper()}\n{b.post_id},\n{world.outsider.post_id},\n".encode()
    ts = services.import_roster(db_session, actor=world.instructor,
                                course=world.course(db_session, "psp-arrest-and-control"), day=date(2026, 2, 20),
                                location="Regional academy", agency=world.agency, data=data, now=NOW,
                                also_open_to=[world.other_agency])
    assert ts.kind is SessionKind.IMPORTED and ts.status is SessionStatus.SUBMITTED
    assert completions(db_session) == 3
    assert {a.id for a in ts.agencies} == {world.agency.id, world.other_agency.id}


def test_an_imported_roster_keeps_to_its_agencies_and_describes_no_one_else(db_session, world):
    """The live session's rule: people of the host and of the agencies it names; nobody else is named."""
    outsider, course = world.outsider, world.course(db_session, "psp-arrest-and-control")
    data = f"post_id,last_name\n{world.officers[0].post_id},\n{outsider.post_id},Someone\nNO-SUCH-ID,\n".encode()
    with pytest.raises(CsvImportError) as err:
        services.import_roster(db_session, actor=world.instructor, course=course, day=NOW.date(),
                               location="Regional academy", agency=world.agency, data=data, now=NOW)
    messages = [e.message for e in err.value.errors]
    assert [e.line for e in err.value.errors] == [3, 4]
    # Someone of another agency gets the same answer as a POST ID nobody has: no name, no "belongs to".
    assert messages[0].replace(outsider.post_id, "X") == messages[1].replace("NO-SUCH-ID", "X")
    assert outsider.last_name not in " ".join(messages) and "belongs to" not in " ".join(messages)
    assert completions(db_session) == 0
    other_state = make_agency(db_session, jurisdiction="CO-POST", name="Denver PD")
    with pytest.raises(ValidationError, match="host's jurisdiction only"):
        services.import_roster(db_session, actor=world.instructor, course=course, day=NOW.date(),
                               location="Regional academy", agency=world.agency, data=data, now=NOW,
                               also_open_to=[other_state])


def test_a_roster_for_a_course_that_does_not_allow_it_is_refused(db_session, world):
    data = f"post_id\n{world.officers[0].post_id}\n".encode()
    with pytest.raises(services.NotFacilitableError):
        services.import_roster(db_session, actor=world.instructor, course=world.course(db_session,
                                                                                      "dv-response-update"),
                               day=NOW.date(), location="Elsewhere", agency=world.agency, data=data, now=NOW)
    with pytest.raises(ValidationError, match="future"):
        services.import_roster(db_session, actor=world.instructor, course=world.course(db_session,
                                                                                      "psp-arrest-and-control"),
                               day=NOW.date() + timedelta(days=2), location="Elsewhere", agency=world.agency,
                               data=data, now=NOW)
    assert completions(db_session) == 0


# ------------------------------------------------------------------------------------ make-ups


def test_absentees_get_a_make_up_that_an_online_completion_fulfils(db_session, world):
    ts = world.session(db_session)
    present, partial, absent, also_absent = world.officers
    for person in (present, partial):
        services.add_attendee_by_id(db_session, ts=ts, actor=world.instructor, person_id=person.id, now=NOW)
    services.mark_attendance(db_session, ts=ts, attendance_id=ts.attendances[1].id,
                             status=AttendanceStatus.PARTIAL.value, minutes=10)
    with pytest.raises(ConflictError, match="Submit the roster first"):
        services.assign_make_ups(db_session, ts=ts, actor=world.instructor, person_ids=None,
                                 due_on=date(2026, 4, 1), now=NOW)
    services.submit_roster(db_session, ts=ts, actor=world.instructor, now=NOW)
    absentees = {p.id for p in db_session.scalars(services.absentees_query(ts))}
    assert absentees == {partial.id, absent.id, also_absent.id}  # the instructor and the other agency are not

    with pytest.raises(ValidationError):
        services.assign_make_ups(db_session, ts=ts, actor=world.instructor, person_ids=[present.id],
                                 due_on=date(2026, 4, 1), now=NOW)
    manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=world.agency)
    outcome = services.assign_make_ups(db_session, ts=ts, actor=manager, person_ids=[absent.id],
                                       due_on=date(2026, 4, 1), now=NOW)
    assert outcome.assigned == 1
    everyone = services.assign_make_ups(db_session, ts=ts, actor=world.instructor, person_ids=None,
                                        due_on=date(2026, 4, 15), now=NOW)
    assert (everyone.assigned, everyone.already) == (2, 1)

    [(assignment, version)] = learning_queries.open_assignments(db_session, absent.id)
    assert assignment.due_on == date(2026, 4, 1) and version.title == "Vehicle Pursuit Policy Update"
    assert "Make-up for the briefing of 2 Mar 2026" in assignment.note
    complete_course(db_session, absent, "vehicle-pursuit-policy-update", now=NOW + timedelta(days=3))
    assert learning_queries.open_assignments(db_session, absent.id) == []


def test_a_make_up_due_in_the_past_is_refused(db_session, world):
    ts = world.session(db_session)
    services.add_attendee_by_id(db_session, ts=ts, actor=world.instructor, person_id=world.officers[0].id, now=NOW)
    services.submit_roster(db_session, ts=ts, actor=world.instructor, now=NOW)
    with pytest.raises(ValidationError, match="past"):
        services.assign_make_ups(db_session, ts=ts, actor=world.instructor, person_ids=None,
                                 due_on=date(2026, 3, 1), now=NOW)


def test_importing_the_same_roster_again_credits_no_one_twice(db_session, world):
    data = f"post_id\n{world.officers[0].post_id}\n".encode()
    course = world.course(db_session, "psp-arrest-and-control")
    services.import_roster(db_session, actor=world.instructor, course=course, day=NOW.date(), location="Academy",
                           agency=world.agency, data=data, now=NOW)
    with pytest.raises(CsvImportError) as err:
        services.import_roster(db_session, actor=world.instructor, course=course, day=NOW.date(),
                               location="Academy", agency=world.agency, data=data, now=NOW)
    assert "nothing is credited twice" in str(err.value.errors[0])
    assert completions(db_session) == 1


def test_people_outside_the_sessions_agencies_are_neither_added_nor_described(db_session, world):
    ts = world.session(db_session)
    with pytest.raises(NotFoundError) as err:
        services.add_attendee_by_id(db_session, ts=ts, actor=world.instructor, person_id=world.outsider.id, now=NOW)
    assert world.outsider.last_name not in err.value.message
    with pytest.raises(NotFoundError) as err:
        services.attendee_by_post_id(db_session, ts, world.outsider.post_id)
    assert world.outsider.last_name not in err.value.message
    world.officers[0].is_enabled = False
    with pytest.raises(ValidationError, match="disabled"):
        services.add_attendee_by_id(db_session, ts=ts, actor=world.instructor, person_id=world.officers[0].id, now=NOW)
    services.add_attendee_by_id(db_session, ts=ts, actor=world.instructor, person_id=world.officers[1].id, now=NOW)
    with pytest.raises(ValidationError, match="between 0 and 1440"):
        services.mark_attendance(db_session, ts=ts, attendance_id=ts.attendances[0].id, status="partial",
                                 minutes=10**12)


def test_odd_input_is_refused_not_crashed_on():
    assert codes.check(codes.new_secret(), "١٢٣٤٥٦", NOW) == "wrong"  # Arabic-Indic digits
    assert [as_id(t) for t in ("12", " 7 ", "²", "0", "9" * 30, None, "-3", True, 2**31, 2**31 - 1)] == [
        12, 7, None, None, None, None, None, None, None, 2**31 - 1]


def test_check_in_limits_last_for_their_window_only(db_session, world):
    policy = services.CheckInPolicy(person_max_failures=2, session_max_failures=3, window=timedelta(minutes=10))
    ts = world.session(db_session)

    def attempt(person, *, right: bool, at):
        code = services.current_code(ts, at).code
        return services.check_in(db_session, person=person, code=code if right else str((int(code) + 1) % 10**6)
                                 .zfill(6), now=at, session_id=ts.id, policy=policy)

    ana, ben, cleo, dev = world.officers
    for person in (ana, ana, ben):
        with pytest.raises(services.CheckInError):
            attempt(person, right=False, at=NOW)
    with pytest.raises(services.CheckInThrottledError, match="Try again after"):
        attempt(ana, right=True, at=NOW + timedelta(minutes=1))  # Ana's own two
    with pytest.raises(services.CheckInThrottledError, match="paused"):
        attempt(cleo, right=True, at=NOW + timedelta(minutes=1))  # the session's three
    later = NOW + timedelta(minutes=11)
    assert attempt(ana, right=True, at=later).created and attempt(cleo, right=True, at=later).created
    with pytest.raises(services.CheckInError):
        attempt(ben, right=False, at=later)
    assert (ts.check_in_failures, ts.check_in_failures_since) == (1, later)  # a new window starts at 1
    assert attempt(dev, right=True, at=later).created
