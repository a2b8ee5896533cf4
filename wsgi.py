"""WSGI entry point: ``gunicorn wsgi:app``. The only module-level app."""

from learning_portal import create_app

app = create_app()
