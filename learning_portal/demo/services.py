"""Load the demo agencies and accounts of DESIGN.md section 5, idempotently."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning_portal.accounts import history, passwords
from learning_portal.accounts.localdate import today_in
from learning_portal.accounts.models import Agency, Assignment, Jurisdiction, Person, RankTier, Role
from learning_portal.certification import services as certification
from learning_portal.certification.models import Presenter
from learning_portal.records.models import RecordSource
from learning_portal.records.services import RecordInput, write_record
from learning_portal.sessions.models import FacilitatorQualification

DEMO_PASSWORD = "demo-password"  # noqa: S105 - published demo credential, demo mode only


@dataclass(frozen=True)
class DemoAgency:
    key: str
    jurisdiction: str
    number: str
    name: str


@dataclass(frozen=True)
class DemoPerson:
    username: str
    post_id: str
    first_name: str
    last_name: str
    role: Role
    agency: str | None
    rank_tier: RankTier = RankTier.LINE
    assignment: Assignment = Assignment.PATROL
    hire_date: date | None = None
    is_reserve: bool = False
    is_clerical: bool = False
    promotion_date: date | None = None
    assigned_on: date | None = None


AGENCIES = (
    DemoAgency("ca", "CA-POST", "99001", "Demo Valley Police Department"),
    DemoAgency("co", "CO-POST", "99002", "Demo Springs Sheriff's Office"),
)

# The five contract accounts come first; the rest fill the agencies so lists and reports have people.
PEOPLE = (
    DemoPerson("officer", "D10001", "Alex", "Rivera", Role.OFFICER, "ca", hire_date=date(2019, 6, 3)),
    DemoPerson("dispatcher", "D10002", "Jordan", "Kim", Role.DISPATCHER, "ca",
               assignment=Assignment.DISPATCH, hire_date=date(2021, 2, 15)),
    DemoPerson("instructor", "D10003", "Sam", "Okafor", Role.INSTRUCTOR, "ca", rank_tier=RankTier.SUPERVISOR,
               assignment=Assignment.TRAINING, hire_date=date(2012, 9, 10)),
    DemoPerson("manager", "D10004", "Morgan", "Delgado", Role.TRAINING_MANAGER, "ca",
               rank_tier=RankTier.SUPERVISOR, assignment=Assignment.ADMINISTRATION, hire_date=date(2010, 1, 4)),
    DemoPerson("admin", "D10005", "Casey", "Nguyen", Role.ADMINISTRATOR, None,
               assignment=Assignment.ADMINISTRATION, hire_date=date(2015, 5, 18)),
    DemoPerson("ca-patrol-2", "D10006", "Taylor", "Brooks", Role.OFFICER, "ca", hire_date=date(2023, 8, 21)),
    DemoPerson("ca-traffic", "D10007", "Riley", "Chen", Role.OFFICER, "ca", assignment=Assignment.TRAFFIC,
               hire_date=date(2016, 3, 7), assigned_on=date(2025, 9, 1)),
    DemoPerson("ca-detective", "D10008", "Jamie", "Patel", Role.OFFICER, "ca",
               assignment=Assignment.INVESTIGATIONS, hire_date=date(2011, 11, 14)),
    DemoPerson("ca-sergeant", "D10009", "Avery", "Johnson", Role.OFFICER, "ca", rank_tier=RankTier.SUPERVISOR,
               hire_date=date(2009, 7, 1), promotion_date=date(2026, 5, 1)),
    DemoPerson("ca-lieutenant", "D10010", "Quinn", "Martinez", Role.OFFICER, "ca",
               rank_tier=RankTier.MIDDLE_MANAGEMENT, assignment=Assignment.ADMINISTRATION,
               hire_date=date(2005, 4, 25)),
    DemoPerson("ca-reserve", "D10011", "Drew", "Walker", Role.OFFICER, "ca", is_reserve=True,
               hire_date=date(2020, 10, 5)),
    DemoPerson("ca-custody", "D10012", "Parker", "Lopez", Role.OFFICER, "ca", assignment=Assignment.CUSTODY,
               hire_date=date(2018, 1, 22)),
    DemoPerson("ca-records", "D10013", "Emerson", "Hall", Role.OFFICER, "ca", is_clerical=True,
               assignment=Assignment.ADMINISTRATION, hire_date=date(2014, 6, 30)),
    DemoPerson("ca-dispatch-2", "D10014", "Rowan", "Young", Role.DISPATCHER, "ca",
               assignment=Assignment.DISPATCH, hire_date=date(2024, 4, 1)),
    DemoPerson("co-officer", "D20001", "Hayden", "Baker", Role.OFFICER, "co", hire_date=date(2017, 8, 14)),
    DemoPerson("co-manager", "D20002", "Reese", "Foster", Role.TRAINING_MANAGER, "co",
               rank_tier=RankTier.SUPERVISOR, assignment=Assignment.ADMINISTRATION, hire_date=date(2008, 2, 11)),
    DemoPerson("co-deputy", "D20003", "Skyler", "Ward", Role.OFFICER, "co", hire_date=date(2022, 5, 9)),
    DemoPerson("co-corporal", "D20004", "Finley", "Price", Role.OFFICER, "co", rank_tier=RankTier.SUPERVISOR,
               assignment=Assignment.CUSTODY, hire_date=date(2013, 9, 3)),
    DemoPerson("co-reserve", "D20005", "Sage", "Coleman", Role.OFFICER, "co", is_reserve=True,
               hire_date=date(2021, 12, 6)),
)


def load_demo(session: Session, *, now: datetime) -> tuple[int, int]:
    """Create whatever demo agencies and people are missing; returns (agencies, people) created."""
    agencies: dict[str, Agency] = {}
    created_agencies = 0
    for spec in AGENCIES:
        agency = session.scalar(select(Agency).where(Agency.jurisdiction == spec.jurisdiction,
                                                     Agency.number == spec.number))
        if agency is None:
            agency = Agency(jurisdiction=spec.jurisdiction, number=spec.number, name=spec.name, created_at=now)
            session.add(agency)
            created_agencies += 1
        agencies[spec.key] = agency
    session.flush()

    existing = set(session.scalars(select(Person.username).where(
        Person.username.in_([p.username for p in PEOPLE]))))
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    created: list[Person] = []
    for spec in PEOPLE:
        if spec.username in existing:
            continue
        created.append(Person(
            username=spec.username, post_id=spec.post_id, first_name=spec.first_name, last_name=spec.last_name,
            email=f"{spec.username}@example.org", role=spec.role, rank_tier=spec.rank_tier,
            assignment=spec.assignment, is_reserve=spec.is_reserve, is_clerical=spec.is_clerical,
            hire_date=spec.hire_date, promotion_date=spec.promotion_date, assigned_on=spec.assigned_on,
            agency_id=agencies[spec.agency].id if spec.agency else None,
            password_hash=password_hash, login_nonce=secrets.token_hex(8), created_at=now,
        ))
    session.add_all(created)
    session.flush()
    for person in created:
        history.begin(session, person, actor=None, now=now)
    _qualify_demo_instructor(session, now=now)
    _certification_desk(session, agencies["ca"], now=now)
    _training_history(session, now=now)
    return created_agencies, len(created)


DEMO_PRESENTER = "9990"


def _certification_desk(session: Session, agency: Agency, *, now: datetime) -> None:
    """The California agency presents courses (presenter 9990, its training manager coordinates them); the
    administrator is California's certification consultant."""
    if session.get(Jurisdiction, "CA-POST") is None:  # the content (and its jurisdictions) is not imported
        return
    if session.scalar(select(Presenter.id).where(Presenter.number == DEMO_PRESENTER)) is None:
        certification.add_presenter(session, number=DEMO_PRESENTER, name=f"{agency.name} Training Unit",
                                    jurisdiction="CA-POST", agency_id=agency.id)
    people = {p.username: p for p in session.scalars(select(Person).where(Person.username.in_(("manager", "admin"))))}
    if "manager" in people:
        certification.grant(session, person=people["manager"], role="coordinator", to=DEMO_PRESENTER, now=now)
    if "admin" in people:
        certification.grant(session, person=people["admin"], role="consultant", to="CA-POST", now=now)


def _qualify_demo_instructor(session: Session, *, now: datetime) -> None:
    """The demo instructor may facilitate the racial profiling update (Regulation 1070 qualification)."""
    instructor = session.scalar(select(Person).where(Person.username == "instructor"))
    if instructor is not None and session.scalar(select(FacilitatorQualification).where(
            FacilitatorQualification.person_id == instructor.id)) is None:
        session.add(FacilitatorQualification(person_id=instructor.id, qualification="racial_profiling",
                                             granted_at=now))
        session.flush()


# Training done before the portal, so the compliance pages show a realistic mix. The five contract accounts
# keep an empty history: their journeys start from nothing.
HISTORY = (
    ("ca-traffic", "9999-00108", "Arrest & Control (PSP)", "4", {"arrest_control": "4"}, ("CA-PSP-AC",), "2025-03-12"),
    ("ca-traffic", "9999-00109", "Tactical Firearms (PSP)", "4", {"firearms": "4"}, ("CA-PSP-TF",), "2025-06-02"),
    ("ca-traffic", "9999-00110", "Driver Training/Awareness (PSP)", "4", {"driving": "4"}, ("CA-PSP-DT",),
     "2025-09-18"),
    ("ca-traffic", "9999-00105", "First Aid/CPR/AED Retraining", "8", {"general": "8"},
     ("CA-LM-FA-2Y", "CA-CPT-24"), "2025-01-20"),
    ("ca-traffic", "9999-00111", "Use of Force & De-escalation (PSP)", "4", {"use_of_force": "4"}, ("CA-PSP-UOF",),
     "2026-02-10"),
    ("ca-detective", "9999-00103", "Courtroom Testimony & Report Credibility", "4", {"general": "4"},
     ("CA-CPT-24",), "2025-11-04"),
    ("ca-detective", "9999-00106", "Racial & Identity Profiling Update", "2", {"general": "2"},
     ("CA-LM-RIPA-5Y", "CA-CPT-24"), "2022-04-21"),
    ("ca-sergeant", "9999-00101", "Domestic Violence Response Update", "2", {"general": "2"},
     ("CA-LM-DV-2Y", "CA-CPT-24"), "2024-12-02"),
    ("co-deputy", "9999-00108", "Arrest & Control (PSP)", "4", {"arrest_control": "4"}, (), "2026-03-03"),
    ("co-deputy", "9999-00109", "Tactical Firearms (PSP)", "4", {"firearms": "4"}, (), "2026-05-14"),
)


# Annual training most of the agency keeps up with, dated from the year the demo is loaded in: last year's and
# this year's pursuit policy and bloodborne pathogens updates (California), Rule 28 hours (Colorado). Sage
# Coleman is short of this year's hours; Alex Rivera and Taylor Brooks, the officers the walkthroughs sign in
# as, start with empty profiles (and so are behind). The dashboard shows real overdue people, data gaps (no
# record on file from before the portal) and people on track.
CA_ANNUAL = ("ca-traffic", "ca-detective", "ca-sergeant", "ca-lieutenant", "ca-reserve", "ca-custody",
             "ca-records")
CO_ANNUAL = ("co-officer", "co-deputy", "co-corporal")
PURSUIT = ("9999-00107", "Vehicle Pursuit Policy Update", "2", {"general": "2"}, ("CA-LM-PURSUIT-1Y", "CA-CPT-24"))
BBP = ("9999-00150", "Bloodborne Pathogens Annual Update (agency course)", "1", {"general": "1"},
       ("CA-LM-BBP-1Y", "CA-CPT-24"))
RULE_28 = (("9999-00108", "Arrest & Control (PSP)", "4", {"arrest_control": "4"}, ()),
           ("9999-00109", "Tactical Firearms (PSP)", "4", {"firearms": "4"}, ()),
           ("9999-00110", "Driver Training/Awareness (PSP)", "4", {"driving": "4"}, ()),
           ("9999-00103", "Courtroom Testimony & Report Credibility", "12", {"general": "12"}, ()))
CO_315 = ("9999-00160", "C.R.S. 24-31-315 Mandated Topics (agency course)", "14",
          {"holds_restraints": "4", "anti_bias": "4", "community_policing": "2", "de_escalation": "2",
           "disabilities": "1", "mmir": "1"}, ("CO-315-5Y",))


def _annual_history(today: date) -> list[tuple]:
    rows = []
    for year in (today.year - 1, today.year):
        day = min(date(year, 2, 3), today)
        for username in CA_ANNUAL:
            rows += [(username, *PURSUIT, min(date(year, 3, 9), today).isoformat()), (username, *BBP, day.isoformat())]
        for username in CO_ANNUAL + ("co-reserve",) * (year < today.year):
            rows += [(username, *course, min(date(year, 2 + 2 * i, 10), today).isoformat())
                     for i, course in enumerate(RULE_28)]
    rows.append(("co-officer", *CO_315, date(today.year - 2, 9, 15).isoformat()))
    return rows


def _training_history(session: Session, *, now: datetime) -> None:
    # The earliest of the demo agencies' days, so that no record is dated tomorrow anywhere.
    today = min(today_in(session, a.jurisdiction, now) for a in AGENCIES)
    history = [*HISTORY, *_annual_history(today)]
    people = {p.username: p for p in session.scalars(select(Person).where(
        Person.username.in_({h[0] for h in history})))}
    for n, (username, number, title, hours, categories, satisfies, day) in enumerate(history):
        person = people.get(username)
        if person is None:
            continue
        write_record(session, data=RecordInput(
            person_id=person.id, course_number=number, title=title, hours=Decimal(hours),
            categories={k: Decimal(v) for k, v in categories.items()}, satisfies=satisfies,
            completed_on=date.fromisoformat(day), source=RecordSource.ROSTER), now=now,
            inbound_key=f"demo-history-{n}-{username}")
