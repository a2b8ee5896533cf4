"""Flask extensions, bound to the app in ``init_app`` (no I/O)."""

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Please sign in to see this page."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    csrf.init_app(app)
