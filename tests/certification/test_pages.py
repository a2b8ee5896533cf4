"""The certification pages: a coordinator's desk and form (a refusal keeps what was typed and says why), the
request's page to each side, and the steps taken from it."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from learning_portal.certification.models import CertificationRequest, RequestState
from tests.certification.helpers import OUTLINE
from tests.factories import NOW, make_agency, make_person

FORM = {"title": "Night Driving", "delivery": "classroom", "total_hours": "4", "topics-0-topic": "Lights",
        "topics-0-hours": "2.5", "topics-1-topic": "Fatigue", "topics-1-hours": "1", "instructors": "Ofc. B. Lane",
        "starts_on": "2027-02-01"}


def count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(CertificationRequest))


def test_a_coordinator_drafts_attaches_and_submits_and_the_consultant_decides(db_session, people, signed_in):
    presenter, coordinator, consultant, outsider = people
    mine, theirs, commission = signed_in(coordinator), signed_in(outsider), signed_in(consultant)
    desk = mine.get("/certification").get_data(as_text=True)
    assert "Valley Regional Academy" in desk and "New certification request" in desk
    assert "Valley Regional Academy" not in theirs.get("/certification").get_data(as_text=True)
    officer = signed_in(make_person(db_session, agency=make_agency(db_session)))
    assert "neither a course coordinator" in officer.get("/certification").get_data(as_text=True)

    refused = mine.post(f"/certification/presenters/{presenter.id}/new", data=FORM)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "adds up to 3.5 hours, the total is 4" in page and 'value="Fatigue"' in page  # nothing typed is lost
    assert count(db_session) == 0
    assert theirs.post(f"/certification/presenters/{presenter.id}/new", data=FORM).status_code == 404

    saved = mine.post(f"/certification/presenters/{presenter.id}/new", data=FORM | {"topics-1-hours": "1.5"})
    assert saved.status_code == 302
    req = db_session.scalar(select(CertificationRequest))
    url = f"/certification/requests/{req.id}"
    assert saved.headers["Location"].endswith(url)
    assert theirs.get(url).status_code == 404 and commission.get(f"{url}/edit").status_code == 403

    mine.post(f"{url}/files", data={"outline": (io.BytesIO(OUTLINE), "outline.pdf")},
              content_type="multipart/form-data")
    mine.post(f"{url}/step", data={"action": "submit", "comment": "Ready."})
    db_session.expire_all()
    assert req.state is RequestState.SUBMITTED and req.outline_name == "outline.pdf"
    assert "Submit for certification" not in mine.get(url).get_data(as_text=True)  # waiting for the consultant

    shown = commission.get(url).get_data(as_text=True)
    assert "Return with comments" in shown and "Ready." in shown
    commission.post(f"{url}/step", data={"action": "certify", "number": "", "expires_on": "2029-01-31"})
    db_session.expire_all()
    assert req.state is RequestState.SUBMITTED  # no number: refused, told why on the page
    commission.post(f"{url}/step", data={"action": "certify", "number": "88", "expires_on": "2029-01-31"})
    db_session.expire_all()
    assert (req.state, req.course_number) == (RequestState.CERTIFIED, "9301-00088")
    assert "Certified as <strong>9301-00088</strong>" in mine.get(url).get_data(as_text=True)


def test_the_edit_form_shows_every_topic_and_the_hours_as_typed(db_session, people, signed_in):
    from learning_portal.certification import services
    from tests.certification.helpers import content

    presenter, coordinator, *_ = people
    topics = [{"topic": f"Topic {n}", "hours": "1"} for n in range(10)]
    req = services.create_request(db_session, actor=coordinator, presenter_id=presenter.id, now=NOW,
                                  data=content(total_hours="10", topics=topics))
    db_session.flush()
    page = signed_in(coordinator).get(f"/certification/requests/{req.id}/edit").get_data(as_text=True)
    assert 'id="total_hours" maxlength="8" name="total_hours" type="text" value="10"' in page
    assert 'value="Topic 9"' in page and "1E+1" not in page
