"""Video items: watched intervals are checked against the video and the clock; coverage completes them."""

import shutil
from datetime import timedelta

import pytest

from learning_portal.catalog.models import ItemKind
from learning_portal.catalog.queries import get_course
from learning_portal.errors import ValidationError
from learning_portal.learning import services
from learning_portal.media.models import AssetStatus, MediaAsset
from tests.factories import NOW, TEST_CONTENT, load_content, make_person

VIDEO_ITEM = '''
[[items]]
kind = "video"
title = "Range safety video"
media = "test-clip"
coverage = 0.9

[[items]]
kind = "quiz"'''


@pytest.fixture
def video(db_session, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    manifest = root / "basic-course/course.toml"
    manifest.write_text(manifest.read_text().replace('\n[[items]]\nkind = "quiz"', VIDEO_ITEM, 1))
    load_content(db_session, root)
    db_session.add(MediaAsset(title="Test clip", slug="test-clip", original_filename="clip.mp4",
                              status=AssetStatus.READY, progress=100, duration_s=60.0, width=1280, height=720,
                              renditions=[], storage_prefix="videos/1", captions_key="videos/1/captions.vtt",
                              transcript="Keep the muzzle pointed in a safe direction.", is_published=True,
                              created_at=NOW, updated_at=NOW))
    course, version = get_course(db_session, "basic-course")
    person = make_person(db_session)
    enrollment, _ = services.enroll(db_session, person=person, course=course, now=NOW)
    item = next(i for i in version.items if i.kind is ItemKind.VIDEO)
    return person, enrollment, item


def report(db_session, enrollment, item, watched, position, at):
    return services.record_video_progress(db_session, enrollment=enrollment, item=item, watched=watched,
                                          position_s=position, now=NOW + timedelta(seconds=at))


def test_the_video_counts_once_enough_of_it_was_really_watched(db_session, video):
    _, enrollment, item = video
    services.open_video_session(db_session, enrollment=enrollment, item=item, now=NOW)
    assert not report(db_session, enrollment, item, [[0, 30]], 30, at=31).item_completed
    outcome = report(db_session, enrollment, item, [[30, 55]], 55, at=56)  # 55 of 60 s: over 90%
    assert outcome.item_completed
    progress = next(p for p in enrollment.progress if p.item_id == item.id)
    assert progress.watched == [[0.0, 55.0]] and progress.position_s == 55


@pytest.mark.parametrize(("watched", "at", "message"), [
    ([[0, 30]], 5, "only 5 s have passed"),
    ([[40, 50]], 60, "Skipping ahead is not allowed"),
    ([[0, 90]], 120, "past the end of the video"),
    ([[-2, 5]], 10, "cannot be negative"),
    ([[0, 10], [5, 15]], 20, "must not overlap"),
    ("all of it", 20, "must be a list of"),
])
def test_impossible_reports_are_refused_and_change_nothing(db_session, video, watched, at, message):
    _, enrollment, item = video
    services.open_video_session(db_session, enrollment=enrollment, item=item, now=NOW)
    with pytest.raises(ValidationError, match=message):
        report(db_session, enrollment, item, watched, 10, at=at)
    progress = next(p for p in enrollment.progress if p.item_id == item.id)
    assert progress.watched == [] and progress.completed_at is None


def test_the_api_takes_watched_intervals_for_videos(client, db_session, login_as, video):
    person, enrollment, item = video
    login_as(person)
    page = client.get(f"/learn/basic-course/items/{item.id}").data.decode()  # opens a viewing session
    assert 'id="player"' in page and 'kind="captions"' in page and "Keep the muzzle pointed" in page
    missing = client.post(f"/api/v1/items/{item.id}/progress", json={"viewed": True})
    assert missing.status_code == 422 and set(missing.json["error"]["details"]) == {"watched", "position_s"}
    too_fast = client.post(f"/api/v1/items/{item.id}/progress", json={"watched": [[0, 59]], "position_s": 59})
    assert too_fast.status_code == 422 and "have passed" in too_fast.json["error"]["message"]
    fine = client.post(f"/api/v1/items/{item.id}/progress", json={"watched": [[0, 1]], "position_s": 1})
    assert fine.status_code == 200 and fine.json["completed"] is False


def test_a_video_item_must_name_its_media(tmp_path):
    from learning_portal.content_import.parser import load_tree

    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    manifest = root / "basic-course/course.toml"
    manifest.write_text(manifest.read_text().replace('\n[[items]]\nkind = "quiz"', VIDEO_ITEM.replace(
        'media = "test-clip"', 'file = "lessons/01-first.md"').replace("0.9", "1.5"), 1))
    problems = [str(p) for p in load_tree(root).problems]
    assert any("a video item names its video" in p for p in problems)
    assert any("coverage is the share of the video" in p for p in problems)
    assert any("takes media, not file" in p for p in problems)


def test_the_lrs_hears_of_video_progress_in_tenths_not_per_report(db_session, video, xapi_on):
    from sqlalchemy import select

    from learning_portal.xapi.models import XapiStatement
    from learning_portal.xapi.statements import PROGRESS

    _, enrollment, item = video
    services.open_video_session(db_session, enrollment=enrollment, item=item, now=NOW)
    for second in range(5, 55, 5):  # a report every 5 s of a 60 s video, up to 50 s
        report(db_session, enrollment, item, [[second - 5, second]], second, at=second + 1)
    told = [(s.verb, (s.statement.get("result") or {}).get("extensions", {}).get(PROGRESS))
            for s in db_session.scalars(select(XapiStatement).order_by(XapiStatement.id))]
    assert told == [("launched", None), ("progressed", 16), ("progressed", 25), ("progressed", 33),
                    ("progressed", 41), ("progressed", 50), ("progressed", 66), ("progressed", 75),
                    ("progressed", 83)]
