"""Each step reaches the other side by e-mail through a real SMTP server: a submission the consultants, a
return (with its comment) and a certification the presenter's coordinators; never the person who acted."""

from __future__ import annotations

from datetime import timedelta

from learning_portal.certification import services
from tests.certification.helpers import draft
from tests.factories import NOW
from tests.notices.test_notices import deliver


def test_a_submission_mails_the_consultants_and_a_return_the_coordinators(app, db_session, people, smtp, files):
    presenter, coordinator, consultant, _ = people
    req = draft(db_session, files, actor=coordinator, presenter_id=presenter.id, now=NOW)
    services.submit(db_session, files, actor=coordinator, req=req, now=NOW)
    db_session.commit()
    deliver(app, smtp, at=NOW + timedelta(minutes=1))
    (submitted,) = smtp.messages()
    assert submitted["To"] == consultant.email
    assert "submitted: Crisis Intervention Refresher" in submitted["Subject"]

    smtp.clear()
    services.return_with_comments(db_session, actor=consultant, req=req, comment="Attach the lesson plans.",
                                  now=NOW + timedelta(hours=1))
    db_session.commit()
    deliver(app, smtp, at=NOW + timedelta(hours=1, minutes=1))
    (returned,) = smtp.messages()
    assert returned["To"] == coordinator.email
    assert "Attach the lesson plans." in returned.get_body(("plain",)).get_content()
