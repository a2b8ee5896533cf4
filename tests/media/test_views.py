"""Administrators upload, caption and publish videos; delivery respects publication, Range, signed URLs."""


import pytest
from sqlalchemy import func, select

from learning_portal.accounts.models import Role
from learning_portal.media.models import AssetStatus, MediaAsset
from learning_portal.media.storage import app_storage
from tests.factories import make_person


@pytest.fixture
def admin_client(app_like, db_session, login_as, tmp_path):
    media_app = app_like(MEDIA_STORAGE=f"local:{tmp_path / 'media'}")
    client = media_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = make_person(db_session, role=Role.ADMINISTRATOR).get_id()
    return client


def upload(client, path, title="Test card"):
    with path.open("rb") as fh:
        return client.post("/admin/media/", data={"title": title, "video": (fh, path.name)},
                           content_type="multipart/form-data", headers={"Accept": "application/json"})


def test_upload_transcode_caption_publish(admin_client, db_session, clips):
    response = upload(admin_client, clips["good"])
    assert response.status_code == 201
    asset = db_session.get(MediaAsset, response.json["asset_id"])
    assert asset.status is AssetStatus.READY and asset.progress == 100
    assert admin_client.get(f"/admin/media/{asset.id}/status").json == {"status": "ready", "progress": 100,
                                                                        "error": None}
    assert b"Add captions first" in admin_client.get(f"/admin/media/{asset.id}").data
    admin_client.post(f"/admin/media/{asset.id}/publish")
    db_session.refresh(asset)
    assert not asset.is_published  # captions first
    with clips["good-vtt"].open("rb") as fh:
        admin_client.post(f"/admin/media/{asset.id}/captions", data={"captions": (fh, "good.vtt")},
                          content_type="multipart/form-data")
    admin_client.post(f"/admin/media/{asset.id}/publish")
    db_session.refresh(asset)
    assert asset.captions_key and asset.is_published
    page = admin_client.get(f"/admin/media/{asset.id}").data.decode()
    assert "Published" in page and "A test card." in page  # the transcript


@pytest.mark.parametrize("name", ["notes", "truncated-faststart", "audio"])
def test_a_file_that_cannot_play_is_refused_and_nothing_is_stored(admin_client, db_session, clips, tmp_path, name):
    response = upload(admin_client, clips[name])
    assert response.status_code == 422 and "Nothing was stored" in response.json["error"]["message"]
    assert db_session.scalar(select(func.count(MediaAsset.id))) == 0
    assert not (tmp_path / "media").exists()


def test_only_administrators_manage_videos(client, db_session, login_as, clips):
    login_as(make_person(db_session, role=Role.TRAINING_MANAGER))
    assert client.get("/admin/media/").status_code == 403
    assert upload(client, clips["good"]).status_code == 403


def fetch(client, path, **kwargs):
    """(status, headers, body) with the file response closed."""
    with client.get(path, **kwargs) as response:
        return response.status_code, response.headers, response.get_data()


def test_delivery_needs_publication_and_supports_range(admin_client, app_like, db_session, clips, tmp_path):
    asset_id = upload(admin_client, clips["good"]).json["asset_id"]
    status, headers, whole = fetch(admin_client, f"/media/{asset_id}/video.mp4")
    assert status == 200 and headers["Content-Type"] == "video/mp4"
    status, headers, part = fetch(admin_client, f"/media/{asset_id}/video.mp4", headers={"Range": "bytes=0-99"})
    assert status == 206 and part == whole[:100]
    assert headers["Content-Range"] == f"bytes 0-99/{len(whole)}"
    assert fetch(admin_client, f"/media/{asset_id}/video.mp4", headers={"Range": "bytes=999999999-"})[0] == 416
    assert fetch(admin_client, f"/media/{asset_id}/hls/master.m3u8")[2].startswith(b"#EXTM3U")
    assert fetch(admin_client, f"/media/{asset_id}/../../secret_key")[0] == 404

    officer = app_like(MEDIA_STORAGE=f"local:{tmp_path / 'media'}").test_client()
    with officer.session_transaction() as sess:
        sess["_user_id"] = make_person(db_session).get_id()
    assert fetch(officer, f"/media/{asset_id}/video.mp4")[0] == 404  # not published yet
    asset = db_session.get(MediaAsset, asset_id)
    asset.is_published = True
    db_session.flush()
    assert fetch(officer, f"/media/{asset_id}/video.mp4")[0] == 200


def test_s3_media_is_delivered_by_a_signed_url(s3_app, db_session, clips, s3_endpoint):
    bucket = app_storage(s3_app).bucket
    client = s3_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = make_person(db_session, role=Role.ADMINISTRATOR).get_id()
    asset_id = upload(client, clips["good"]).json["asset_id"]
    response = client.get(f"/media/{asset_id}/hls/master.m3u8")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(s3_endpoint) and f"/{bucket}/media/videos/{asset_id}/hls/master.m3u8" in location
    assert "X-Amz-Expires=300" in location


def test_a_video_larger_than_the_app_wide_body_limit_is_still_accepted(app_like, db_session, tmp_path, clips):
    """Only the upload view raises the limit: nothing before it may read the form with the app-wide one."""
    size = clips["good"].stat().st_size
    media_app = app_like(MEDIA_STORAGE=f"local:{tmp_path / 'media'}", MAX_CONTENT_LENGTH=size // 2)
    client = media_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = make_person(db_session, role=Role.ADMINISTRATOR).get_id()
    assert upload(client, clips["good"], title="Large").status_code == 201
