"""My data: what the portal holds about me, who looked at it, and downloads as JSON or CSV."""

from __future__ import annotations

import io
import json
import zipfile

from flask import Blueprint, Response, render_template

from learning_portal.accounts.queries import people_by_id
from learning_portal.clock import utcnow
from learning_portal.csvfile import write_rows
from learning_portal.db import get_session
from learning_portal.privacy import services
from learning_portal.web.auth import current_actor, login_required

bp = Blueprint("privacy", __name__)


@bp.get("/my/data")
@login_required
def my_data():
    db, person = get_session(), current_actor()
    data = services.everything(db, person)
    views = services.views_by_others(db, person)
    return render_template("privacy/my_data.html", person=person, counts={k: len(v) for k, v in data.items()},
                           views=views, people=people_by_id(db, {v.actor_id for v in views if v.actor_id}))


@bp.get("/my/data.json")
@login_required
def my_data_json():
    person = current_actor()
    body = json.dumps({"exported_at": utcnow().isoformat(), "person_id": person.id,
                       **services.everything(get_session(), person)}, indent=2, sort_keys=True)
    return Response(body, mimetype="application/json", headers=_download(person, "json"))


@bp.get("/my/data.zip")
@login_required
def my_data_csv():
    person = current_actor()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in services.csv_files(services.everything(get_session(), person)):
            archive.writestr(name, "".join(write_rows(rows)))
    return Response(buffer.getvalue(), mimetype="application/zip", headers=_download(person, "zip"))


def _download(person, ext: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="my-data-{person.post_id}.{ext}"',
            "Cache-Control": "private, no-store"}
