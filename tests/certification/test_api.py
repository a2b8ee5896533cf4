"""The certification workflow over /api/v1, as a presenter's system and the commission's would use it."""

from __future__ import annotations

from sqlalchemy import func, select

from learning_portal.accounts.models import Role
from learning_portal.certification.models import CertificationRequest, Consultant, Coordinator, Presenter
from tests.certification.helpers import OUTLINE, content
from tests.factories import make_agency, make_jurisdiction, make_person

API = "/api/v1/certification/requests"


def test_a_request_returned_fixed_and_certified_over_the_api(app, db_session, signed_in):
    make_jurisdiction(db_session, "CA-POST")
    presenter = Presenter(number="9401", name="County Academy", jurisdiction="CA-POST")
    other = Presenter(number="9402", name="Other College", jurisdiction="CA-POST")
    db_session.add_all([presenter, other])
    db_session.flush()
    coordinator = make_person(db_session, role=Role.TRAINING_MANAGER, agency=make_agency(db_session))
    stranger = make_person(db_session, role=Role.TRAINING_MANAGER, agency=make_agency(db_session))
    consultant = make_person(db_session, role=Role.ADMINISTRATOR)
    db_session.add_all([Coordinator(presenter_id=presenter.id, person_id=coordinator.id),
                        Coordinator(presenter_id=other.id, person_id=stranger.id),
                        Consultant(person_id=consultant.id, jurisdiction="CA-POST")])
    db_session.flush()
    mine, theirs, commission = signed_in(coordinator), signed_in(stranger), signed_in(consultant)

    refused = mine.post(API, json=content(presenter_id=presenter.id, total_hours="10"))
    assert refused.status_code == 422 and "adds up to 8" in refused.get_json()["error"]["message"]
    assert theirs.post(API, json=content(presenter_id=presenter.id)).status_code == 403  # not their presenter
    assert db_session.scalar(select(func.count()).select_from(CertificationRequest)) == 0

    created = mine.post(API, json=content(presenter_id=presenter.id))
    assert created.status_code == 201
    rid = created.get_json()["id"]
    url = f"{API}/{rid}"
    assert theirs.get(url).status_code == 404 and theirs.get(API).get_json()["requests"] == []
    unready = mine.post(f"{url}/steps", json={"action": "submit"})
    assert unready.status_code == 422 and "Attach the expanded course outline" in unready.get_json()["error"]["message"]
    not_a_document = mine.put(f"{url}/outline?filename=outline.pdf", data=b"MZ\x90\x00 not a pdf",
                              content_type="application/pdf")
    assert not_a_document.status_code == 422 and "PDF, PNG or JPEG" in not_a_document.get_json()["error"]["message"]
    assert mine.put(f"{url}/outline", data=OUTLINE, content_type="text/plain").status_code == 415
    assert commission.put(f"{url}/outline", data=OUTLINE, content_type="application/pdf").status_code == 403
    assert mine.get(f"{url}/outline").status_code == 404  # nothing attached yet
    attached = mine.put(f"{url}/outline?filename=Crisis%20outline.pdf", data=OUTLINE, content_type="application/pdf")
    assert attached.get_json()["outline"] == "Crisisoutline.pdf"
    download = commission.get(f"{url}/outline")
    assert download.data == OUTLINE and download.headers["Content-Disposition"].startswith("attachment")
    assert theirs.get(f"{url}/outline").status_code == 404
    not_a_zip = mine.put(f"{url}/package", data=b"PK", content_type="application/zip")
    assert not_a_zip.status_code == 422 and "Zip the course package folder" in not_a_zip.get_json()["error"]["message"]
    assert mine.post(f"{url}/steps", json={"action": "submit"}).get_json()["state"] == "submitted"
    assert mine.put(url, json=content()).status_code == 409  # submitted: wait for the consultant
    assert commission.post(f"{url}/steps", json={"action": "return"}).status_code == 422  # needs a comment
    returned = commission.post(f"{url}/steps", json={"action": "return", "comment": "Split the scenarios."})
    assert returned.get_json()["state"] == "returned"
    assert [s["state"] for s in commission.get("/api/v1/certification/reports/by-state").get_json()["states"]] \
        == ["returned"]
    fixed = content(topics=[{"topic": "De-escalation", "hours": "5.5"}, {"topic": "Scenario A", "hours": "1.25"},
                            {"topic": "Scenario B", "hours": "1.25"}])
    assert mine.put(url, json=fixed).status_code == 200
    mine.post(f"{url}/steps", json={"action": "submit", "comment": "Split."})
    certified = commission.post(f"{url}/steps", json={"action": "certify", "number": "315",
                                                      "expires_on": "2027-02-15"}).get_json()
    assert (certified["state"], certified["course_number"], certified["expires_on"]) == (
        "certified", "9401-00315", "2027-02-15")
    assert [s["to"] for s in certified["steps"]] == ["draft", "submitted", "returned", "submitted", "certified"]
    assert certified["steps"][2]["comment"] == "Split the scenarios."
    assert len(certified["topics"]) == 3
    expiring = mine.get(f"/api/v1/presenters/{presenter.id}/expiring?days=730").get_json()["courses"]
    assert [c["course_number"] for c in expiring] == ["9401-00315"]
    assert theirs.get(f"/api/v1/presenters/{presenter.id}/expiring").status_code == 404
    assert mine.get("/api/v1/certification/reports/by-state").status_code == 404  # consultants' report
