"""Certificates of completion: the PDF for a training record, and the public page that verifies one by its code."""

from __future__ import annotations

import re

from flask import Blueprint, Response, redirect, render_template, request, url_for

from learning_portal.accounts.permissions import records_window
from learning_portal.audit import services as audit
from learning_portal.clock import utcnow
from learning_portal.db import get_session
from learning_portal.errors import NotFoundError
from learning_portal.formatting import hours as format_hours
from learning_portal.records.certificates import build_certificate_pdf, long_date
from learning_portal.records.models import TrainingRecord
from learning_portal.records.queries import record_with_person
from learning_portal.web.auth import current_actor, login_required

bp = Blueprint("certificates", __name__)

UNKNOWN_CODE = "No certificate has this code. Check it for typing mistakes."
_MAX_CODE_INPUT = 64  # far longer than any code; longer input is not looked up at all


def normalise_code(raw: str) -> str:
    """What people type or read aloud ("abcd-efgh jklm") as stored ("ABCDEFGHJKLM")."""
    return re.sub(r"[\s\-\u2010-\u2015]+", "", raw.strip()).upper()


@bp.get("/records/<int:record_id>/certificate.pdf")
@login_required
def certificate_pdf(record_id: int):
    found = record_with_person(get_session(), TrainingRecord.id == record_id)
    window = records_window(get_session(), current_actor(), found[1]) if found is not None else None
    if window is None or not window.covers(found[0].completed_on):
        # The same answer whether the record is missing or someone else's, so ids cannot be probed.
        raise NotFoundError("No such training record in the records you can see.")
    record, person = found
    if record.withdrawn_at is not None:
        raise NotFoundError("This training record was withdrawn after a dispute; it has no certificate.")
    if not record.source.has_certificate:
        raise NotFoundError("Imported history has no certificate from this portal: the original presenter's "
                            "certificate or roster is the proof.")
    audit.viewed(get_session(), actor_id=current_actor().id, subject_id=person.id,
                 what=f"certificate of training_record:{record.id}", now=utcnow())
    get_session().commit()
    pdf = build_certificate_pdf(
        person_name=person.full_name, post_id=person.post_id,
        agency_name=person.agency.name if person.agency else None, course_number=record.course_number,
        title=record.title, hours=record.hours, completed_on=record.completed_on,
        verification_code=record.verification_code,
        verify_url=url_for("certificates.verify", code=record.verification_code, _external=True),
        source_label=record.source.label)
    filename = f"certificate-{_filename_part(record.course_number)}-{_filename_part(person.post_id)}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
    })


@bp.get("/verify")
def verify_form():
    """The form to type a code; submitting it (GET) lands on the verification page for that code."""
    raw = request.args.get("code")
    if raw is None:
        return render_template("certificates/verify.html", code="", error=None)
    code = normalise_code(raw[:_MAX_CODE_INPUT])
    if not code:
        error = "Type the verification code printed on the certificate."
        return render_template("certificates/verify.html", code="", error=error), 422
    return redirect(url_for("certificates.verify", code=code))


@bp.get("/verify/<code>")
def verify(code: str):
    """Public: anyone holding a certificate can check it. Shows only what the certificate itself shows, less the
    POST ID and agency."""
    normalised = normalise_code(code)
    found = None
    if normalised and len(normalised) <= _MAX_CODE_INPUT:
        found = record_with_person(get_session(), TrainingRecord.verification_code == normalised)
    if found is None or not found[0].source.has_certificate:  # imported history: no certificate was issued
        return render_template("certificates/verify.html", code=code[:_MAX_CODE_INPUT], error=UNKNOWN_CODE), 404
    record, person = found
    certificate = {
        "name": person.full_name,
        "course_number": record.course_number,
        "title": record.title,
        "completed_on": long_date(record.completed_on),
        "hours": format_hours(record.hours),
        "code": record.verification_code,
        "withdrawn": record.withdrawn_at is not None,
    }
    return render_template("certificates/verify.html", code=record.verification_code, error=None,
                           certificate=certificate)


def _filename_part(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", value) or "_"
