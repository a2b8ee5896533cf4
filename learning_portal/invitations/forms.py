from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from learning_portal.accounts.passwords import MIN_LENGTH


class ForgotPasswordForm(FlaskForm):
    login = StringField("Username or e-mail address", validators=[DataRequired("Give your username or e-mail."),
                                                                  Length(max=320)],
                        render_kw={"autocomplete": "username", "autocapitalize": "none"})


class ChoosePasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_LENGTH, max=256)],
                             description=f"At least {MIN_LENGTH} characters. A short sentence works well.",
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(), EqualTo("password", "The two passwords differ.")],
                            render_kw={"autocomplete": "new-password"})
