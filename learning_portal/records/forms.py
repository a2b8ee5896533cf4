"""Forms for contesting a record and resolving a dispute."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, DecimalField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class DisputeForm(FlaskForm):
    reason = TextAreaField("What is wrong with this record?", validators=[DataRequired(), Length(min=10, max=2000)],
                           description="For example the date, the hours, or that you did not take this course.")
    attachment = FileField("Supporting document (optional)",
                           description="A PDF, PNG or JPEG of at most 5 MB, such as a roster or a certificate.")


class ResolveForm(FlaskForm):
    outcome = RadioField("Outcome", validators=[DataRequired()], choices=[
        SelectChoice("accept", "Accept: withdraw the record"), SelectChoice("reject", "Reject: the record stands")])
    note = TextAreaField("Note to the person", validators=[DataRequired(), Length(min=3, max=2000)])
    completed_on = DateField("Corrected completion date", validators=[Optional()],
                             description="When accepting: give the right date and hours to write a corrected record.")
    hours = DecimalField("Corrected hours", places=2, validators=[Optional(), NumberRange(min=0.25, max=999)])
