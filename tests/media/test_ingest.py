"""Ingest with real ffmpeg: probing refuses what cannot play; transcoding stores HLS, MP4 and poster."""

import pytest
from sqlalchemy import func, select

from learning_portal.clock import utcnow
from learning_portal.errors import ConflictError, ValidationError
from learning_portal.media import jobs, services
from learning_portal.media.models import AssetStatus, MediaAsset

MAX = 50 * 1024**2


def test_a_good_clip_probes(clips):
    info = services.check_upload(clips["good"], max_bytes=MAX)
    assert (info.width, info.height, info.has_audio) == (320, 240, True) and info.duration_s == pytest.approx(4, 0.1)


@pytest.mark.parametrize(("name", "reason"), [
    ("notes", "not a video file that can be played"),
    ("truncated", "not a video file that can be played"),
    ("truncated-faststart", "damaged or incomplete near its end"),
    ("audio", "no video picture"),
    ("still", "no duration"),
])
def test_files_that_cannot_play_are_refused_with_the_reason(clips, name, reason):
    with pytest.raises(services.NotAVideoError, match=reason):
        services.check_upload(clips[name], max_bytes=MAX)


def test_files_over_the_limit_are_refused(clips):
    with pytest.raises(ValidationError, match="the limit is"):
        services.check_upload(clips["good"], max_bytes=1024)


def ingest(app, db_session, storage, clip):
    info = services.check_upload(clip, max_bytes=MAX)
    asset = services.create_asset(db_session, title="  Range   safety  ", filename=clip.name, now=utcnow())
    progress = []
    status = jobs.run_ingest(app.extensions["db_sessionmaker"], storage, asset_id=asset.id, source=clip,
                                 info=info, now=utcnow, on_progress=progress.append)
    db_session.refresh(asset)
    return status, asset, progress


def test_ingest_stores_two_hls_renditions_an_mp4_and_a_poster(app, db_session, storage, clips):
    status, asset, progress = ingest(app, db_session, storage, clips["good"])
    assert status is AssetStatus.READY and asset.status is AssetStatus.READY and asset.progress == 100
    assert asset.title == "Range safety" and asset.duration_s == pytest.approx(4, 0.1)
    assert progress == sorted(progress) and progress[-1] == 100 and len(progress) >= 3
    assert [r["name"] for r in asset.renditions] == ["360p", "720p"]
    master = storage.read(asset.key("hls/master.m3u8")).decode()
    assert "RESOLUTION=480x360" in master and "RESOLUTION=960x720" in master
    for rendition in asset.renditions:
        playlist = storage.read(asset.key(rendition["playlist"])).decode()
        assert "#EXT-X-ENDLIST" in playlist and "seg_000.ts" in playlist
    assert storage.read(asset.key("poster.jpg"))[:2] == b"\xff\xd8"  # JPEG
    assert storage.size(asset.key("video.mp4")) > 1000


def test_a_failed_transcode_is_recorded_and_leaves_nothing_stored(app, db_session, storage, clips, tmp_path):
    doomed = tmp_path / "doomed.mp4"
    doomed.write_bytes(clips["good"].read_bytes())
    info = services.check_upload(doomed, max_bytes=MAX)
    doomed.write_bytes(b"gone")  # replaced between the check and the transcode
    asset = services.create_asset(db_session, title="Doomed", filename="doomed.mp4", now=utcnow())
    status = jobs.run_ingest(app.extensions["db_sessionmaker"], storage, asset_id=asset.id, source=doomed,
                                 info=info, now=utcnow)
    db_session.refresh(asset)
    assert status is AssetStatus.FAILED and "ffmpeg failed" in asset.error
    assert storage.size(asset.key("hls/master.m3u8")) is None


def test_captions_are_required_to_publish_and_must_be_webvtt(app, db_session, storage, clips):
    _, asset, _ = ingest(app, db_session, storage, clips["good"])
    with pytest.raises(ConflictError, match="captions"):
        services.publish(db_session, asset=asset, now=utcnow())
    with pytest.raises(ValidationError, match="not a WebVTT file"):
        services.attach_captions(db_session, storage, asset=asset, data=b"1\n00:00:00,000 --> 00:00:02,000\nHi\n",
                                 now=utcnow())
    late = b"WEBVTT\n\n00:01:00.000 --> 00:01:02.000\nAfter the end.\n"
    with pytest.raises(ValidationError, match="after the end of the video"):
        services.attach_captions(db_session, storage, asset=asset, data=late, now=utcnow())
    assert asset.captions_key is None and storage.size(asset.key("captions.vtt")) is None
    services.attach_captions(db_session, storage, asset=asset, data=clips["good-vtt"].read_bytes(),
                             now=utcnow())
    assert asset.transcript == "A test card.\nAnd a tone."
    services.publish(db_session, asset=asset, now=utcnow())
    assert asset.is_published


def test_media_ingest_command(app_like, db_session, clips, tmp_path):
    runner = app_like(MEDIA_STORAGE=f"local:{tmp_path / 'media'}").test_cli_runner()
    refused = runner.invoke(args=["media", "ingest", str(clips["truncated-faststart"])])
    assert refused.exit_code != 0 and "incomplete near its end" in refused.output
    assert "Nothing was stored" in refused.output
    assert db_session.scalar(select(func.count(MediaAsset.id))) == 0
    done = runner.invoke(args=["media", "ingest", str(clips["good"]), "--title", "Test card",
                               "--captions", str(clips["good-vtt"]), "--publish"])
    assert done.exit_code == 0, done.output
    asset = db_session.scalar(select(MediaAsset))
    assert (asset.title, asset.status, asset.is_published) == ("Test card", AssetStatus.READY, True)
    assert (tmp_path / "media" / asset.storage_prefix / "hls" / "master.m3u8").is_file()
