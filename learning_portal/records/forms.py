"""Forms for contesting a record, resolving a dispute, and submitting training taken elsewhere."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, DecimalField, RadioField, SelectField, StringField, TextAreaField
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


class ExternalForm(FlaskForm):
    kind = RadioField("What to add", default="elsewhere", choices=[
        SelectChoice("elsewhere", "Training I took elsewhere (an academy, another presenter)"),
        SelectChoice("missing", "A course I took here that is not on my record")])
    title = StringField("Course title", validators=[Optional(), Length(max=200)])
    presenter = StringField("Presenter", validators=[Optional(), Length(max=200)],
                            description="The academy, agency or college that presented it.")
    course_number = StringField("Course number", validators=[Optional(), Length(max=16)],
                                description="If the course is certified, such as 1234-56789.")
    course = SelectField("Course taken here", validate_choice=False)
    completed_on = StringField("Completed on", validators=[DataRequired("Give the date.")],
                               render_kw={"type": "date"})
    hours = StringField("Hours", validators=[Optional(), Length(max=8)], description="In quarter hours, e.g. 4 or 2.5.")
    category = SelectField("Hour category", validate_choice=False, description="Where the hours count, if known.")
    note = TextAreaField("Note", validators=[Optional(), Length(max=1000)],
                         description="For a missing record: where and how you took it.")
    proof_kind = SelectField("Proof", validate_choice=False, choices=[
        SelectChoice("", "Choose"), SelectChoice("certificate", "Certificate of completion"),
        SelectChoice("letter", "Letter of completion"), SelectChoice("other", "Other proof")])
    proof = FileField("Proof document", description="A PDF, PNG or JPEG of at most 5 MB.")


class DecisionForm(FlaskForm):
    decision = RadioField("Decision", validators=[DataRequired()], choices=[
        SelectChoice("approve", "Approve: add it to the record"), SelectChoice("return", "Return it with a comment")])
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=1000)],
                            description="Required to return it: say what to fix.")
