"""The benchmark behind ``manage.py benchmark``: the portal served by gunicorn, measured over HTTP.

``run_benchmark`` starts gunicorn (2 sync workers, ``DEBUG`` off, ``PORTAL_BENCHMARK=1``: each
response carries its SQL query count, no cache) against the database in ``database_url``,
logs in through the login form as a committee's staff and as a superuser, and requests each
page from ``clients`` concurrent threads. Every htmx fragment a page loads by itself
(``hx-get`` with a ``load``/``revealed``/``intersect`` trigger) is measured as its own request.

Only the standard library speaks HTTP here (``http.client``, one connection per request, as
gunicorn's sync workers close them anyway): no dependency added for a load generator.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from activities.forms import FORM_TOKEN_FIELD, new_form_token
from activities.models import Activity, ActivityStatus, Measure
from branches.models import Committee, CommitteeRole
from portal.devtools.synthetic import BENCH_PASSWORD, ROOT_USERNAME
from portal.signin.models import EntryKind, EntryMethod, SignInEntry
from portal.signin.services import sheet_open
from portal.signin.tokens import window_at

QUERY_HEADER = "X-Query-Count"
#: The page targets at group scale on a 2-core machine (docs/performance.md).
TARGET_DASHBOARD_P95_MS = 150
TARGET_LIST_P95_MS = 100
TARGET_MAX_QUERIES = 12
#: The on-site sign-in's live count (issue 17): a refresh with 300 signed in.
TARGET_SIGNIN_LIVE_P95_MS = 20
SIGNIN_LIVE_PEOPLE = 300
SIGNIN_BENCH_TITLE = "现场签到（基准测试）"
FLOOR = "Floor: bare login-required view"
PEER = "Peer: admin activity changelist"


# --- HTTP -----------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def queries(self) -> int | None:
        raw = self.headers.get(QUERY_HEADER.lower())
        return int(raw) if raw is not None else None


class Session:
    """A browser's cookie jar against one server; ``request`` is safe from several threads."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        keep_cookies: bool = True,
    ) -> Response:
        """``keep_cookies=False``: the response's cookies are not kept (a measured request)."""
        all_headers = {"Accept-Language": "zh-hans", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        connection = HTTPConnection(self.host, self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            raw = connection.getresponse()
            data = raw.read()
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        response_headers = {k.lower(): v for k, v in raw.getheaders()}
        if not keep_cookies:
            return Response(raw.status, response_headers, data, seconds)
        for header in raw.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return Response(raw.status, response_headers, data, seconds)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post_form(
        self, path: str, fields: list[tuple[str, str]], *, referer: str, **kwargs: Any
    ) -> Response:
        """A browser's multipart form POST (the activity form carries file inputs)."""
        boundary = f"----bench{uuid.uuid4().hex}"
        chunks = []
        for name, value in fields:
            chunks.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            )
        chunks.append(f"--{boundary}--\r\n")
        return self.request(
            "POST",
            path,
            body="".join(chunks).encode(),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Referer": self.base_url + referer,
            },
            **kwargs,
        )


class LoginFailed(RuntimeError):
    pass


def login(base_url: str, username: str, password: str) -> Session:
    """Log in through the login form with its CSRF token, as a browser does."""
    session = Session(base_url)
    login_path = reverse("login")
    page = session.get(login_path)
    form = parse_form(page.text, "username")
    if form is None:
        raise LoginFailed(f"no login form at {login_path} (HTTP {page.status})")
    fields = [(k, v) for k, v in form.hidden() if k != "next"]
    fields += [("username", username), ("password", password)]
    response = session.request(
        "POST",
        login_path,
        body=urlencode(fields).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": base_url + login_path,
        },
    )
    if response.status != 302 or "sessionid" not in session.cookies:
        raise LoginFailed(f"{username} could not log in (HTTP {response.status})")
    return session


# --- HTML: forms and the fragments a page loads ---------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    inputs: list[dict[str, str]] = field(default_factory=list)
    #: name -> [(value, selected)]
    selects: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)
    textareas: dict[str, str] = field(default_factory=dict)

    def hidden(self) -> list[tuple[str, str]]:
        return [
            (i["name"], i.get("value", ""))
            for i in self.inputs
            if i.get("type") == "hidden" and i.get("name")
        ]

    def browser_fields(self) -> list[tuple[str, str]]:
        """What a browser sends for the form as served: values, ticked boxes, chosen options."""
        fields = []
        for i in self.inputs:
            kind, name = i.get("type", "text").lower(), i.get("name")
            if not name or kind in {"submit", "button", "file", "image", "reset"}:
                continue
            if kind in {"checkbox", "radio"} and "checked" not in i:
                continue
            fields.append((name, i.get("value", "on" if kind == "checkbox" else "")))
        for name, options in self.selects.items():
            chosen = [v for v, selected in options if selected] or [v for v, _ in options[:1]]
            fields.extend((name, v) for v in chosen[:1])
        fields.extend(self.textareas.items())
        return fields

    def names(self) -> set[str]:
        return {i["name"] for i in self.inputs if i.get("name")}

    def choices(self, name: str) -> list[str]:
        """Values of the radio buttons / checkboxes called ``name``."""
        return [i.get("value", "") for i in self.inputs if i.get("name") == name]


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self.fragments: list[str] = []

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        trigger = attrs.get("hx-trigger", "")
        if "hx-get" in attrs and re.search(r"\b(load|revealed|intersect)\b", trigger):
            self.fragments.append(attrs["hx-get"])
        if tag == "form":
            self._form = Form(action=attrs.get("action", ""), method=attrs.get("method", "get"))
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input":
            self._form.inputs.append(attrs)
        elif tag == "select":
            self._select = attrs.get("name", "")
            self._form.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self._form.selects[self._select].append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea":
            self._textarea = attrs.get("name", "")
            self._form.textareas[self._textarea] = ""

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form.textareas[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def parse_form(html: str, field_name: str) -> Form | None:
    """The page's first POST form with a field called ``field_name``."""
    parser = _PageParser()
    parser.feed(html)
    return next(
        (
            f
            for f in parser.forms
            if f.method.lower() == "post"
            and (f.names() & {field_name} or field_name in f.selects or field_name in f.textareas)
        ),
        None,
    )


def loaded_fragments(html: str) -> list[str]:
    """The htmx fragments a page requests by itself once shown (in document order, once)."""
    parser = _PageParser()
    parser.feed(html)
    return list(dict.fromkeys(parser.fragments))


# --- what is measured -----------------------------------------------------------------------


@dataclass
class Case:
    name: str
    role: str  # "committee staff" / "superuser"
    path: str
    method: str = "GET"
    #: For a POST: builds the fields of request ``n`` (e.g. a unique title).
    post_fields: Callable[[int], list[tuple[str, str]]] | None = None
    referer: str = ""
    fragment_of: str = ""
    #: The status a correct answer has (a successful create redirects).
    expect: int = 200
    target_p95_ms: int | None = None


@dataclass
class CaseResult:
    name: str
    role: str
    path: str
    method: str
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    alone_p50_ms: float | None
    throughput_rps: float
    queries_min: int | None
    queries_max: int | None
    bytes: int
    target_p95_ms: int | None
    fragment_of: str = ""
    first_error: str = ""

    @property
    def p95_ok(self) -> bool | None:
        return None if self.target_p95_ms is None else self.p95_ms <= self.target_p95_ms

    @property
    def queries_ok(self) -> bool | None:
        return None if self.queries_max is None else self.queries_max <= TARGET_MAX_QUERIES


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def measure(
    session: Session, case: Case, *, requests: int, clients: int, warmup: int, alone: int
) -> CaseResult:
    """``requests`` requests from ``clients`` threads at once, after ``warmup`` untimed ones;
    then ``alone`` requests from a single client (the time a request takes with no queue).

    Every request is sent with the cookies of the login, and the cookies it gets back are not
    kept: a create POST sets a ``messages`` cookie that a browser drops on the page it is
    redirected to; kept, it grew with every POST until the messages overflowed into the
    session (a session write per request), and several threads wrote one cookie jar."""
    counter = iter(range(10**9))
    lock = threading.Lock()

    def one(n: int) -> Response:
        if case.method == "POST":
            assert case.post_fields is not None
            return session.post_form(
                case.path, case.post_fields(n), referer=case.referer, keep_cookies=False
            )
        headers = {"HX-Request": "true"} if case.fragment_of else None
        return session.get(case.path, headers=headers, keep_cookies=False)

    for _ in range(warmup):
        one(next(counter))
    samples: list[Response] = []

    def worker(share: int) -> None:
        for _ in range(share):
            with lock:
                n = next(counter)
            response = one(n)
            with lock:
                samples.append(response)

    shares = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
    threads = [threading.Thread(target=worker, args=(s,)) for s in shares if s]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    alone_times = [one(next(counter)).seconds for _ in range(alone)]

    errors = [r for r in samples if r.status != case.expect]
    queries = [r.queries for r in samples if r.queries is not None]
    first_error = ""
    if errors:
        first = errors[0]
        first_error = f"HTTP {first.status}: " + _error_hint(first)
    return CaseResult(
        name=case.name,
        role=case.role,
        path=case.path,
        method=case.method,
        requests=len(samples),
        errors=len(errors),
        p50_ms=1000 * percentile([r.seconds for r in samples], 0.5),
        p95_ms=1000 * percentile([r.seconds for r in samples], 0.95),
        alone_p50_ms=1000 * statistics.median(alone_times) if alone_times else None,
        throughput_rps=len(samples) / wall if wall else 0.0,
        queries_min=min(queries) if queries else None,
        queries_max=max(queries) if queries else None,
        bytes=round(statistics.mean(len(r.body) for r in samples)),
        target_p95_ms=case.target_p95_ms,
        fragment_of=case.fragment_of,
        first_error=first_error,
    )


def _error_hint(response: Response) -> str:
    text = re.sub(r"<[^>]+>", " ", response.text)
    errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S)
    hint = " | ".join(re.sub(r"<[^>]+>|\s+", " ", e).strip() for e in errors) or text
    return re.sub(r"\s+", " ", hint).strip()[:300]


# --- the plan -------------------------------------------------------------------------------


@dataclass
class Subject:
    """Who is measured: a login, and the committee whose pages they open."""

    role: str
    username: str
    committee: Committee
    session: Session | None = None


def benchmark_subjects() -> list[Subject]:
    """The staff of the committee with the most activities, and the superuser on it too."""
    committee = Committee.objects.annotate(n=Count("activities")).order_by("-n", "pk").first()
    if committee is None:
        raise RuntimeError("The database holds no committee: run generate_group first.")
    role = (
        CommitteeRole.objects.filter(committee=committee, user__username__startswith="bench_staff")
        .select_related("user")
        .first()
    )
    if role is None:
        raise RuntimeError(f"No bench_staff login in {committee}: run generate_group first.")
    return [
        Subject("committee staff", role.user.username, committee),
        Subject("superuser", ROOT_USERNAME, committee),
    ]


def _reverse(name: str, **kwargs: Any) -> str | None:
    try:
        return reverse(name, **kwargs)
    except NoReverseMatch:
        return None


def page_cases(subject: Subject) -> list[Case]:
    """The measured pages for one subject (fragments are found when the pages load)."""
    committee = subject.committee
    role = subject.role
    # A superuser has every committee: the pages take the committee explicitly, as a link does.
    chosen = f"?committee={committee.pk}" if role == "superuser" else ""
    cases = []
    dashboard = _reverse("dashboards:committee")
    if dashboard:
        cases.append(
            Case(
                "Committee dashboard",
                role,
                dashboard + chosen,
                target_p95_ms=TARGET_DASHBOARD_P95_MS,
            )
        )
    coverage = _reverse("dashboards:coverage")
    if coverage:
        cases.append(
            Case("Coverage matrix", role, coverage + chosen, target_p95_ms=TARGET_DASHBOARD_P95_MS)
        )
    list_path = reverse("activities:list")
    today = timezone.localdate()
    measure = Measure.objects.filter(committee=committee).order_by("position").first()
    filtered = {
        "status": ActivityStatus.APPROVED,
        "measure": measure.pk if measure else "",
        "date_from": (today - dt.timedelta(days=365)).isoformat(),
        "date_to": today.isoformat(),
    }
    if role == "superuser":
        # Across all committees: the superuser's list is not narrowed to one committee.
        filtered.pop("measure")
    cases.append(
        Case(
            "Activity list, filtered, page 1",
            role,
            f"{list_path}?{urlencode(filtered)}",
            target_p95_ms=TARGET_LIST_P95_MS,
        )
    )
    cases.append(
        Case(
            "Activity list, page 200",
            role,
            f"{list_path}?{urlencode({'status': ActivityStatus.APPROVED, 'page': 200})}",
            target_p95_ms=TARGET_LIST_P95_MS,
        )
    )
    activity = (
        Activity.objects.filter(committee=committee, status=ActivityStatus.APPROVED)
        .annotate(n=Count("attendees"))
        .filter(n__gt=0)
        .order_by("-starts_at")
        .first()
    )
    if activity is not None:
        cases.append(
            Case("Activity detail", role, reverse("activities:detail", args=[activity.pk]))
        )
    live = _signin_live_case(subject)
    if live is not None:
        cases.append(live)
    create = reverse("activities:create")
    if role == "superuser":
        create += "?" + urlencode({"organiser": f"c{committee.pk}"})
    cases.append(Case("Activity create form (GET)", role, create))
    cases.append(Case("Activity create (POST)", role, create, method="POST", expect=302))
    return cases


def prepare_signin_live(subjects: list[Subject]) -> None:
    """The on-site sign-in whose live count is measured: a committee-level draft of the
    measured committee taking place now, opened by its staff (who hold a committee-level
    activity's sign-in), with ``SIGNIN_LIVE_PEOPLE`` signed in. Made on the first run, moved
    to the present on the next; before the server starts (a SQLite server works on a copy)."""
    for subject in subjects:
        if subject.role != "committee staff":
            continue
        committee = subject.committee
        now = timezone.now()
        activity = Activity.objects.filter(committee=committee, title=SIGNIN_BENCH_TITLE).first()
        if activity is None:
            measure = Measure.objects.filter(committee=committee).order_by("position").first()
            if measure is None:
                continue
            activity = Activity.objects.create(
                committee=committee,
                branch=None,
                title=SIGNIN_BENCH_TITLE,
                kind=Activity._meta.get_field("kind").choices[0][0],
                measure=measure,
                starts_at=now,
                ends_at=now + dt.timedelta(hours=3),
                status=ActivityStatus.DRAFT,
            )
        Activity.objects.filter(pk=activity.pk).update(
            starts_at=now, ends_at=now + dt.timedelta(hours=3), status=ActivityStatus.DRAFT
        )
        activity.refresh_from_db()
        staff = get_user_model().objects.get(username=subject.username)
        sheet = sheet_open(activity, by=staff)
        missing = SIGNIN_LIVE_PEOPLE - sheet.entries.count()
        SignInEntry.objects.bulk_create(
            SignInEntry(
                sheet=sheet,
                committee=committee,
                kind=EntryKind.GUEST,
                name=f"来宾{n}",
                name_key=f"来宾{n}",
                unit_name="基准测试单位",
                method=EntryMethod.SCAN,
            )
            for n in range(max(missing, 0))
        )


def _signin_live_case(subject: Subject) -> Case | None:
    """The live count of ``prepare_signin_live``'s sign-in, as the organiser's page refreshes
    it (within the same minute: no new QR code)."""
    if subject.role != "committee staff":
        return None
    activity = Activity.objects.filter(
        committee=subject.committee, title=SIGNIN_BENCH_TITLE
    ).first()
    if activity is None:
        return None
    path = reverse("signin:live", args=[activity.pk])
    return Case(
        f"Sign-in live count ({SIGNIN_LIVE_PEOPLE} signed in)",
        subject.role,
        f"{path}?{urlencode({'w': window_at()})}",
        target_p95_ms=TARGET_SIGNIN_LIVE_P95_MS,
    )


def peer_cases(subject: Subject) -> list[Case]:
    cases = [Case(FLOOR, subject.role, "/__benchmark__/floor/")]
    if subject.role == "superuser":
        cases.append(Case(PEER, subject.role, reverse("admin:activities_activity_changelist")))
    return cases


def prepare_post(session: Session, case: Case) -> None:
    """Fill in the activity form as a secretary would, from the form the page serves."""
    page = session.get(case.path)
    if page.status != 200:
        raise RuntimeError(f"{case.path}: HTTP {page.status}, no activity form to fill in")
    form = parse_form(page.text, "title")
    if form is None:
        raise RuntimeError(f"{case.path}: the page has no activity form")
    case.path = urljoin(case.path, form.action) if form.action else case.path
    case.referer = case.path
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    kinds = [v for v, _selected in form.selects.get("kind", []) if v]
    fixed = {
        "kind": kinds[0] if kinds else "meeting",
        "starts_at": f"{yesterday:%Y-%m-%d}T09:00",
        "ends_at": f"{yesterday:%Y-%m-%d}T11:00",
        "location": "项目部会议室",
        "external_participants": "3",
        "volunteers": "0",
        "beneficiaries": "0",
        "summary": "基准测试：联合学习并交流项目推进情况。",
        "outcome": "",
    }
    measures = form.choices("measure")
    goals = form.choices("goals")
    partners = form.choices("partners")
    attendees = form.choices("attendees")
    many = (
        ([("measure", measures[0])] if measures else [])
        + [("goals", g) for g in goals[:1]]
        + [("partners", p) for p in partners[:1]]
        + [("attendees", a) for a in attendees[:8]]
    )

    filled = {"title", *fixed, "measure", "goals", "partners", "attendees", FORM_TOKEN_FIELD}
    base = [(k, v) for k, v in form.browser_fields() if k not in filled]

    def fields(n: int) -> list[tuple[str, str]]:
        # Each POST stands for a form opened afresh: a token of its own (a token saves once).
        token = (FORM_TOKEN_FIELD, new_form_token())
        return [*base, token, ("title", f"基准测试联建活动 {n}"), *fixed.items(), *many]

    case.post_fields = fields


# --- the server -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_environment(database_url: str, port: int, *, cache: bool = False) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PORTAL_BASE_URL=f"http://127.0.0.1:{port}",
        SECURE_COOKIES="0",
        SECURE_SSL_REDIRECT="0",
        # It logs a superuser and committee staff in through the login form and has no
        # authenticator app: the second factor would stop it at the code page.
        TWO_FACTOR_REQUIRED="0",
        PORTAL_BENCHMARK="1",
        PORTAL_BENCHMARK_CACHE="1" if cache else "0",
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    return env


@contextmanager
def gunicorn_server(
    database_url: str, *, workers: int = 2, cache: bool = False, log: Callable[[str], None]
) -> Iterator[str]:
    """gunicorn serving the portal with ``DEBUG`` off; yields its base URL, stops it after."""
    port = _free_port()
    env = child_environment(database_url, port, cache=cache)
    with tempfile.TemporaryFile(mode="w+") as output:
        process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{port}",
                "--log-level=warning",
                "--timeout=120",
            ],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base_url, process, output)
            log(f"gunicorn ({workers} workers, DEBUG off) on {base_url}")
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(base_url: str, process: subprocess.Popen, output: Any) -> None:
    session = Session(base_url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            raise RuntimeError(f"gunicorn stopped at start-up:\n{output.read()[-3000:]}")
        try:
            if session.get(reverse("login")).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


# --- the run --------------------------------------------------------------------------------


@dataclass
class BenchmarkOptions:
    database_url: str
    requests: int = 200
    clients: int = 8
    warmup: int = 3
    alone: int = 10
    workers: int = 2
    cache: bool = False
    password: str = BENCH_PASSWORD


@dataclass
class BenchmarkReport:
    results: list[CaseResult]
    started_at: str
    seconds: float
    options: dict[str, Any]
    machine: dict[str, Any]
    data: dict[str, int]

    def result(self, name: str, role: str) -> CaseResult | None:
        return next((r for r in self.results if r.name == name and r.role == role), None)

    def to_json(self) -> str:
        rows = []
        for r in self.results:
            row = asdict(r)
            row.update(p95_ok=r.p95_ok, queries_ok=r.queries_ok)
            rows.append(row)
        payload = {
            "started_at": self.started_at,
            "seconds": round(self.seconds, 1),
            "options": self.options,
            "machine": self.machine,
            "data": self.data,
            "targets": {
                "dashboard_p95_ms": TARGET_DASHBOARD_P95_MS,
                "list_p95_ms": TARGET_LIST_P95_MS,
                "max_queries": TARGET_MAX_QUERIES,
            },
            "results": rows,
        }
        return json.dumps(payload, ensure_ascii=False, indent=2)

    def to_markdown(self) -> str:
        lines = [
            "| Page | As | p50 ms | p95 ms | p50 alone ms | req/s | SQL queries | × floor | "
            "× admin | Target |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        floor = self.result(FLOOR, "superuser") or self.result(FLOOR, "committee staff")
        peer = self.result(PEER, "superuser")
        for r in self.results:
            own_floor = self.result(FLOOR, r.role) or floor
            name = f"↳ fragment {r.path}" if r.fragment_of else r.name
            queries = (
                "–"
                if r.queries_min is None
                else (
                    str(r.queries_max)
                    if r.queries_min == r.queries_max
                    else f"{r.queries_min}–{r.queries_max}"
                )
            )
            verdicts = []
            if r.target_p95_ms is not None:
                verdicts.append(f"p95 ≤ {r.target_p95_ms}: {'met' if r.p95_ok else '**missed**'}")
            if r.queries_ok is False:
                verdicts.append(f"**> {TARGET_MAX_QUERIES} queries**")
            if r.errors:
                verdicts.append(f"**{r.errors} errors** ({r.first_error[:80]})")
            alone = f"{r.alone_p50_ms:.1f}" if r.alone_p50_ms is not None else "–"
            lines.append(
                f"| {name} | {r.role} | {r.p50_ms:.1f} | {r.p95_ms:.1f} | {alone} | "
                f"{r.throughput_rps:.1f} | {queries} | {_ratio(r, own_floor)} | "
                f"{_ratio(r, peer)} | {'; '.join(verdicts)} |"
            )
        return "\n".join(lines)


def _ratio(result: CaseResult, base: CaseResult | None) -> str:
    if base is None or not base.p50_ms:
        return "–"
    return f"{result.p50_ms / base.p50_ms:.1f}"


def machine_description() -> dict[str, Any]:
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kb = int(meminfo.readline().split()[1])
            memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in cpuinfo
                    if line.startswith("model name")
                ),
                cpu,
            )
    except OSError:
        pass
    return {
        "load average": " ".join(f"{v:.2f}" for v in os.getloadavg()),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def data_sizes() -> dict[str, int]:
    from branches.models import Branch, Member
    from partnerships.models import PartnerOrganisation

    return {
        "committees": Committee.objects.count(),
        "branches": Branch.objects.count(),
        "members": Member.objects.count(),
        "partner organisations": PartnerOrganisation.objects.count(),
        "activities": Activity.objects.count(),
        "attendances": Activity.attendees.through.objects.count(),
    }


def run_benchmark(
    options: BenchmarkOptions, *, log: Callable[[str], None] = print
) -> BenchmarkReport:
    """Serve, log in, measure every page and fragment, stop; the report of the run."""
    started = time.monotonic()
    started_at = timezone.now().isoformat(timespec="seconds")
    load_at_start = " ".join(f"{v:.2f}" for v in os.getloadavg())
    subjects = benchmark_subjects()
    prepare_signin_live(subjects)
    results: list[CaseResult] = []
    with gunicorn_server(
        options.database_url, workers=options.workers, cache=options.cache, log=log
    ) as base_url:
        for subject in subjects:
            subject.session = login(base_url, subject.username, options.password)
            log(f"logged in as {subject.username} ({subject.role}, {subject.committee})")
        for subject in subjects:
            for case in [*peer_cases(subject), *page_cases(subject)]:
                results.extend(_measure_with_fragments(subject, case, options, log))
    machine = machine_description()
    machine["load average at the start"] = load_at_start
    return BenchmarkReport(
        results=results,
        started_at=started_at,
        seconds=time.monotonic() - started,
        options={k: v for k, v in asdict(options).items() if k not in {"password", "database_url"}},
        machine=machine,
        data=data_sizes(),
    )


def _measure_with_fragments(
    subject: Subject, case: Case, options: BenchmarkOptions, log: Callable[[str], None]
) -> list[CaseResult]:
    session = subject.session
    assert session is not None
    fragments: list[str] = []
    if case.method == "POST":
        prepare_post(session, case)
    else:
        page = session.get(case.path)
        if page.status == 200 and "html" in page.headers.get("content-type", ""):
            fragments = loaded_fragments(page.text)
    kwargs = {
        "requests": options.requests,
        "clients": options.clients,
        "warmup": options.warmup,
        "alone": options.alone,
    }
    results = [measure(session, case, **kwargs)]
    _log_result(results[-1], log)
    for path in fragments:
        fragment = Case(
            case.name,
            case.role,
            urljoin(case.path, path),
            fragment_of=case.name,
            target_p95_ms=case.target_p95_ms,
        )
        results.append(measure(session, fragment, **kwargs))
        _log_result(results[-1], log)
    return results


def _log_result(result: CaseResult, log: Callable[[str], None]) -> None:
    label = f"{result.name} › {result.path}" if result.fragment_of else result.name
    log(
        f"  {label} ({result.role}): p50 {result.p50_ms:.0f} ms, p95 {result.p95_ms:.0f} ms, "
        f"{result.throughput_rps:.1f} req/s, queries {result.queries_max}"
        + (f", {result.errors} errors: {result.first_error}" if result.errors else "")
    )
