"""manage.py benchmark: gunicorn, a real login and every page measured, end to end on tiny data."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

from activities.models import Activity
from portal.devtools.benchmark import (
    FLOOR,
    PEER,
    QUERY_HEADER,
    SIGNIN_LIVE_PEOPLE,
    Case,
    Session,
    benchmark_subjects,
    loaded_fragments,
    measure,
    parse_form,
    percentile,
    prepare_signin_live,
)
from portal.devtools.synthetic import SCALES, generate_group


def _database_url_for_the_server(tmp_path: Path) -> str:
    """The test database as gunicorn can reach it: PostgreSQL by name; SQLite's in-memory
    test database copied into a file."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        credentials = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
        return (
            f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        )
    path = tmp_path / "bench.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
    # Two workers write (the create POSTs): take the write lock up front, wait for it.
    return f"sqlite:///{path}?transaction_mode=IMMEDIATE&timeout=20"


@pytest.mark.django_db(transaction=True)
def test_benchmark_logs_in_and_measures_every_page_with_its_query_count(tmp_path):
    generate_group(scale=SCALES["tiny"], seed=1)
    # The sign-in it measures, made before SQLite's database is copied for the server.
    prepare_signin_live(benchmark_subjects())
    before = Activity.objects.count()
    report = tmp_path / "bench.json"
    table = tmp_path / "bench.md"
    out = io.StringIO()

    call_command(
        "benchmark",
        "--database-url",
        _database_url_for_the_server(tmp_path),
        "--requests=2",
        "--clients=2",
        "--warmup=0",
        "--alone=0",
        f"--json={report}",
        f"--markdown={table}",
        stdout=out,
    )

    data = json.loads(report.read_text())
    results = {(r["name"], r["role"]) for r in data["results"] if not r["fragment_of"]}
    for role in ("committee staff", "superuser"):
        for page in (
            FLOOR,
            "Activity list, filtered, page 1",
            "Activity list, page 200",
            "Activity detail",
            "Activity create (POST)",
        ):
            assert (page, role) in results
    assert (PEER, "superuser") in results
    assert (f"Sign-in live count ({SIGNIN_LIVE_PEOPLE} signed in)", "committee staff") in results
    for row in data["results"]:
        assert row["errors"] == 0, row
        assert row["requests"] == 2
        assert row["queries_max"] is not None, row
        assert row["p95_ms"] >= row["p50_ms"] > 0
    floor = next(r for r in data["results"] if r["name"] == FLOOR)
    assert floor["queries_max"] == 2  # the session and the login, nothing else
    assert data["data"]["committees"] == SCALES["tiny"].committees
    markdown = table.read_text()
    assert markdown.startswith("| Page | As | p50 ms | p95 ms |")
    assert "Activity list, page 200" in markdown
    assert markdown in out.getvalue()
    if connection.vendor == "postgresql":  # SQLite's server worked on a copy
        # Each measured create POST logged an activity through the real form.
        assert Activity.objects.filter(title__startswith="基准测试").count() == 2 * 2
        assert Activity.objects.count() == before + 2 * 2


def test_fragments_a_page_loads_by_itself_are_found_once():
    html = """
      <div hx-get="/dashboard/trends/?x=1" hx-trigger="load"></div>
      <section hx-get="/dashboard/partners/" hx-trigger="revealed once"></section>
      <button hx-get="/dashboard/other/">on click only</button>
      <div hx-get="/dashboard/trends/?x=1" hx-trigger="load"></div>
    """
    assert loaded_fragments(html) == ["/dashboard/trends/?x=1", "/dashboard/partners/"]


def test_a_form_is_sent_as_a_browser_would():
    html = """
      <form method="post" action="/i18n/setlang/"><input name="language" value="en"></form>
      <form method="post" action="?organiser=c1">
        <input type="hidden" name="csrfmiddlewaretoken" value="tok">
        <input name="title" value="">
        <input type="checkbox" name="goals" value="1" checked>
        <input type="checkbox" name="goals" value="2">
        <input type="file" name="attachments-0-files">
        <select name="attachments-0-kind"><option value="photo" selected>照片</option>
          <option value="document">文件</option></select>
        <textarea name="summary">已有内容</textarea>
      </form>
    """
    form = parse_form(html, "title")
    assert form.action == "?organiser=c1"
    assert form.choices("goals") == ["1", "2"]
    assert form.browser_fields() == [
        ("csrfmiddlewaretoken", "tok"),
        ("title", ""),
        ("goals", "1"),
        ("attachments-0-kind", "photo"),
        ("summary", "已有内容"),
    ]


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.95) == 95
    assert percentile([7.0], 0.95) == 7


def test_measured_requests_send_the_login_cookies_and_keep_none_they_get_back():
    """A create POST answers with a ``messages`` cookie a browser drops on the next page; kept,
    it grew with every POST (and overflowed into the session), written by several threads."""
    sent: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            sent.append(self.headers.get("Cookie", ""))
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(302 if self.command == "POST" else 200)
            self.send_header("Set-Cookie", f"messages=m{len(sent)}; Path=/")
            self.send_header(QUERY_HEADER, "3")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        session = Session(f"http://127.0.0.1:{server.server_address[1]}")
        session.cookies = {"sessionid": "s", "csrftoken": "c"}
        post = Case("Create", "committee staff", "/new/", method="POST", expect=302)
        post.post_fields = lambda n: [("title", f"t{n}")]
        for case in (post, Case("List", "committee staff", "/list/")):
            result = measure(session, case, requests=6, clients=3, warmup=1, alone=2)
            assert result.errors == 0
            assert result.queries_max == 3
    finally:
        server.shutdown()
        server.server_close()
    assert len(sent) == 2 * 9
    assert set(sent) == {"sessionid=s; csrftoken=c"}
    assert session.cookies == {"sessionid": "s", "csrftoken": "c"}
