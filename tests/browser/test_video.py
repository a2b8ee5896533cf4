"""An officer watches a training video in the browser; it counts only after real watching."""

import shutil
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from learning_portal.clock import utcnow
from learning_portal.content_import.importer import import_tree
from learning_portal.content_import.parser import load_tree
from learning_portal.db import session_factory
from learning_portal.media import jobs, services
from learning_portal.media.models import MediaAsset
from learning_portal.media.storage import app_storage
from tests.browser.accessibility import serious_violations
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in import sign_in
from tests.factories import TEST_CONTENT, make_clip

pytestmark = pytest.mark.browser
CAPTIONS = b"WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nKeep the muzzle pointed in a safe direction.\n\n" \
           b"00:00:03.000 --> 00:00:06.000\nKeep your finger off the trigger.\n"


@pytest.fixture(scope="module")
def video_course(live_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A 6-second clip ingested, captioned and published, shown by a course's video item."""
    tmp = tmp_path_factory.mktemp("video")
    clip = tmp / "clip.mp4"
    make_clip(clip, seconds=6, frequency=440)
    factory, storage = session_factory(live_app), app_storage(live_app)
    info = services.check_upload(clip, max_bytes=50 * 1024**2)
    with factory() as session:
        asset = services.create_asset(session, title="Range safety", filename="clip.mp4", now=utcnow(),
                                      slug="browser-clip")
        session.commit()
        asset_id = asset.id
    jobs.run_ingest(factory, storage, asset_id=asset_id, source=clip, info=info, now=utcnow)
    with factory() as session:
        asset = session.get(MediaAsset, asset_id)
        services.attach_captions(session, storage, asset=asset, data=CAPTIONS, now=utcnow())
        services.publish(session, asset=asset, now=utcnow())
        session.commit()
    root = tmp / "content"
    shutil.copytree(TEST_CONTENT, root)
    manifest = root / "basic-course/course.toml"
    manifest.write_text(manifest.read_text().replace('\n[[items]]\nkind = "quiz"', '''
[[items]]
kind = "video"
title = "Range safety video"
media = "browser-clip"
coverage = 0.9

[[items]]
kind = "quiz"''', 1))
    tree = load_tree(root)
    assert tree.ok, tree.problems
    with factory() as session:
        import_tree(session, tree, now=utcnow())
        session.commit()
    return "basic-course"


def test_the_video_counts_only_after_it_was_watched(page: Page, video_course: str):
    sign_in(page, {"phone": "ca-detective", "desktop": "ca-traffic"}[page.viewport_name])  # type: ignore[attr-defined]
    page.goto(f"/courses/{video_course}")
    page.get_by_role("button", name="Enroll and start").click()
    page.goto(f"/learn/{video_course}")
    page.get_by_role("link", name="Range safety video").click()
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
    expect(page.get_by_text("Keep your finger off the trigger.")).to_be_visible()
    assert serious_violations(page) == []
    video = page.locator("#player")
    video.evaluate("v => new Promise(r => v.readyState >= 1 ? r() : v.addEventListener('loadedmetadata', r))")
    video.evaluate("v => { v.currentTime = 4; }")  # try to skip ahead before watching
    page.wait_for_timeout(300)
    assert video.evaluate("v => v.currentTime") < 1
    expect(page.get_by_role("status")).to_contain_text("Skipping ahead is not possible")
    screenshot(page, "video")
    video.evaluate("v => { v.muted = true; return v.play(); }")
    # Adaptive streaming: hls.js feeds the video element through Media Source Extensions.
    assert video.evaluate("v => v.currentSrc").startswith("blob:")
    expect(page.get_by_role("status")).to_contain_text("Watched.", timeout=20_000)
    page.goto(f"/learn/{video_course}")
    row = page.get_by_role("listitem").filter(has_text="Range safety video")
    expect(row.get_by_text("Done")).to_be_visible()


def test_admin_uploads_a_video_sees_it_transcoded_captions_and_publishes_it(page: Page, tmp_path: Path):
    clip = tmp_path / f"briefing-{page.viewport_name}.mp4"  # type: ignore[attr-defined]
    make_clip(clip, seconds=4, frequency=330)
    captions = tmp_path / "briefing.vtt"
    captions.write_bytes(CAPTIONS.replace(b"00:00:06.000", b"00:00:04.000"))
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video")
    sign_in(page, "admin")
    page.get_by_role("link", name="Videos").click()
    assert serious_violations(page) == []
    page.get_by_label("Title").fill("Briefing clip")
    page.get_by_label("Video file").set_input_files(str(notes))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_contain_text("not a video file that can be played")

    page.get_by_label("Video file").set_input_files(str(clip))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url("**/admin/media/*")
    # The transcode runs in the background; the page follows its progress and shows the result.
    expect(page.get_by_text("Ready: 640x360 source")).to_be_visible(timeout=60_000)
    assert serious_violations(page) == []
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("alert")).to_contain_text("Add WebVTT captions before publishing")
    page.get_by_label("WebVTT file (.vtt)").set_input_files(str(captions))
    page.get_by_role("button", name="Add captions").click()
    expect(page.get_by_role("status")).to_contain_text("Captions added (2 cues)")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("is published")
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
    screenshot(page, "admin-video")
