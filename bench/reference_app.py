"""The reference for the HTTP load runs: a minimal Flask endpoint that reads one row from the same database,
served by gunicorn with the same settings as the portal. Every page's figure is a ratio to this one."""

import os
import random

from flask import Flask, jsonify
from sqlalchemy import text

from learning_portal.db import make_engine

app = Flask(__name__)
engine = make_engine(os.environ["PORTAL_DATABASE_URL"])
MAX_ID = int(os.environ.get("REFERENCE_MAX_ID", "1000"))


@app.get("/")
def one_row():
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id, post_id, last_name FROM people WHERE id = :id"),
                           {"id": random.randint(1, MAX_ID)}).one()  # noqa: S311 - not security
    return jsonify(id=row.id, post_id=row.post_id, last_name=row.last_name)
