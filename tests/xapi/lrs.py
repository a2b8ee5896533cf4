"""A small Learning Record Store for the tests, run as its own process: ``python -m tests.xapi.lrs``.

It keeps the parts of the xAPI 1.0.3 statements resource the portal relies on, strictly:
- HTTP Basic authentication and the ``X-Experience-API-Version`` header are required;
- every statement is checked (id, actor account, verb, object, timestamp) and a batch with a bad one is refused;
- a statement id is stored once: POSTing a batch with a known id, or PUTting one again, answers 409;
- ``GET /xapi/statements`` lists what is stored, filtered by ``agent`` (an account) or ``verb``.

``POST /control`` (no authentication) sets faults: ``{"fail_next": n}`` answers 503 to the next n requests,
``{"reject_verb": iri}`` refuses statements with that verb (400), ``{"reset": true}`` clears everything.
The port it listens on is printed as the first line of output.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
IRI_RE = re.compile(r"^[a-z][a-z0-9+.-]*:\S+$", re.IGNORECASE)


class Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statements: dict[str, dict[str, Any]] = {}
        self.fail_next = 0
        self.reject_verb: str | None = None
        self.requests = 0


def problems(statement: Any) -> list[str]:
    if not isinstance(statement, dict):
        return ["a statement must be an object"]
    found = []
    if not UUID_RE.match(str(statement.get("id", ""))):
        found.append("id must be a UUID")
    account = (statement.get("actor") or {}).get("account") or {}
    if not str(account.get("homePage", "")).startswith(("http://", "https://")) or not account.get("name"):
        found.append("actor must be an account with a homePage URL and a name")
    verb = statement.get("verb") or {}
    if not IRI_RE.match(str(verb.get("id", ""))):
        found.append("verb.id must be an IRI")
    target = statement.get("object") or {}
    if target.get("objectType", "Activity") != "Activity" or not IRI_RE.match(str(target.get("id", ""))):
        found.append("object must be an Activity with an IRI id")
    registration = (statement.get("context") or {}).get("registration")
    if registration is not None and not UUID_RE.match(str(registration)):
        found.append("context.registration must be a UUID")
    try:
        datetime.fromisoformat(str(statement.get("timestamp", "")).replace("Z", "+00:00"))
    except ValueError:
        found.append("timestamp must be ISO 8601")
    scaled = ((statement.get("result") or {}).get("score") or {}).get("scaled")
    if scaled is not None and not -1 <= scaled <= 1:
        found.append("result.score.scaled must be between -1 and 1")
    return found


def handler(store: Store, credentials: str) -> type[BaseHTTPRequestHandler]:
    expected = "Basic " + base64.b64encode(credentials.encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: Any = None) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> Any:
            return json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")

        def _guard(self) -> bool:
            """Faults, authentication and the version header; True when the request may go on."""
            with store.lock:
                store.requests += 1
                if store.fail_next > 0:
                    store.fail_next -= 1
                    self._reply(503, {"message": "unavailable (a fault set by the test)"})
                    return False
            if self.headers.get("Authorization") != expected:
                self._reply(401, {"message": "authentication required"})
                return False
            if not str(self.headers.get("X-Experience-API-Version", "")).startswith("1.0"):
                self._reply(400, {"message": "X-Experience-API-Version is required"})
                return False
            if urlsplit(self.path).path != "/xapi/statements":
                self._reply(404, {"message": "only the statements resource is here"})
                return False
            return True

        def _refusal(self, batch: list[Any]) -> str | None:
            for statement in batch:
                if found := problems(statement):
                    return "; ".join(found)
                if store.reject_verb and statement["verb"]["id"] == store.reject_verb:
                    return f"verb {store.reject_verb} is refused (a fault set by the test)"
            return None

        def do_POST(self) -> None:  # noqa: N802
            if urlsplit(self.path).path == "/control":
                body = self._body()
                with store.lock:
                    if body.get("reset"):
                        store.statements.clear()
                        store.fail_next, store.reject_verb, store.requests = 0, None, 0
                    store.fail_next = int(body.get("fail_next", store.fail_next))
                    store.reject_verb = body.get("reject_verb", store.reject_verb)
                self._reply(200, {"requests": store.requests})
                return
            if not self._guard():
                return
            body = self._body()
            batch = body if isinstance(body, list) else [body]
            ids = [s.get("id") for s in batch if isinstance(s, dict)]
            if len(set(ids)) != len(ids):
                self._reply(400, {"message": "a batch must not repeat a statement id"})
                return
            if refusal := self._refusal(batch):
                self._reply(400, {"message": refusal})
                return
            with store.lock:
                if known := [i for i in ids if i in store.statements]:
                    self._reply(409, {"message": f"statement {known[0]} is already stored"})
                    return
                for statement in batch:
                    self._store(statement)
            self._reply(200, ids)

        def do_PUT(self) -> None:  # noqa: N802
            if not self._guard():
                return
            statement_id = parse_qs(urlsplit(self.path).query).get("statementId", [""])[0]
            statement = self._body()
            if not isinstance(statement, dict) or statement.get("id", statement_id) != statement_id:
                self._reply(400, {"message": "statementId must match the statement's id"})
                return
            statement["id"] = statement_id
            if refusal := self._refusal([statement]):
                self._reply(400, {"message": refusal})
                return
            with store.lock:
                if statement_id in store.statements:
                    self._reply(409, {"message": "already stored"})
                    return
                self._store(statement)
            self._reply(204)

        def do_GET(self) -> None:  # noqa: N802
            if not self._guard():
                return
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            with store.lock:
                found = list(store.statements.values())
            if "agent" in query:
                account = json.loads(query["agent"]).get("account")
                found = [s for s in found if s["actor"].get("account") == account]
            if "verb" in query:
                found = [s for s in found if s["verb"]["id"] == query["verb"]]
            self._reply(200, {"statements": found, "more": ""})

        def _store(self, statement: dict[str, Any]) -> None:
            stored = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            store.statements[statement["id"]] = {**statement, "stored": stored,
                                                 "authority": {"account": {"homePage": "http://127.0.0.1/",
                                                                           "name": "portal"}}}

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--credentials", default="portal:lrs-secret", help="username:password for Basic auth")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(Store(), args.credentials))
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
