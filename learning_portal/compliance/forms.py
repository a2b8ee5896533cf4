"""Input shapes for exemptions and assigning courses from the compliance pages."""

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class ExemptionForm(FlaskForm):
    requirement_ids = SelectMultipleField("Requirements", validate_choice=False,
                                          widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    kind = SelectField("Ground", validators=[DataRequired("Choose the ground.")], validate_choice=False,
                       description="Only the grounds the jurisdiction allows; each covers the requirements it names.")
    reason = StringField("Details", validators=[DataRequired("Give the details."), Length(min=3, max=300)],
                         description="For example: the commission's letter and its date, or the leave's dates.")
    starts_on = DateField("From", validators=[DataRequired("Give the first day.")])
    ends_on = DateField("Until", validators=[Optional()], description="Leave empty for no end date.")


class AssignForm(FlaskForm):
    course = SelectField("Course", validate_choice=False)
    due_on = DateField("Due by", validators=[DataRequired("Give the due date.")])
    note = StringField("Note for them", validators=[Optional(), Length(max=200)])


class AssignmentChangeForm(FlaskForm):
    action = SelectField("Change", choices=[SelectChoice("extend", "Change the due date"),
                                            SelectChoice("cancelled", "Cancel it"),
                                            SelectChoice("excused", "Excuse the person")], default="extend")
    due_on = DateField("New due date", validators=[Optional()])
    reason = StringField("Why", validators=[Optional(), Length(max=200)],
                         description="Shown to the person; required to excuse.")


class RecordsStartForm(FlaskForm):
    records_start = DateField("Records start on", validators=[Optional()],
                              description="The day this agency's training records start in the portal. Before it, "
                                          "a requirement with nothing on file is a data gap, not overdue. Leave "
                                          "empty for the jurisdiction's date.")


class AssignmentRuleForm(FlaskForm):
    course = SelectField("Course", validate_choice=False)
    trigger = SelectField("Assign it to everyone who", choices=[
        SelectChoice("due", "is due on a requirement within some days"),
        SelectChoice("joins", "joins the agency"),
        SelectChoice("role", "takes up a role (appointed or promoted into it)")])
    requirement = SelectField("Requirement", validate_choice=False, description="For \"is due on a requirement\".")
    role = SelectField("Role", validate_choice=False, description="For \"takes up a role\".")
    days = IntegerField("Days", validators=[DataRequired("Give a number of days."), NumberRange(0, 366)],
                        description="Due on a requirement: within this many days of its due date (the course is "
                                    "due when the requirement is). Joins or takes up a role: due this many days "
                                    "after.")
