"""What a learner must do for credit, in plain words, from the course version's data (order, lesson time,
videos, the assessment's rules) and the person's jurisdiction (whether a repeat earns CPT again). The course
page and ``GET /api/v1/courses/{slug}`` both say it (through ``app.extensions["credit_rules"]``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning_portal import refdata
from learning_portal.accounts.localdate import today_for, today_in
from learning_portal.accounts.models import Jurisdiction, Person
from learning_portal.catalog.models import CourseVersion, CreditMode, ItemKind
from learning_portal.certification import services as certification
from learning_portal.clock import utcnow
from learning_portal.credits.eligibility import assignment_credit
from learning_portal.formatting import human_date
from learning_portal.quizzes.models import LatePolicy, Quiz, Review


def credit_rules(session: Session, version: CourseVersion, person: Person | None = None) -> list[str]:
    # A version's items change only with its content hash; its quizzes are read afresh by the loader.
    lines = list(refdata.cached(session, ("credit_rules", version.id, version.content_hash),
                                lambda: _course_rules(session, version)))
    if version.credit_mode is not CreditMode.NONE:
        until = certification.certified_until(session, {version.course_id}).get(version.course_id)
        if until is not None:
            today = today_for(session, person, utcnow()) if person else today_in(session, None, utcnow())
            lines.append(f"Certification: ended on {human_date(until)}; completing the course now earns no CPT hours."
                         if today > until else f"Certification: certified through {human_date(until)}; "
                         "completions after that day earn no CPT hours.")
    if person is not None and person.agency is not None and version.credit_mode is not CreditMode.NONE:
        j = session.get(Jurisdiction, person.agency.jurisdiction)
        if j is not None and not j.repeat_credit_in_cycle:
            _, repeat = assignment_credit(session, version, [person.id], j, today=j.local_date(utcnow()),
                                          credit_samples=True)
            mine = repeat.get(person.id)
            lines.append(f"Taking it again: {mine[0].lower()}{mine[1:]}" if mine else
                         f"Taking it again: {j.code} credits a course's CPT hours once per {j.cycle_months}-month "
                         "cycle; a repeat in the same cycle is recorded without CPT hours.")
    return lines


def _course_rules(session: Session, version: CourseVersion) -> tuple[str, ...]:
    """What the course version asks of everyone (the same for every learner: cached per catalogue version)."""
    lines = []
    if version.in_order:
        lines.append("Take the items in order: each opens when the required ones before it are done, and the "
                     "assessment when all of them are.")
    timed = [i for i in version.items if i.kind is ItemKind.LESSON and i.min_seconds]
    if timed:
        least = min(i.min_seconds for i in timed) / 60
        most = max(i.min_seconds for i in timed) / 60
        span = f"{least:g}" if least == most else f"{least:g} to {most:g}"
        lines.append(f"Spend at least {span} minutes on each timed lesson: the portal counts the time the page is "
                     "open in front of you.")
    videos = [i for i in version.items if i.kind is ItemKind.VIDEO and i.is_required]
    if videos:
        share = min(round((i.coverage or 0.95) * 100) for i in videos)
        lines.append(f"Watch at least {share}% of each video; skipping ahead does not count.")
    quizzes = {q.id: q for q in session.scalars(select(Quiz).where(Quiz.id.in_(
        [i.id for i in version.items if i.kind is ItemKind.QUIZ])).execution_options(populate_existing=True))}
    for item in version.items:
        quiz = quizzes.get(item.id)
        if quiz is not None:
            lines.append(f"{item.title}: {_quiz_words(quiz)}")
    return tuple(lines)


def _quiz_words(quiz: Quiz) -> str:
    asked = sum(quiz.draw.values()) if quiz.draw else len(quiz.questions)
    parts = [f"pass with {quiz.pass_mark}% on {asked} questions"
             + (f" drawn from {len(quiz.questions)}, a fresh set each attempt" if quiz.draw else "")]
    parts.append(f"{quiz.max_attempts} attempt{'s' if quiz.max_attempts != 1 else ''}" if quiz.max_attempts
                 else "attempts without limit")
    if quiz.time_limit_minutes:
        late = ("answers saved in time are graded" if quiz.late is LatePolicy.GRADE_ON_TIME
                else "a late submission counts as a failed attempt")
        parts.append(f"{quiz.time_limit_minutes} minutes per attempt, kept by the server ({late}; extra time "
                     "where your training manager has granted it)")
    parts.append({Review.SCORE: "afterwards you see your score only",
                  Review.WRONG: "afterwards you see which questions were wrong, never the answers",
                  Review.ANSWERS_AFTER_PASS: "the right answers are shown once you pass",
                  Review.ANSWERS: "the right answers are shown after each attempt"}[quiz.review])
    return "; ".join(parts) + "."
