"""The kinds of notice, who gets them, and which a person may turn off. Data, not code paths: the nightly
run, the settings page and the API all read this table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # as the settings page lists it
    audience: str  # person, manager or administrator
    optional: bool = True  # False: always sent (the overdue notice, escalations, administrators' alerts)


KINDS = {k.name: k for k in (
    Kind("assignment_new", "A course is assigned to you", "person"),
    Kind("assignment_due", "Reminders before an assignment is due", "person"),
    Kind("requirement_due", "Reminders before a mandated requirement is due", "person"),
    Kind("overdue", "An assignment or requirement becomes overdue", "person", optional=False),
    Kind("credit_posted", "Credit posted to your training profile", "person"),
    Kind("credit_refused", "A completion earned no credit, with the reason", "person"),
    Kind("dispute_resolved", "A dispute about your record is resolved", "person"),
    Kind("external_decided", "Training you submitted is approved or returned", "person"),
    Kind("roster_submitted", "A roster you are on is submitted", "person"),
    Kind("certification_step", "A course certification request you work on moves on", "person", optional=False),
    Kind("escalation", "People of your agency become overdue", "manager", optional=False),
    Kind("digest", "Weekly digest of your agency", "manager"),
    Kind("admin_alert", "Work the portal could not finish (dead postings, statements, e-mail, videos)",
         "administrator", optional=False),
)}
OPTIONAL = tuple(k.name for k in KINDS.values() if k.optional)
