"""Input shapes for sessions, rosters, make-ups and qualifications."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from learning_portal.sessions.models import AttendanceStatus, SessionKind


class SessionCreateForm(FlaskForm):
    course_id = SelectField("Course", coerce=int, validate_choice=False,
                            description="Courses that may be shown at a briefing or taught in a classroom.")
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.label) for k in SessionKind
                                        if k is not SessionKind.IMPORTED], default=SessionKind.BRIEFING.value)
    day = DateField("Date", validators=[DataRequired("Give the date.")])
    at = TimeField("Start time", validators=[DataRequired("Give the start time.")],
                   description="Local time of the host agency.")
    location = StringField("Place", validators=[DataRequired("Say where."), Length(max=200)],
                           description="For example: Briefing room B, Central station.")
    agency_id = SelectField("Host agency", coerce=int, validate_choice=False)
    also_open_to = StringField("Also open to agencies", validators=[Optional(), Length(max=400)],
                               description="Optional: numbers of other agencies whose people may check in, "
                                           "separated by commas.")
    capacity = IntegerField("Seats", validators=[Optional(), NumberRange(min=1, max=1000)],
                            description="Classroom only, optional: people of the agencies it is open to register "
                                        "in advance under Classes, up to this many.")


class RosterImportForm(FlaskForm):
    course_id = SelectField("Course", coerce=int, validate_choice=False)
    day = DateField("Date of the training", validators=[DataRequired("Give the date.")])
    location = StringField("Place", validators=[DataRequired("Say where."), Length(max=200)])
    agency_id = SelectField("Host agency", coerce=int, validate_choice=False)
    also_open_to = StringField("Also for agencies", validators=[Optional(), Length(max=400)],
                               description="Optional: numbers of other agencies whose people attended, "
                                           "separated by commas.")
    file = FileField("Roster (CSV)", validators=[FileRequired("Choose a CSV file.")],
                     description="Columns: post_id (required), last_name, first_name, attendance (present or "
                                 "partial), minutes_attended.")


class CheckInForm(FlaskForm):
    code = StringField("Check-in code", validators=[DataRequired("Enter the code shown on the screen."),
                                                    Length(max=12)],
                       description="The six digits on the room's screen. They change every 30 seconds.",
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"})
    session_id = HiddenField()


class AddAttendeeForm(FlaskForm):
    person = StringField("POST ID or name", validators=[DataRequired("Enter a POST ID or a name."),
                                                        Length(max=120)])


class MarkAttendanceForm(FlaskForm):
    status = SelectField("Attendance", choices=[SelectChoice(s.value, s.label) for s in AttendanceStatus])
    minutes = IntegerField("Minutes attended", validators=[Optional(), NumberRange(min=0, max=24 * 60)])


class MakeUpForm(FlaskForm):
    due_on = DateField("Due date", validators=[DataRequired("Give a due date.")])


class QualificationForm(FlaskForm):
    post_id = StringField("Instructor's POST ID", validators=[DataRequired(), Length(max=20)])
    qualification = StringField("Qualification", validators=[DataRequired(), Length(max=40)],
                                description="As courses name it, e.g. racial_profiling.")
    valid_until = DateField("Valid until", validators=[Optional()], description="Leave empty if it does not expire.")
