"""SCORM in the web app: the administrator's upload, the package's files served with their own policy (from a
local folder and from S3 over HTTP), the player page and the commit endpoint its adapter calls."""

import html
import io
import uuid

import pytest

from learning_portal.accounts.models import Role
from learning_portal.catalog.queries import get_course
from learning_portal.content_import import upload
from learning_portal.media.storage import app_storage
from tests.factories import NOW, REAL_CONTENT, load_content, make_agency, make_person
from tests.scorm.packages import course_zip, package_zip


def send(client, data: bytes, slug: str = "force-quiz", name: str = "force.zip"):
    return client.post("/admin/scorm/", content_type="multipart/form-data",
                       data={"package": (io.BytesIO(data), name), "slug": slug})


@pytest.fixture
def admin(db_session, signed_in):
    return signed_in(make_person(db_session, role=Role.ADMINISTRATOR))


def test_an_uploaded_package_is_listed_with_its_reference(admin):
    stored = send(admin, package_zip())
    assert stored.status_code == 302
    page = html.unescape(admin.get("/admin/scorm/").get_data(as_text=True))
    assert "Use of Force Quiz" in page and "force-quiz" in page and 'package = "force-quiz"' in page


@pytest.mark.parametrize(("data", "slug", "message"), [
    (b"not a zip at all", "force-quiz", "not a zip file"),
    (package_zip(version="2004 4th Edition"), "force-quiz", "SCORM 2004"),
    (package_zip(), "Force Quiz!", "lower-case letters, digits and dashes"),
])
def test_a_refused_upload_says_why_and_stores_nothing(admin, data, slug, message):
    refused = send(admin, data, slug=slug)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert message in text and "Nothing was stored" in text and 'role="alert"' in text
    assert "force.zip" not in admin.get("/admin/scorm/").get_data(as_text=True)


def test_a_second_package_with_the_same_reference_is_refused(admin):
    send(admin, package_zip())
    again = send(admin, package_zip())
    assert again.status_code == 422 and "already exists" in again.get_data(as_text=True)


@pytest.fixture
def learner(app, db_session, signed_in):
    """An officer enrolled in a course whose item runs the package (stored in the app's local media folder)."""
    from learning_portal.scorm import services as scorm

    load_content(db_session, REAL_CONTENT, slugs=())
    package = scorm.store_package(db_session, app_storage(app), package_zip(), filename="force.zip",
                                  slug=f"force-{uuid.uuid4().hex[:8]}", now=NOW)
    imported = upload.import_upload(db_session, course_zip(package=package.slug), filename="c.zip", now=NOW,
                                    live=True)
    assert imported.report is not None
    client = signed_in(make_person(db_session, agency=make_agency(db_session)))
    client.post("/courses/use-of-force-refresher/enroll")
    return client, package


def test_package_files_are_served_under_their_own_policy(learner):
    client, package = learner
    page = client.get(f"/scorm/{package.id}/index.html")
    body = page.get_data()
    page.close()
    assert page.status_code == 200 and page.mimetype == "text/html" and b"LMSInitialize" in body
    policy = page.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" in policy and "frame-ancestors 'self'" in policy and "connect-src 'self'" in policy
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    logo = client.get(f"/scorm/{package.id}/assets/Logo%20(blue).svg")
    body = logo.get_data()
    logo.close()
    assert logo.status_code == 200 and logo.mimetype == "image/svg+xml" and body.startswith(b"<svg")
    for missing in ("nothing.html", "imsmanifest.xml/x"):
        assert client.get(f"/scorm/{package.id}/{missing}").status_code == 404


def test_the_portal_pages_keep_their_strict_policy(learner):
    client, _ = learner
    page = client.get("/my/learning")
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_the_player_page_launches_the_package_and_commits_complete_the_course(learner, db_session):
    client, package = learner
    _, version = get_course(db_session, "use-of-force-refresher")
    item_id = version.items[0].id
    home = client.get("/learn/use-of-force-refresher").get_data(as_text=True)
    assert '<span class="badge">SCORM</span>' in home
    item = client.get(f"/learn/use-of-force-refresher/items/{item_id}")  # the course home links items here
    assert item.status_code == 302 and item.headers["Location"].endswith(f"/items/{item_id}/scorm")
    player = client.get(item.headers["Location"]).get_data(as_text=True)
    assert f'data-src="/scorm/{package.id}/index.html"' in player and "js/scorm-api.js" in player
    assert '"cmi.core.entry": "ab-initio"' in player and "A score of 80 or more passes." in player
    commit_url = f"/learn/use-of-force-refresher/items/{item_id}/scorm/commit"
    assert f'"commitUrl": "{commit_url}"' in player
    refused = client.post(commit_url, json={"values": {"cmi.core.lesson_status": "finished"}})
    assert refused.status_code == 422 and "cmi.core.lesson_status" in refused.json["error"]["details"]
    done = client.post(commit_url, json={"values": {"cmi.core.score.raw": "88", "cmi.core.lesson_status": "completed"},
                                         "finish": True})
    assert done.status_code == 200 and done.json == {"lesson_status": "passed", "item_completed": True,
                                                     "course_completed": True, "progress": {"done": 1, "total": 1}}
    again = client.get(item.headers["Location"]).get_data(as_text=True)
    assert "Done: passed." in again and '"cmi.core.lesson_status": "passed"' in again


def test_launch_parameters_stay_a_query_string(app, db_session, signed_in):
    from learning_portal.scorm import services as scorm
    from tests.scorm.packages import manifest_xml

    load_content(db_session, REAL_CONTENT, slugs=())
    with_parameters = manifest_xml().replace('identifierref="RES-1"', 'identifierref="RES-1" parameters="?lang=en"')
    package = scorm.store_package(db_session, app_storage(app), package_zip(files={"imsmanifest.xml": with_parameters}),
                                  filename="p.zip", slug=f"force-{uuid.uuid4().hex[:8]}", now=NOW)
    assert upload.import_upload(db_session, course_zip(package=package.slug), filename="c.zip", now=NOW,
                                live=True).report
    client = signed_in(make_person(db_session, agency=make_agency(db_session)))
    player = client.post("/courses/use-of-force-refresher/enroll", follow_redirects=True).get_data(as_text=True)
    assert f'data-src="/scorm/{package.id}/index.html?lang=en"' in player
    launched = client.get(f"/scorm/{package.id}/index.html?lang=en")
    launched.get_data()
    launched.close()
    assert launched.status_code == 200


def test_package_files_come_from_s3_through_the_app(s3_app, db_session):
    """Not a redirect to the store: the content must stay on the portal's origin to reach the runtime API."""
    client = s3_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = make_person(db_session, role=Role.ADMINISTRATOR).get_id()
    assert send(client, package_zip()).status_code == 302
    from sqlalchemy import select

    from learning_portal.scorm.models import ScormPackage
    package = db_session.scalar(select(ScormPackage))
    served = client.get(f"/scorm/{package.id}/assets/style.css")
    assert served.status_code == 200 and served.data == b"body { font-family: sans-serif; }"
    assert served.mimetype == "text/css" and "frame-ancestors 'self'" in served.headers["Content-Security-Policy"]
    assert client.get(f"/scorm/{package.id}/assets/none.css").status_code == 404
