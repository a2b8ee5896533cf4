"""Registers every domain's command group on the app's ``flask`` CLI."""

from flask import Flask

from learning_portal import migrate
from learning_portal.accounts import cli as accounts_cli
from learning_portal.audit import cli as audit_cli
from learning_portal.certification import cli as certification_cli
from learning_portal.compliance import cli as compliance_cli
from learning_portal.content_import import cli as content_cli
from learning_portal.credits import cli as credits_cli
from learning_portal.demo import cli as demo_cli
from learning_portal.mail import cli as mail_cli
from learning_portal.media import cli as media_cli
from learning_portal.privacy import cli as privacy_cli
from learning_portal.reminders import cli as reminders_cli
from learning_portal.xapi import cli as xapi_cli


def register_cli(app: Flask) -> None:
    for group in (migrate.cli, accounts_cli.cli, audit_cli.cli, certification_cli.cli, compliance_cli.cli,
                  content_cli.cli, credits_cli.cli, demo_cli.cli, mail_cli.cli, media_cli.cli, privacy_cli.cli,
                  reminders_cli.cli, xapi_cli.cli):
        app.cli.add_command(group)
