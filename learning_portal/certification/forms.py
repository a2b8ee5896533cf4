"""Forms of the certification pages: the request (with its hourly distribution in rows), its files, a step."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Form, SelectField, StringField, TextAreaField
from wtforms.fields import FieldList, FormField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from learning_portal.accounts.forms import CheckboxesField
from learning_portal.certification.models import Delivery

TOPIC_ROWS = 8


class TopicRow(Form):
    topic = StringField("Topic", validators=[Optional(), Length(max=200)])
    hours = StringField("Hours", validators=[Optional(), Length(max=8)])


class RequestForm(FlaskForm):
    title = StringField("Course title", validators=[Length(max=200)])
    delivery = SelectField("Delivery", choices=[SelectChoice(d.value, d.label) for d in Delivery])
    total_hours = StringField("Total hours", validators=[Length(max=8)],
                              description="In quarter hours, such as 8 or 8.25. The topics below add up to it.")
    topics = FieldList(FormField(TopicRow), min_entries=TOPIC_ROWS, max_entries=40)
    categories = CheckboxesField("Hour categories it is meant to count in", validate_choice=False)
    requirements = CheckboxesField("Mandates it is meant to satisfy", validate_choice=False)
    instructors = TextAreaField("Instructors", validators=[Length(max=4000)],
                                description="One name per line, as on the roster.")
    plan = StringField("Certification level or plan", validators=[Optional(), Length(max=80)],
                       description="Where the jurisdiction has one, such as Plan IV.")
    starts_on = StringField("First presented on", render_kw={"type": "date"})
    ends_on = StringField("Last presented on (optional)", render_kw={"type": "date"})

    def data_for_services(self) -> dict:
        return {"title": self.title.data, "delivery": self.delivery.data, "total_hours": self.total_hours.data,
                "topics": [{"topic": row.topic.data, "hours": row.hours.data} for row in self.topics
                           if (row.topic.data or "").strip() or (row.hours.data or "").strip()],
                "categories": list(self.categories.data or []), "requirements": list(self.requirements.data or []),
                "instructors": [n.strip() for n in (self.instructors.data or "").splitlines() if n.strip()],
                "plan": self.plan.data, "starts_on": self.starts_on.data, "ends_on": self.ends_on.data or None}


class FilesForm(FlaskForm):
    outline = FileField("Expanded course outline", description="A PDF (or a scanned PNG or JPEG) of at most 5 MB.")
    package = FileField("Course package", description="For a course taken or presented here: the package folder "
                                                      "as a zip, published under the course number once certified.")


class StepForm(FlaskForm):
    action = StringField(validators=[Length(max=20)])
    comment = TextAreaField("Comment", validators=[Optional(), Length(max=4000)])
    number = StringField("Course number", validators=[Optional(), Length(max=5)],
                         description="Up to 5 digits; the presenter's number comes first.")
    expires_on = StringField("Certified through", render_kw={"type": "date"})
