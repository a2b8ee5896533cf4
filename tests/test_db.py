"""Database plumbing: SQLite transactions that read, then write, never fail while another writer commits."""

import threading

from sqlalchemy import text

from learning_portal.db import make_engine


def test_sqlite_read_then_write_transactions_wait_instead_of_failing(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    errors: list[Exception] = []

    def work(who: str, read_first: bool) -> None:
        try:
            for _ in range(150):
                with engine.begin() as conn:  # like a request: read, then write what it decided
                    if read_first:
                        conn.execute(text("SELECT count(*) FROM t")).scalar()
                    conn.execute(text("INSERT INTO t (who) VALUES (:w)"), {"w": who})
        except Exception as exc:  # "database is locked" would land here
            errors.append(exc)

    threads = [threading.Thread(target=work, args=("poster", False)),
               threading.Thread(target=work, args=("request", True))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 300
    engine.dispose()
