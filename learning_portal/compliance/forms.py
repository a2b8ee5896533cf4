"""Input shapes for exemptions and assigning courses from the compliance pages."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class ExemptionForm(FlaskForm):
    requirement_ids = SelectMultipleField("Requirements", validate_choice=False,
                                          widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    reason = StringField("Reason", validators=[DataRequired("Say why."), Length(min=3, max=300)],
                         description="For example: medical leave, or the commission's letter granting the exemption.")
    starts_on = DateField("From", validators=[DataRequired("Give the first day.")])
    ends_on = DateField("Until", validators=[Optional()], description="Leave empty for no end date.")


class AssignForm(FlaskForm):
    course = SelectField("Course", validate_choice=False)
    due_on = DateField("Due by", validators=[DataRequired("Give the due date.")])
    note = StringField("Note for them", validators=[Optional(), Length(max=200)])
