"""Taking a course: the course page, enrolling, the course home (progress, resume), lessons, My learning."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, url_for
from sqlalchemy.orm.attributes import set_committed_value

from learning_portal.accounts.localdate import past_due, today_for
from learning_portal.catalog import queries as catalog
from learning_portal.catalog.models import ItemKind
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.errors import NotFoundError
from learning_portal.learning import queries, services
from learning_portal.learning.models import Enrollment
from learning_portal.media.views import hls_url
from learning_portal.web.auth import current_actor, login_required

bp = Blueprint("learning", __name__)


@bp.get("/courses/<slug>")
@login_required
def course_page(slug: str):
    session = get_session()
    course, version = catalog.get_course(session, slug)
    enrollment = services.latest_enrollment(session, person_id=current_actor().id, course_id=course.id)
    counts = services.progress_counts(enrollment) if enrollment else None
    rules = current_app.extensions["credit_rules"](session, version, current_actor())
    return render_template("learning/course.html", course=course, version=version, enrollment=enrollment,
                           counts=counts, categories=catalog.category_titles(session), rules=rules)


@bp.post("/courses/<slug>/enroll")
@login_required
def enroll(slug: str):
    session = get_session()
    course, _ = catalog.get_course(session, slug)
    enrollment, created = services.enroll(session, person=current_actor(), course=course, now=utcnow())
    session.commit()
    if created:
        flash("You are enrolled. Your progress is saved as you go.", "success")
    target = services.next_item(enrollment)
    if target is None:
        return redirect(url_for("learning.course_home", slug=slug))
    return redirect(item_url(slug, target.id, target.kind))


@bp.get("/learn/<slug>")
@login_required
def course_home(slug: str):
    session = get_session()
    enrollment = enrollment_or_redirect(session, slug)
    if not isinstance(enrollment, Enrollment):
        return enrollment
    done_ids = {p.item_id for p in enrollment.progress if p.completed_at is not None}
    return render_template("learning/course_home.html", enrollment=enrollment, version=enrollment.course_version,
                           done_ids=done_ids, counts=services.progress_counts(enrollment),
                           resume=services.next_item(enrollment),
                           completion=services.get_completion(session, enrollment))


@bp.get("/learn/<slug>/items/<int:item_id>")
@login_required
def item_page(slug: str, item_id: int):
    session = get_session()
    enrollment = enrollment_or_redirect(session, slug)
    if not isinstance(enrollment, Enrollment):
        return enrollment
    item = services.item_in_enrollment(enrollment, item_id)
    if item.kind is not ItemKind.LESSON and item.kind is not ItemKind.VIDEO:
        return redirect(item_url(slug, item.id, item.kind))
    first = services.waiting_on(enrollment, item)
    if first is not None:
        flash(f"This course is taken in order: finish “{first.title}” first.", "info")
        return redirect(item_url(slug, first.id, first.kind))
    asset = None
    if item.kind is ItemKind.VIDEO:
        asset = services.video_asset(session, item)
        progress = services.open_video_session(session, enrollment=enrollment, item=item, now=utcnow())
    else:
        progress = services.launch(session, enrollment=enrollment, item=item, now=utcnow())
        services.heartbeat(session, enrollment=enrollment, item=item, now=utcnow())  # time starts on opening
    session.commit()
    template = "learning/video.html" if asset else "learning/lesson.html"
    return render_template(template, progress=progress, asset=asset, hls=hls_url(asset) if asset else None,
                           **item_context(enrollment, item))


@bp.post("/learn/<slug>/items/<int:item_id>/heartbeat")
@login_required
def lesson_heartbeat(slug: str, item_id: int):
    """The lesson page is open and visible (lesson.js beats every 15 s): the server counts the time."""
    session = get_session()
    enrollment = enrollment_or_redirect(session, slug)
    if not isinstance(enrollment, Enrollment):
        raise NotFoundError("You are not enrolled in this course.")
    item = services.item_in_enrollment(enrollment, item_id)
    progress = services.heartbeat(session, enrollment=enrollment, item=item, now=utcnow())
    session.commit()
    return jsonify(active_s=round(progress.active_s), min_seconds=item.min_seconds)


@bp.post("/learn/<slug>/items/<int:item_id>/viewed")
@login_required
def lesson_viewed(slug: str, item_id: int):
    session = get_session()
    enrollment = enrollment_or_redirect(session, slug)
    if not isinstance(enrollment, Enrollment):
        return enrollment
    item = services.item_in_enrollment(enrollment, item_id)
    try:
        outcome = services.mark_lesson_viewed(session, enrollment=enrollment, item=item, now=utcnow())
    except (services.SeatTimeError, services.OutOfOrderError) as exc:
        session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("learning.item_page", slug=slug, item_id=item.id))
    session.commit()
    if outcome.course_completed:
        flash("Course complete. Well done.", "success")
        return redirect(url_for("learning.course_home", slug=slug))
    target = services.next_item(enrollment)
    if target is None or target.id == item.id:
        return redirect(url_for("learning.course_home", slug=slug))
    return redirect(item_url(slug, target.id, target.kind))


@bp.get("/my/learning")
@login_required
def my_learning():
    session = get_session()
    actor = current_actor()
    in_progress, completed = queries.my_enrollments(session, actor.id)
    assignments, today = queries.open_assignments(session, actor.id), today_for(session, actor, utcnow())
    return render_template("learning/my_learning.html", in_progress=in_progress, completed=completed,
                           counts={e.id: services.progress_counts(e) for e in in_progress}, assignments=assignments,
                           overdue={a.id for a, _ in assignments if past_due(a.due_on, today)})


def item_context(enrollment: Enrollment, item) -> dict:
    """What every item page shows around the item: where it stands in the course, and the way on."""
    items = enrollment.course_version.items
    index = items.index(item)
    return {"enrollment": enrollment, "item": item, "position": index + 1, "total": len(items),
            "previous": items[index - 1] if index else None,
            "following": items[index + 1] if index + 1 < len(items) else None,
            "counts": services.progress_counts(enrollment)}


def item_url(slug: str, item_id: int, kind: ItemKind) -> str:
    if kind is ItemKind.QUIZ:
        return url_for("quizzes.take", slug=slug, quiz_id=item_id)
    if kind is ItemKind.SCORM:
        return url_for("scorm.play", slug=slug, item_id=item_id)
    return url_for("learning.item_page", slug=slug, item_id=item_id)


def enrollment_or_redirect(session, slug: str):
    course, version = catalog.get_course(session, slug)
    enrollment = services.latest_enrollment(session, person_id=current_actor().id, course_id=course.id)
    if enrollment is None:
        flash("Enroll to start this course.", "info")
        return redirect(url_for("learning.course_page", slug=slug))
    if enrollment.course_version_id == version.id:  # the version and its items, loaded once
        set_committed_value(enrollment, "course_version", version)
    return enrollment
