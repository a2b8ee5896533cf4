"""Input shapes for sign-in and account administration. Rules that need the database live in services."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from learning_portal.accounts.models import Assignment, RankTier, Role
from learning_portal.audit.services import ACTIONS


def _choices(enum_cls):
    return [SelectChoice(m.value, m.label) for m in enum_cls]


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password", validators=[DataRequired(), Length(min=12, max=256)],
                                 description="At least 12 characters. A short sentence works well.",
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(), EqualTo("new_password", "The two passwords differ.")],
                            render_kw={"autocomplete": "new-password"})


class PasswordSetForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=12, max=256)],
                             description="At least 12 characters. Give it to the person in private.",
                             render_kw={"autocomplete": "new-password"})


class AgencyCreateForm(FlaskForm):
    jurisdiction = StringField("Jurisdiction", validators=[DataRequired(), Length(max=16)],
                               description="The regulator's code, for example CA-POST or CO-POST.")
    number = StringField("Agency number", validators=[DataRequired(), Length(max=16)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])


class PersonCreateForm(FlaskForm):
    post_id = StringField("POST ID", validators=[DataRequired(), Length(max=20)],
                          description="The person's POST ID. Never a Social Security number.")
    first_name = StringField("First name", validators=[DataRequired(), Length(max=100)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=100)])
    email = EmailField("Email", validators=[Optional(), Length(max=254)])
    username = StringField("Username", validators=[Optional(), Length(max=64)],
                           description="Used to sign in. Leave empty to use the POST ID.")
    role = SelectField("Role", choices=_choices(Role), default=Role.OFFICER.value)
    agency_id = SelectField("Agency", coerce=int, validate_choice=False,
                            description="Everyone except administrators belongs to an agency.")
    rank_tier = SelectField("Rank tier", choices=_choices(RankTier), default=RankTier.LINE.value)
    assignment = SelectField("Assignment", choices=_choices(Assignment), default=Assignment.PATROL.value)
    is_reserve = BooleanField("Reserve officer")
    is_clerical = BooleanField("Primarily clerical or administrative duties")
    hire_date = DateField("Hire date", validators=[Optional()])
    promotion_date = DateField("Date of last promotion", validators=[Optional()])
    assigned_on = DateField("Date the current assignment began", validators=[Optional()])
    password = PasswordField("Initial password", validators=[Optional(), Length(min=12, max=256)],
                             description="Optional. Without one, the person cannot sign in until you set it.",
                             render_kw={"autocomplete": "new-password"})


class CheckboxesField(SelectMultipleField):
    """Several choices as a group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


_AGENCY_ROLES = [r for r in Role if r is not Role.ADMINISTRATOR]


class PersonEditForm(FlaskForm):
    first_name = StringField("First name", validators=[DataRequired(), Length(max=100)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=100)])
    email = EmailField("Email", validators=[Optional(), Length(max=254)],
                       description="Where invitations, password resets and notices go.")
    role = SelectField("Main role", choices=_choices(_AGENCY_ROLES))
    other_roles = CheckboxesField("Also holds", choices=_choices(_AGENCY_ROLES), validate_choice=False,
                                  description="An officer who also instructs, or also manages training.")
    rank_tier = SelectField("Rank tier", choices=_choices(RankTier))
    assignment = SelectField("Main assignment", choices=_choices(Assignment))
    other_assignments = CheckboxesField("Also assigned to", choices=_choices(Assignment), validate_choice=False)
    is_reserve = BooleanField("Reserve officer")
    is_clerical = BooleanField("Primarily clerical or administrative duties")
    hire_date = DateField("Hire date", validators=[Optional()])
    effective_on = DateField("A new role, assignment or rank began on", validators=[DataRequired("Give the day.")],
                             description="A promotion's date starts the clock of the training it requires "
                                         "(the Supervisory Course within 12 months, say).")


class TransferForm(FlaskForm):
    agency_id = SelectField("To agency", coerce=int, validate_choice=False)
    on = DateField("First day with the new agency", validators=[DataRequired("Give the day.")])
    confirm = BooleanField("Move this person: their records go with them; this agency keeps reading the training "
                           "done while they were here", validators=[DataRequired("Tick to confirm.")])


class LeavingForm(FlaskForm):
    left_on = DateField("Last day", validators=[DataRequired("Give the day they left.")])
    confirm = BooleanField("Close the account: they can no longer sign in, and their personal data is removed "
                           "after the retention period", validators=[DataRequired("Tick to confirm.")])


class ReopenForm(FlaskForm):
    rehired_on = DateField("Re-hired on", validators=[Optional()],
                           description="Leave empty to undo a leaving recorded by mistake.")


class AuditSearchForm(FlaskForm):
    """Filters for the audit log (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    action = SelectField("Action", choices=[SelectChoice("", "Any action")] + [
        SelectChoice(a, f"{a}: {text}") for a, text in ACTIONS.items()], default="")
    actor = StringField("Done by", validators=[Optional(), Length(max=64)], description="POST ID or username")
    subject = StringField("About", validators=[Optional(), Length(max=64)],
                          description="POST ID or username of the person whose data was seen or changed")
    since = DateField("From", validators=[Optional()])
    until = DateField("Until", validators=[Optional()], description="Inclusive, UTC")


class SignInCodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=32)],
                       description="The 6 digits your authenticator app shows now, or one of your recovery codes.",
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"})


class TwoFactorConfirmForm(FlaskForm):
    code = StringField("Code from the app", validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class TwoFactorOffForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})


class SystemTokenForm(FlaskForm):
    name = StringField("System", validators=[DataRequired(), Length(max=100)],
                       description="What the token is for, e.g. \"Sheriff's records management system\".")
    agency = SelectField("Agency", coerce=int, validators=[DataRequired()],
                         description="The token reaches this agency's people only.")
    read_records = BooleanField("Read the agency's training records (records:read)")
    write_records = BooleanField("Post training records for the agency's people (records:write)")
    days = IntegerField("Valid for (days)", default=365, validators=[DataRequired(), NumberRange(min=1, max=730)])
