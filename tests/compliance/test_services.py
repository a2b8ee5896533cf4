"""The stored evaluation agrees with the live one and goes stale when it should; exemptions, assigning and
agency isolation. Both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from learning_portal.accounts import people
from learning_portal.accounts.models import Assignment, RankTier, Role
from learning_portal.catalog.models import Requirement
from learning_portal.compliance import queries, services
from learning_portal.compliance.engine import applies, worded
from learning_portal.compliance.models import PersonEvaluation
from learning_portal.compliance.models import RequirementStatus as RS
from learning_portal.compliance.status import STATUSES
from learning_portal.errors import NotFoundError, PermissionDeniedError, ValidationError
from learning_portal.learning.models import CourseAssignment
from tests.compliance.conftest import TODAY_UTC, add_record
from tests.factories import make_person

TODAY = date(2026, 11, 1)


def stored(db, person, *, full: bool = False) -> dict:
    """Per requirement, the stored status (with ``full``: and the reason and hours, as the export reads them)."""
    defs = services.definitions(db, "CA-POST")
    status = queries.requirement_status(TODAY, defs.jurisdiction.due_soon_days)
    rows = db.execute(select(RS.requirement_id, status, RS.reason, RS.hours_done, RS.hours_needed)
                      .where(RS.person_id == person.id))
    return {r[0]: (r[1], worded(r[2], r[1]), r[3], r[4]) if full else r[1] for r in rows}


def live(db, person, *, full: bool = False) -> dict:
    """The live statuses of the requirements whose audience includes the person."""
    standings, defs = services.evaluate_person(db, person, now=TODAY_UTC)
    audience = {r.id: r.rule.audience for r in defs.requirements}
    return {s.requirement.id: (s.status, s.reason, s.finding.hours_done, s.finding.hours_needed) if full else s.status
            for s in standings if applies(audience[s.requirement.id], services.person_facts(person))}


def refresh_central(db, world) -> int:
    defs = services.definitions(db, "CA-POST")
    return services.ensure_fresh(db, agency_ids=[world.central.id], defs=defs, now=TODAY_UTC)


def test_live_evaluation_gives_each_person_their_reasons(db_session, world):
    standings, _ = services.evaluate_person(db_session, world.ana, now=TODAY_UTC)
    by_id = {s.requirement.id: s for s in standings}
    assert by_id["CA-CPT-24"].status == "compliant" and by_id["CA-CPT-24"].finding.done
    assert by_id["CA-PSP-AC"].status == "due_soon"
    assert by_id["CA-PSP-SC"].status == "compliant"
    assert by_id["CA-PSD-CPT"].status == "not_applicable"  # a dispatcher requirement
    # Never done, hired 2015: a data gap (records start 1 Jan 2025), due by 1 Jan 2027 whatever was done before.
    assert by_id["CA-LM-FA-2Y"].status == "due_soon" and by_id["CA-LM-FA-2Y"].finding.gap
    assert by_id["CA-LM-FA-2Y"].finding.due_on == date(2027, 1, 1)
    # worst first: bloodborne pathogens is annual, and nothing is on file since 2025
    assert standings[0].status == "overdue" and standings[0].requirement.id == "CA-LM-BBP-1Y"
    cleo = {s.requirement.id: s.status for s in services.evaluate_person(db_session, world.cleo, now=TODAY_UTC)[0]}
    assert cleo["CA-PSP-AC"] == "not_applicable" and cleo["CA-CPT-24"] == "due_soon"


def test_stored_statuses_match_the_live_evaluation_for_everyone(db_session, world):
    assert refresh_central(db_session, world) == len(world.central_people)
    for person in world.central_people:
        assert stored(db_session, person, full=True) == live(db_session, person, full=True), person.first_name
    assert refresh_central(db_session, world) == 0  # nothing stale now


def test_a_new_training_record_makes_only_that_person_stale(db_session, world):
    refresh_central(db_session, world)
    add_record(db_session, world.ben, date(2026, 10, 1), 14, "CA-CPT-24", general=14)
    db_session.flush()
    assert refresh_central(db_session, world) == 1
    assert stored(db_session, world.ben)["CA-CPT-24"] == "compliant"


def test_a_disabled_account_leaves_the_summaries_and_comes_back_when_enabled(db_session, world):
    defs = services.definitions(db_session, "CA-POST")

    def counted() -> tuple[int, int]:
        refresh_central(db_session, world)
        summary = queries.agency_summary(db_session, [world.central.id], defs=defs, today=TODAY)
        overview = {line.agency.id: line.people for line in
                    queries.agencies_overview(db_session, "CA-POST", defs=defs, today=TODAY)}
        assert overview[world.central.id] == sum(summary.overall.values())
        return sum(summary.overall.values()), sum(summary.by_requirement["CA-CPT-24"].values())

    people, cpt = counted()
    world.ben.is_enabled = False
    db_session.flush()
    assert counted() == (people - 1, cpt - 1)
    world.ben.is_enabled = True
    db_session.flush()
    assert counted() == (people, cpt)


def test_a_change_to_the_person_makes_them_stale(db_session, world):
    refresh_central(db_session, world)
    world.cleo.assignment = Assignment.PATROL
    db_session.flush()
    assert refresh_central(db_session, world) == 1
    assert stored(db_session, world.cleo)["CA-PSP-AC"] == "due_soon"


def test_a_changed_requirement_makes_everyone_stale(db_session, world):
    refresh_central(db_session, world)
    rule = dict(db_session.get(Requirement, "CA-CPT-24").rule, hours="40")
    db_session.execute(update(Requirement).where(Requirement.id == "CA-CPT-24").values(rule=rule))
    db_session.expire_all()
    assert refresh_central(db_session, world) == len(world.central_people)
    assert stored(db_session, world.ana)["CA-CPT-24"] == "due_soon"  # 24 of 40 now


def test_a_new_cycle_makes_the_stored_evaluation_stale(db_session, world):
    refresh_central(db_session, world)
    defs = services.definitions(db_session, "CA-POST")
    assert services.stale_people(db_session, agency_ids=[world.central.id], defs=defs, today=TODAY) == []
    stale = services.stale_people(db_session, agency_ids=[world.central.id], defs=defs, today=date(2027, 1, 1))
    assert set(stale) >= {world.ana.id, world.ben.id}


def test_exemptions_by_a_manager_for_their_own_people_only(db_session, world):
    refresh_central(db_session, world)
    services.grant_exemption(db_session, actor=world.manager, person=world.ben, requirement_ids=["CA-PSP-AC"],
                             kind="leave", reason="Medical leave", starts_on=TODAY - timedelta(days=30),
                             ends_on=None, now=TODAY_UTC)
    assert refresh_central(db_session, world) == 1
    assert stored(db_session, world.ben)["CA-PSP-AC"] == "exempt"
    with pytest.raises(PermissionDeniedError):
        services.grant_exemption(db_session, actor=world.harbor_manager, person=world.ben,
                                 requirement_ids=["CA-PSP-AC"], kind="leave", reason="Not mine", starts_on=TODAY,
                                 ends_on=None, now=TODAY_UTC)
    with pytest.raises(PermissionDeniedError):
        services.grant_exemption(db_session, actor=world.manager, agency=world.central, requirement_ids=["CA-PSP-AC"],
                                 kind="psp_exemption", reason="Agencies ask the commission", starts_on=TODAY,
                                 ends_on=None, now=TODAY_UTC)
    with pytest.raises(ValidationError) as bad:
        services.grant_exemption(db_session, actor=world.manager, person=world.ben, requirement_ids=["CO-315-5Y"],
                                 kind="leave", reason="x", starts_on=TODAY, ends_on=TODAY - timedelta(days=1),
                                 now=TODAY_UTC)
    assert set(bad.value.details) == {"reason", "ends_on", "requirement_ids"}


def test_exemptions_are_recorded_only_on_the_jurisdiction_s_grounds(db_session, world):
    colorado_manager = make_person(db_session, role=Role.TRAINING_MANAGER, agency=world.colorado)
    defs = services.definitions(db_session, "CO-POST")
    assert list(defs.grounds) == ["partial_year", "military_leave", "medical_leave", "perishable_skills_waiver"]

    def grant(kind, *requirements):
        return services.grant_exemption(db_session, actor=colorado_manager, person=world.cody, kind=kind,
                                        requirement_ids=list(requirements), reason="Orders dated 3 Jan 2026",
                                        starts_on=date(2026, 1, 5), ends_on=date(2026, 4, 30), now=TODAY_UTC)

    with pytest.raises(ValidationError) as unknown:  # "sabbatical" is not a Rule 28 ground
        grant("sabbatical", "CO-R28-ANNUAL")
    assert unknown.value.details["kind"].startswith("Choose one of the grounds CO-POST allows: Partial-year")
    with pytest.raises(ValidationError) as outside:  # no waiver of the 24-31-315 topics is listed
        grant("medical_leave", "CO-R28-ANNUAL", "CO-315-5Y")
    assert outside.value.details["requirement_ids"] == (
        "Medical leave does not cover CO-315-5Y; it covers CO-R28-ANNUAL, CO-R28-PERISH.")
    with pytest.raises(ValidationError):  # a perishable-skills waiver is not a waiver of the 24 hours
        grant("perishable_skills_waiver", "CO-R28-ANNUAL")

    made = grant("military_leave", "CO-R28-ANNUAL", "CO-R28-PERISH")
    assert [(e.requirement_id, e.kind) for e in made] == [("CO-R28-ANNUAL", "military_leave"),
                                                          ("CO-R28-PERISH", "military_leave")]
    standings, _ = services.evaluate_person(db_session, world.cody, now=datetime(2026, 3, 1, 18, tzinfo=UTC))
    annual = next(s for s in standings if s.requirement.id == "CO-R28-ANNUAL")
    assert annual.status == "exempt"
    assert annual.reason == "Exempt until 30 Apr 2026: Military leave; Orders dated 3 Jan 2026"


def test_a_person_who_moves_agency_role_or_jurisdiction_mid_cycle_is_judged_where_they_are_now(db_session, world):
    services.grant_exemption(db_session, actor=world.admin, agency=world.central, requirement_ids=["CA-PSP-AC"],
                             kind="psp_exemption", reason="Letter of 2 Jan 2025", starts_on=date(2025, 1, 1),
                             ends_on=None, now=TODAY_UTC)
    refresh_central(db_session, world)
    assert stored(db_session, world.ben, full=True)["CA-CPT-24"][2] == 10 and \
        stored(db_session, world.ben)["CA-PSP-AC"] == "exempt"

    # a transfer: his records go with him, Central's exemption does not
    people.transfer_person(db_session, actor=world.admin, person=world.ben, agency_id=world.harbor.id, on=None,
                           now=TODAY_UTC)
    defs = services.definitions(db_session, "CA-POST")
    assert world.ben.id not in services.stale_people(db_session, agency_ids=[world.central.id], defs=defs,
                                                     today=TODAY)
    services.ensure_fresh(db_session, agency_ids=[world.harbor.id], defs=defs, now=TODAY_UTC)
    moved = stored(db_session, world.ben, full=True)
    assert moved["CA-CPT-24"][0] == "due_soon" and moved["CA-CPT-24"][2] == 10
    assert moved["CA-PSP-AC"][0] == "due_soon"
    central_people = {r.person.id for r in queries.people_page(
        db_session, world.central.id, queries.PeopleFilter(), defs=defs, today=TODAY, page=1, per_page=50)[0]}
    assert world.ben.id not in central_people

    people.edit_person(db_session, actor=world.admin, person=world.ben,  # reclassified
                       edit=people.PersonEdit(role="dispatcher", other_roles=[], assignment="dispatch",
                                              other_assignments=[]), now=TODAY_UTC)
    services.ensure_fresh(db_session, agency_ids=[world.harbor.id], defs=defs, now=TODAY_UTC)
    dispatcher = stored(db_session, world.ben)  # requirements that do not apply are not stored
    assert "CA-PSP-AC" not in dispatcher and "CA-PSD-CPT" in dispatcher

    people.edit_person(db_session, actor=world.admin, person=world.ben,
                       edit=people.PersonEdit(role="officer", other_roles=[], assignment="patrol",
                                              other_assignments=[]), now=TODAY_UTC)
    # to Colorado: Rule 28 counts his 2026 hours toward 2026 (the records are his)
    people.transfer_person(db_session, actor=world.admin, person=world.ben, agency_id=world.colorado.id, on=None,
                           now=TODAY_UTC)
    standings, co = services.evaluate_person(db_session, world.ben, now=TODAY_UTC)
    annual = next(s for s in standings if s.requirement.id == "CO-R28-ANNUAL")
    assert co.jurisdiction.code == "CO-POST" and annual.finding.hours_done == 10
    assert "10 of 24 hours for 2026; 14 to go." in annual.reason
    # (Whether he owed Colorado's 2025 year depends on when he joined it: the person's history, issue 21.)


def test_an_agency_exemption_covers_everyone_in_it_until_revoked(db_session, world):
    refresh_central(db_session, world)
    made = services.grant_exemption(db_session, actor=world.admin, agency=world.central,
                                    requirement_ids=["CA-PSP-AC", "CA-PSP-DT"], kind="psp_exemption",
                                    reason="No marked vehicles",
                                    starts_on=date(2025, 1, 1), ends_on=None, now=TODAY_UTC)
    refresh_central(db_session, world)
    assert stored(db_session, world.ana)["CA-PSP-AC"] == "exempt"
    assert stored(db_session, world.ben)["CA-PSP-DT"] == "exempt"
    with pytest.raises(NotFoundError):
        services.revoke_exemption(db_session, actor=world.manager, exemption_id=made[0].id, now=TODAY_UTC)
    services.revoke_exemption(db_session, actor=world.admin, exemption_id=made[0].id, now=TODAY_UTC)
    refresh_central(db_session, world)
    assert stored(db_session, world.ana)["CA-PSP-AC"] == "due_soon"


def test_a_manager_never_reaches_another_agency(db_session, world):
    with pytest.raises(NotFoundError):
        services.agency_for(db_session, world.manager, world.harbor.id)
    with pytest.raises(NotFoundError):
        services.person_for(db_session, world.manager, world.erin.id)
    with pytest.raises(NotFoundError):
        services.agency_for(db_session, world.ana, world.central.id)  # an officer has no dashboard
    assert services.agency_for(db_session, world.admin, world.harbor.id) == world.harbor
    defs = services.definitions(db_session, "CA-POST")
    services.ensure_fresh(db_session, agency_ids=[world.central.id, world.harbor.id], defs=defs, now=TODAY_UTC)
    rows, total = queries.people_page(db_session, world.central.id, queries.PeopleFilter(), defs=defs,
                                      today=TODAY, page=1, per_page=50)
    assert {r.person.id for r in rows} == {p.id for p in world.central_people} and total == 5


def test_the_people_table_filters_sorts_and_pages(db_session, world):
    defs = services.definitions(db_session, "CA-POST")
    refresh_central(db_session, world)

    def names(**kwargs):
        rows, _ = queries.people_page(db_session, world.central.id, queries.PeopleFilter(**kwargs), defs=defs,
                                      today=TODAY, page=1, per_page=50)
        return [r.person.first_name for r in rows]

    assert names(requirement="CA-CPT-24", status="due_soon", sort="name") == ["Ben", "Cleo"]
    assert names(requirement="CA-CPT-24", status="compliant") == ["Ana"]
    assert names(requirement="CA-PSD-CPT") == ["Dee"]
    assert names(q="alv") == ["Ana"]
    assert names(assignment="custody") == ["Cleo"]
    assert names(rank="supervisor") == ["Morgan"]
    rows, _ = queries.people_page(db_session, world.central.id, queries.PeopleFilter(requirement="CA-CPT-24",
                                                                                       sort="name"),
                                  defs=defs, today=TODAY, page=1, per_page=50)
    assert rows[1].reason == "10 of 24 hours for 2025-2026; 14 to go; due 31 Dec 2026."
    first, total = queries.people_page(db_session, world.central.id, queries.PeopleFilter(sort="name"), defs=defs,
                                       today=TODAY, page=2, per_page=2)
    assert total == 5 and [r.person.first_name for r in first] == ["Cleo", "Dee"]


def test_the_totals_read_from_the_summary_are_the_counted_ones(db_session, world):
    defs = services.definitions(db_session, "CA-POST")
    world.dee.is_enabled = False  # a disabled account counts in neither
    db_session.flush()
    refresh_central(db_session, world)
    summary = queries.agency_summary(db_session, [world.central.id], defs=defs, today=TODAY)
    for requirement in (None, *defs.titles):
        for status in (None, *STATUSES):
            for extra in ({}, {"q": "a"}):
                f = queries.PeopleFilter(requirement=requirement, status=status, **extra)
                page = dict(defs=defs, today=TODAY, page=1, per_page=2)
                _, read = queries.people_page(db_session, world.central.id, f, summary=summary, **page)
                _, counted = queries.people_page(db_session, world.central.id, f, **page)
                assert read == counted, f
    assert queries.summary_count(summary, queries.PeopleFilter()) == 4


def test_the_summary_counts_each_requirement(db_session, world):
    defs = services.definitions(db_session, "CA-POST")
    refresh_central(db_session, world)
    summary = queries.agency_summary(db_session, [world.central.id], defs=defs, today=TODAY)
    assert summary.by_requirement["CA-CPT-24"] == {"compliant": 1, "due_soon": 2}  # Ana; Ben, Cleo
    assert summary.by_requirement["CA-PSD-CPT"] == {"due_soon": 1}
    assert sum(summary.overall.values()) == 5


def test_the_summary_is_counted_again_exactly_when_a_status_changes(db_session, world):
    """Summaries are kept between views; any change to the agency's statuses (here: a record, a move to
    another agency, a purge) must show in the next one."""
    defs = services.definitions(db_session, "CA-POST")

    def summary() -> queries.Summary:
        refresh_central(db_session, world)
        services.ensure_fresh(db_session, agency_ids=[world.harbor.id], defs=defs, now=TODAY_UTC)
        return queries.agency_summary(db_session, [world.central.id], defs=defs, today=TODAY)

    first = summary()
    assert first.by_requirement["CA-CPT-24"] == {"compliant": 1, "due_soon": 2}
    assert summary() is first  # nothing changed: not counted again
    add_record(db_session, world.ben, date(2026, 10, 1), 14, "CA-CPT-24", general=14)
    db_session.flush()
    assert summary().by_requirement["CA-CPT-24"] == {"compliant": 2, "due_soon": 1}

    def statewide() -> tuple[int, int]:
        lines = {line.agency.id: line.people for line in
                 queries.agencies_overview(db_session, "CA-POST", defs=defs, today=TODAY)}
        return lines[world.central.id], lines[world.harbor.id]

    assert statewide() == (5, 2)
    world.ben.agency_id = world.harbor.id  # moved: the agency he left sees it too
    db_session.flush()
    assert summary().by_requirement["CA-CPT-24"] == {"compliant": 1, "due_soon": 1}
    assert sum(summary().overall.values()) == 4
    assert statewide() == (4, 3)  # the statewide lines follow too
    services.forget(db_session, world.ana.id)  # the retention purge
    assert queries.agency_summary(db_session, [world.central.id], defs=defs, today=TODAY).by_requirement[
        "CA-CPT-24"] == {"due_soon": 1}


def test_the_export_has_a_row_per_person_and_requirement(db_session, world):
    defs = services.definitions(db_session, "CA-POST")
    refresh_central(db_session, world)
    rows = list(queries.export_rows(db_session, world.central.id, queries.PeopleFilter(requirement="CA-CPT-24"),
                                    defs=defs, today=TODAY))
    assert [r[2] for r in rows] == ["Ana", "Ben", "Cleo"]  # Morgan manages: not an officer
    assert rows[2][3:5] == (world.cleo.rank_tier.value, "custody")
    assert rows[1][5:11] == ("CA-CPT-24", "Continuing Professional Training (24 hours per cycle)", "due_soon", "10",
                             "24", "2026-12-31")


def test_assigning_a_course_to_people_selected(db_session, world):
    result = services.assign_course(db_session, actor=world.manager, agency=world.central,
                                    person_ids=[world.ana.id, world.ben.id], course_slug="psp-arrest-and-control",
                                    due_on=TODAY + timedelta(days=30), note="Before year end", now=TODAY_UTC)
    assert result.assigned == 2
    again = services.assign_course(db_session, actor=world.manager, agency=world.central, person_ids=[world.ana.id],
                                   course_slug="psp-arrest-and-control", due_on=TODAY + timedelta(days=30), note="",
                                   now=TODAY_UTC)
    assert again.already == 1
    with pytest.raises(ValidationError):
        services.assign_course(db_session, actor=world.manager, agency=world.central, person_ids=[world.erin.id],
                               course_slug="psp-arrest-and-control", due_on=TODAY, note="", now=TODAY_UTC)
    with pytest.raises(NotFoundError):
        services.assign_course(db_session, actor=world.harbor_manager, agency=world.central,
                               person_ids=[world.ana.id], course_slug="psp-arrest-and-control", due_on=TODAY,
                               note="", now=TODAY_UTC)
    assert db_session.scalar(select(CourseAssignment).where(CourseAssignment.person_id == world.erin.id)) is None


def test_colorado_people_are_judged_by_colorado_rules(db_session, world):
    standings, defs = services.evaluate_person(db_session, world.cody, now=TODAY_UTC)
    assert defs.jurisdiction.code == "CO-POST"
    assert {s.requirement.id for s in standings} == {"CO-R28-ANNUAL", "CO-R28-PERISH", "CO-315-5Y"}
    by_id = {s.requirement.id: s for s in standings}
    assert by_id["CO-R28-ANNUAL"].finding.period == "2026"


def test_people_without_an_agency_have_no_requirements(db_session, world):
    with pytest.raises(NotFoundError):
        services.evaluate_person(db_session, world.admin, now=TODAY_UTC)


def test_the_refresh_command_evaluates_everyone_stale(app, db_session, world):
    result = app.test_cli_runner().invoke(args=["compliance", "refresh", "--jurisdiction", "CA-POST"])
    assert result.exit_code == 0, result.output
    assert "CA-POST: 7 people re-evaluated." in result.output  # Central's five and Harbor's two
    again = app.test_cli_runner().invoke(args=["compliance", "refresh", "--jurisdiction", "CA-POST"])
    assert "CA-POST: 0 people re-evaluated." in again.output


def test_a_missing_trigger_date_is_a_data_problem_the_manager_can_filter(db_session, world):
    undated = make_person(db_session, agency=world.central, first_name="Una", rank_tier=RankTier.SUPERVISOR,
                          promotion_date=None)
    refresh_central(db_session, world)
    assert stored(db_session, undated)["CA-SUP-80"] == "missing_date"  # no promotion date to count from
    defs = services.definitions(db_session, "CA-POST")
    rows, total = queries.people_page(db_session, world.central.id,
                                      queries.PeopleFilter(requirement="CA-SUP-80", status="missing_date"), defs=defs,
                                      today=TODAY, page=1, per_page=50)
    assert [r.person.id for r in rows] == [undated.id] and total == 1
    summary = queries.count_summary(db_session, [world.central.id], defs=defs, today=TODAY)
    assert summary.by_requirement["CA-SUP-80"]["missing_date"] == 1


def test_concurrent_refreshes_of_the_same_people_all_succeed(request, backend, tmp_path):
    """Two dashboards opened at once both store the same stale people: neither fails (no deadlock, no
    duplicate), and the stored statuses are complete."""
    import threading

    from sqlalchemy.orm import sessionmaker

    from learning_portal import migrate
    from learning_portal.db import make_engine
    from learning_portal.demo import generate
    from tests.conftest import fresh_database_url
    from tests.factories import REAL_CONTENT, load_content

    engine = make_engine(fresh_database_url(request, backend, tmp_path))
    migrate.upgrade(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as db:
        load_content(db, REAL_CONTENT, slugs=None)
        db.commit()
    ids = generate.generate(engine, generate.Sizes(people=400, agencies=1, records_per_person=3), now=TODAY_UTC)
    errors, barrier = [], threading.Barrier(3)

    def dashboard() -> None:
        try:
            barrier.wait(timeout=30)
            with factory() as db:
                defs = services.definitions(db, "CA-POST")
                services.ensure_fresh(db, agency_ids=ids, defs=defs, now=TODAY_UTC)
                db.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=dashboard) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    with factory() as db:
        assert db.scalar(select(func.count()).select_from(PersonEvaluation)) == 400
    engine.dispose()
