"""A hostile crawl: every form the portal shows, filled with what an attacker would send.

For each user of the permission matrix (and the superuser) every portal page of the matrix
is opened, and of the Django admin the list, add, change and import pages of activities,
partners, partnerships and members. Every ``<form>`` found is sent back, with the method
it declares and the CSRF token of the page, several times over: each field gets one of the
hostile values of its kind in turn (very long text, markup, SQL-like text, huge and negative
numbers, impossible dates, another committee's ids, ids that do not exist, files that lie
about their type). GET pages are also asked with forged query strings.

The promise checked: no answer is a server error, and the markup sent never comes back
unescaped. Values rotate over the fields rather than running as a cartesian product, so one
role's crawl stays in seconds.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from activities.models import ActivityAction, ActivityEvent
from portal.signin import tokens
from portal.signin.models import EntryMethod, SignInEntry, SignInSheet, name_key
from tests import factories
from tests.conftest import SIGNIN_TEST_DEVICE, phone_client, signin_pass
from tests.portal.test_permission_matrix import GET, MATRIX, USERS, World, build_url

pytestmark = pytest.mark.django_db

ROLES = (*USERS, "superuser")

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
#: What must never be found in an answer: the markup above, unescaped.
UNESCAPED = ("<script>alert(1)</script>", "onerror=alert(1)>")
SQL = "' OR 1=1 --"
LONG = "长" * 5_000 + "x" * 5_000
HUGE = "9" * 30
NEGATIVE = "-99999999999"

TEXT = [LONG, SCRIPT, IMG, SQL, HUGE, NEGATIVE]
NUMBER = [HUGE, NEGATIVE, "1e309", "abc", SCRIPT, SQL, "-1", "NaN"]
DATE = ["9999-99-99", "0000-00-00", "abc", SCRIPT, "99999-12-31T25:61", NEGATIVE]

#: The admin pages crawled besides the portal's own: the models a committee admin edits most.
ADMIN_MODELS = (
    "admin/activities/activity/",
    "admin/partnerships/partnerorganisation/",
    "admin/partnerships/partnership/",
    "admin/partnerships/yearplan/",
    "admin/branches/member/",
)
#: Their list, add, change and import pages, and a partnership's renewal (续签) page.
ADMIN_PAGES = ("", "add/", "<path:object_id>/change/", "import/", "<path:object_id>/renew/")
#: Pages that answer with a file, not a page with forms.
NOT_PAGES = ("files/", "healthz", "activities/export.xlsx", "reports/<int:pk>/download/")
#: Query parameters tried on every GET page besides those of its own forms.
COMMON_PARAMS = ("q", "page", "status", "committee", "branch", "period", "kind", "o", "next")


#: The on-site sign-in's forms (portal.signin): the organiser's (open, close, add by hand,
#: remove) for the secretary of A1, and the public ones (type the code, sign in) for everybody.
SIGNIN_OFFICER_FORMS = (
    r"/activities/\d+/signin/open/",
    r"/activities/\d+/signin/close/",
    r"/activities/\d+/signin/add/",
    r"/activities/\d+/signin/entries/\d+/remove/",
)
SIGNIN_PUBLIC_FORMS = (r"/s/", r"/s/in/\w+/")

#: The logged-in partner pages' forms (portal.partners): the crawl must reach each.
PARTNER_FORMS = (
    r"/activities/\d+/partners/",
    r"/partners/links/\d+/withdraw/",
    r"/partners/links/\d+/remind/",
    r"/partners/contacts/\d+/page-links/",
)


def lying_files() -> list[tuple[str, bytes, str]]:
    """Files whose name or header says one thing and whose content another."""
    jpeg = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 0, 0)).save(jpeg, "JPEG")
    return [
        ("照片.jpg", f"<html><body>{SCRIPT}</body></html>".encode(), "image/jpeg"),
        ("协议.pdf", b"%PDF-1.4\n" + f"<html>{SCRIPT}</html>".encode(), "application/pdf"),
        ("empty.png", b"", "image/png"),
        ("truncated.jpg", jpeg.getvalue()[:100], "image/jpeg"),
        (f"{IMG}.jpg", jpeg.getvalue(), "image/jpeg"),
        ("roster.xlsx", b"PK\x03\x04 not really a workbook", "application/octet-stream"),
        ("roster.csv", f"name,phone\n{SCRIPT},{SQL}\n".encode(), "text/csv"),
    ]


# --- Reading forms out of a page ------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, number, date, select, checkbox, file, hidden, submit
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    def field_named(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


INPUT_KINDS = {
    "number": "number",
    "range": "number",
    "date": "date",
    "datetime-local": "date",
    "time": "date",
    "month": "date",
    "file": "file",
    "hidden": "hidden",
    "checkbox": "checkbox",
    "radio": "select",
    "submit": "submit",
}


class FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "form":
            action = urljoin(self.page_url, attrs.get("action") or self.page_url)
            self.form = Form(action, (attrs.get("method") or "get").lower())
            self.forms.append(self.form)
            return
        if self.form is None or (not attrs.get("name") and tag != "option"):
            return
        if tag == "input":
            input_type = attrs.get("type", "text").lower()
            kind = INPUT_KINDS.get(input_type, "text")
            existing = self.form.field_named(attrs["name"])
            if kind == "select" and existing:  # another radio button of the same group
                existing.options.append(attrs.get("value", ""))
                return
            if kind == "submit" and existing:
                return
            self.form.fields.append(
                Field(attrs["name"], kind, attrs.get("value", ""), [attrs.get("value", "")])
            )
        elif tag == "select":
            self.select = Field(attrs["name"], "select")
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.select.options.append(attrs.get("value", ""))
        elif tag == "textarea":
            self.textarea = Field(attrs["name"], "text")
            self.form.fields.append(self.textarea)
        elif (
            tag == "button"
            and attrs.get("type", "submit") == "submit"
            and not self.form.field_named(attrs["name"])
        ):
            self.form.fields.append(Field(attrs["name"], "submit", attrs.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def forms_of(html: str, page_url: str) -> list[Form]:
    parser = FormParser(page_url)
    parser.feed(html)
    return parser.forms


# --- Hostile values -------------------------------------------------------------------------


@dataclass
class Crawl:
    world: World
    role: str
    forged_ids: list[str]
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    sent: list[tuple[str, str, int]] = field(default_factory=list)
    files: int = 0
    #: (path, field name) of every field sent in a form.
    fields_sent: set[tuple[str, str]] = field(default_factory=set)
    #: The role's session, logged in once and sent with every request of the crawl; None
    #: until the first request, and again after a request ended it (logout, a flush).
    session: str | None = None

    def value(self, f: Field, turn: int) -> Any:
        """The hostile value of ``f`` for submission number ``turn``."""
        if f.kind == "submit":
            return f.value
        if f.name == "csrfmiddlewaretoken":
            return f.value
        if f.kind == "file":
            name, content, content_type = lying_files()[turn % len(lying_files())]
            return SimpleUploadedFile(name, content, content_type=content_type)
        if f.kind in ("select", "checkbox"):
            forged = [*self.forged_ids, "999999999", "-1", SCRIPT, SQL, HUGE]
            return forged[turn % len(forged)]
        if f.name.endswith(("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")):
            return [f.value, HUGE, NEGATIVE, "abc", f.value, "1"][turn % 6]
        if f.kind == "number":
            return NUMBER[turn % len(NUMBER)]
        if f.kind == "date":
            return DATE[turn % len(DATE)]
        if f.kind == "hidden":  # ids, versions, next URLs: forged
            return [f.value, *self.forged_ids, "999999999", "-1", SCRIPT, SQL][turn % 6]
        return TEXT[turn % len(TEXT)]

    def send(self, method: str, url: str, data: dict[str, Any] | None = None):
        """The answer to the request, or None (and a problem noted) when the view raised."""
        client = self.client()
        try:
            response = client.post(url, data) if method == "POST" else client.get(url, data)
        except Exception as error:  # the test client re-raises what a view let escape
            self.requests += 1
            self.problems.append(f"{method} {url} as {self.role}: {error!r}"[:300])
            return None
        finally:
            self.keep_session(client)
        self.check(method, url, response)
        return response

    def check(self, method: str, url: str, response) -> None:
        self.requests += 1
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode("utf-8", "replace")
        if response.status_code >= 500:
            self.problems.append(f"{method} {url} as {self.role}: {response.status_code}")
        for raw in UNESCAPED:
            if raw in body:
                self.problems.append(f"{method} {url} as {self.role}: unescaped {raw!r}")

    def client(self) -> Client:
        """The module's client with no cookie but the role's session: each request is a
        fresh visit by the same logged-in user (logging in again for every request of the
        crawl cost more than the requests)."""
        client = self.world.client
        client.cookies.clear()
        client.cookies["signin_device"] = SIGNIN_TEST_DEVICE  # the test phone (conftest)
        user = self.world.user(self.role)
        if user is None:
            return client
        if self.session is None:
            client.force_login(user)
            self.session = client.cookies[settings.SESSION_COOKIE_NAME].value
        else:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.session
        return client

    def keep_session(self, client: Client) -> None:
        """The session after a request: a login renews its key, a logout or a flush ends it
        (an empty cookie), and the next request logs in again."""
        cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
        if cookie is not None and cookie.value != self.session:
            self.session = cookie.value or None

    def open(self, url: str) -> list[Form]:
        """GET ``url``; its forms when it is a page of the portal."""
        response = self.send("GET", url)
        if (
            response is None
            or response.status_code != 200
            or "text/html" not in response.get("Content-Type", "")
        ):
            return []
        return forms_of(response.content.decode(), url)

    def forge_query(self, url: str, forms: list[Form]) -> None:
        names = {f.name for form in forms if form.method == "get" for f in form.fields}
        names |= set(COMMON_PARAMS)
        hostile = [SCRIPT, IMG, SQL, HUGE, NEGATIVE, "9999-99-99", LONG[:2000], *self.forged_ids]
        for turn in range(2):
            query = {
                name: hostile[(turn + i) % len(hostile)] for i, name in enumerate(sorted(names))
            }
            path = f"{url}?{urlencode(query)}"
            self.send("GET", path)

    def submit(self, form: Form, turns: int) -> None:
        if urlsplit(form.action).path in ("/accounts/logout/", "/i18n/setlang/"):
            turns = 1  # the page is left as soon as it is sent
        for turn in range(turns):
            data: dict[str, Any] = {}
            for i, f in enumerate(form.fields):
                data[f.name] = self.value(f, turn + i)
            self.send(form.method.upper(), form.action, data)
            self.sent.append((form.method, urlsplit(form.action).path, turn))
            self.fields_sent |= {(urlsplit(form.action).path, f.name) for f in form.fields}
            self.files += sum(f.kind == "file" for f in form.fields)


def partner_form(path: str) -> str | None:
    """Which partner page a form was sent to: "answer" (/p/<token>/), "page" (the partner's
    own page, /p/u/<token>/<activity>/), or None."""
    parts = path.strip("/").split("/")
    if parts[0] != "p":
        return None
    return "page" if parts[1] == "u" else "answer"


def pages(world: World) -> list[str]:
    """Every page the crawl opens: the portal's GET rows of the matrix, and the admin's."""
    urls = []
    for row in MATRIX:
        if row.method != GET:
            continue
        for route in row.routes:
            if route.startswith("admin/"):
                if not any(route == m + p for m in ADMIN_MODELS for p in ADMIN_PAGES):
                    continue
            elif route.startswith(NOT_PAGES):
                continue
            args = row.target(world)  # once: a target may make a fresh object each call
            url = build_url(route, args)
            query = row.query.format(**args) if row.query else ""
            urls.append(url + (f"?{query}" if query else ""))
    return list(dict.fromkeys(urls))


def forged_ids(world: World) -> list[str]:
    """Ids of committee B's objects: what a user of committee A must not be able to reach."""
    cast = world.cast
    partner_b = factories.PartnerFactory(committee=cast.committee_b)
    measure_b = factories.MeasureFactory(committee=cast.committee_b)
    return [str(pk) for pk in (cast.member_b1.pk, cast.branch_b1.pk, partner_b.pk, measure_b.pk)]


@pytest.fixture
def world(cast, client, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    return World(cast, client)


@pytest.fixture(scope="module")
def client() -> Client:
    return phone_client()


@pytest.mark.parametrize("role", ROLES)
def test_hostile_crawl_of_every_form_gives_no_server_error_and_no_unescaped_markup(
    role: str, world: World
) -> None:
    crawl = Crawl(world, role, forged_ids(world))
    for url in pages(world):
        forms = crawl.open(url)
        crawl.forge_query(url, forms)
        for form in forms:
            # The admin's forms are the slowest pages: fewer rounds, each value still sent.
            crawl.submit(form, turns=3 if url.startswith("/admin/") else 6)
    posted = {path for method, path, _ in crawl.sent if method == "post"}
    assert posted, "the crawl found no form to send"
    # The pages behind a partner's link (a valid token of the matrix's rows) are anybody's:
    # their answer forms, on the activity's page and on the partner's own page, are sent too.
    assert {"answer", "page"} <= {partner_form(path) for path in posted}, posted
    if role in ("secretary_a1", "admin_a", "superuser"):
        assert crawl.files, "the crawl sent no file"
    if role in ("secretary_a1", "admin_a"):
        # The partner side's forms: asking, withdrawing, reminding (and, for the committee's
        # admin, a contact's own-page link).
        for form in PARTNER_FORMS[: 4 if role == "admin_a" else 3]:
            assert any(re.fullmatch(form, path) for path in posted), f"no form sent to {form}"
    # The on-site sign-in's public forms, anybody's; the organiser's, A1's secretary's: the
    # guest form and the member found by name ("a member searched" row) added by hand.
    for form in SIGNIN_PUBLIC_FORMS + (SIGNIN_OFFICER_FORMS if role == "secretary_a1" else ()):
        assert any(re.fullmatch(form, path) for path in posted), f"no form sent to {form}"
    if role == "secretary_a1":
        sent = {name for path, name in crawl.fields_sent if path.endswith("/signin/add/")}
        assert {"member", "guest-name", "guest-unit", "guest-phone"} <= sent, sent
    assert not crawl.problems, "\n".join(dict.fromkeys(crawl.problems))
    assert not invalid_signin_entries(), "entries saved half-checked"


def test_the_crawl_reads_every_kind_of_field() -> None:
    html = """
    <form method="post" action="/x/">
      <input type="hidden" name="csrfmiddlewaretoken" value="t">
      <input name="title"><input type="number" name="n"><input type="date" name="d">
      <input type="file" name="f"><input type="checkbox" name="c" value="1">
      <input type="radio" name="r" value="a"><input type="radio" name="r" value="b">
      <select name="s" multiple><option value="1">1</option><option value="2">2</option></select>
      <textarea name="t"></textarea><button name="save" value="draft">Save</button>
    </form>"""
    (form,) = forms_of(html, "/page/")
    kinds = {f.name: f.kind for f in form.fields}
    assert kinds == {
        "csrfmiddlewaretoken": "hidden",
        "title": "text",
        "n": "number",
        "d": "date",
        "f": "file",
        "c": "checkbox",
        "r": "select",
        "s": "select",
        "t": "text",
        "save": "submit",
    }
    assert form.field_named("r").options == ["a", "b"]
    assert (form.action, form.method) == ("/x/", "post")


# --- The on-site sign-in's forms, with what an attacker (or a phone's keyboard) sends -------

NUL = "张\x00伟"
EMOJI = "🎉党员之家🙂"
#: Each field of the sign-in's forms gets each of these in turn, the others valid.
SIGNIN_HOSTILE = [LONG, "\x00", NUL, SCRIPT, IMG, SQL, EMOJI, HUGE, NEGATIVE, "", "   ", "٣"]
#: Digits of other scripts: a Chinese keyboard's full-width ones, Arabic-Indic ones.
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def invalid_signin_entries() -> list[str]:
    """Entries the forms and the model would not have let through (a NUL, an overlong or
    untrimmed name, a kind without its member, a phone that is none), and hand changes
    missing from the activity's timeline: what a half-checked save leaves behind."""
    problems = []
    for entry in SignInEntry.objects.select_related("sheet"):
        try:
            entry.full_clean()
        except ValidationError as error:
            problems.append(f"entry {entry.pk} {entry.name[:40]!r}: {error.messages}")
        if any("\x00" in text for text in (entry.name, entry.unit_name, entry.phone)):
            problems.append(f"entry {entry.pk}: a NUL saved")
        if not entry.name.strip() or entry.name_key != name_key(entry.name):
            problems.append(f"entry {entry.pk}: name {entry.name[:40]!r}, key {entry.name_key!r}")
    for sheet in SignInSheet.objects.all():
        by_hand = sheet.entries.filter(method=EntryMethod.HAND).count()
        logged = ActivityEvent.objects.filter(
            activity_id=sheet.activity_id, action=ActivityAction.SIGNIN_CHANGED
        ).count()
        if by_hand > logged:
            problems.append(f"sheet {sheet.pk}: {by_hand} added by hand, {logged} on the timeline")
    return problems


def guest_data(w: World, field: str, value: str) -> dict[str, str]:
    """The guest form (a partner's staff member), its ``field`` set to ``value``."""
    data = {
        "guest-name": "郑晓东",
        "guest-unit": str(w.partner.pk),
        "guest-unit_name": "",
        "guest-phone": "13900006666",
    }
    if field == "guest-unit_name":
        data["guest-unit"] = "other"
    return data | {field: value}


def last_message(response) -> int | None:
    """The level of the last message the request left (earlier ones may be kept unread)."""
    levels = [m.level for m in get_messages(response.wsgi_request)]
    return levels[-1] if levels else None


def test_the_sign_in_forms_take_hostile_input_without_a_server_error_or_a_half_saved_entry(
    world: World,
) -> None:
    sheet = world.signin()
    fields = ("guest-name", "guest-unit", "guest-unit_name", "guest-phone")
    sign = f"/s/in/{sheet.public_id}/"
    public = Crawl(world, "anonymous", forged_ids(world))
    officer = Crawl(world, "secretary_a1", public.forged_ids)
    before = sheet.entries.count()
    created = 0

    # The public guest form, with a good pass: each field hostile in turn.
    good_pass = signin_pass(sheet, EntryMethod.SCAN)
    for field_name in fields:
        for value in SIGNIN_HOSTILE:
            data = guest_data(world, field_name, value) | {"pass": good_pass}
            response = public.send("POST", f"{sign}?pass={good_pass}", data)
            if response is not None and response.status_code == 200 and response.context:
                created += response.context.get("created") is True
    # The pass itself, and whoever says they sign in as a member.
    for value in SIGNIN_HOSTILE:
        public.send("POST", sign, guest_data(world, "guest-name", "冯敏") | {"pass": value})
        public.send("GET", sign, {"pass": value})
        officer.send("POST", f"{sign}?pass={good_pass}", {"pass": good_pass, "as": value})
    # Addresses: forged sheets, tokens and codes of other scripts or no shape at all.
    window = tokens.window_at()
    for value in [
        *SIGNIN_HOSTILE,
        f"{sheet.public_id}.p.{'汉' * 16}",
        f"{sheet.public_id}.{window:x}.{'é' * 16}",
        f"{sheet.public_id}.{'٣' * 6}.{'a' * 16}",
        f"{sheet.public_id}.{window:x}",
        tokens.scan_token(sheet).upper(),
    ]:
        public.send("GET", f"/s/{quote(value, safe='')}/")
        public.send("GET", f"/s/in/{quote(value, safe='')}/", {"pass": good_pass})
    # The typed code: hostile, and the code shown now in a Chinese keyboard's digits (the
    # same number) and in Arabic-Indic ones (not a code).
    code = tokens.short_code(sheet)
    for value in [*SIGNIN_HOSTILE, code.translate(ARABIC_INDIC), f" {code} "]:
        response = public.send("POST", "/s/", {"code": value})
        assert response is None or response.status_code in (200, 400), response.status_code
    response = public.send("POST", "/s/", {"code": code.translate(FULL_WIDTH)})
    assert response is not None
    assert response.status_code == 302, "full-width digits refused"
    assert response["Location"].startswith(sign)

    # The organiser's hand-adding page: the member search, the member's id, the guest form.
    add = f"/activities/{sheet.activity_id}/signin/add/"
    for value in SIGNIN_HOSTILE:
        officer.send("GET", add, {"q": value})
    member_b1 = str(world.cast.member_b1.pk)  # another committee's
    for value in [*SIGNIN_HOSTILE, member_b1, "999999999", "-1", "1e3", "0x1F", "١٢"]:
        response = officer.send("POST", add, {"member": value})
        assert response is None or response.status_code in (302, 400), value
        assert response is None or last_message(response) != message_levels.SUCCESS, value
    for field_name in fields:
        for value in SIGNIN_HOSTILE:
            data = guest_data(world, field_name, value) | {"guest-name": f"补录{field_name}"}
            if field_name == "guest-name":
                data["guest-name"] = value
            count = sheet.entries.count()
            response = officer.send("POST", add, data)
            added = sheet.entries.count() - count
            created += added
            if added:  # said so, back to the page
                assert response is not None
                assert response.status_code == 302, value[:20]
                assert last_message(response) == message_levels.SUCCESS, value[:20]

    problems = public.problems + officer.problems
    assert not problems, "\n".join(dict.fromkeys(problems))
    assert sheet.entries.count() == before + created, "an entry saved without saying so"
    assert not invalid_signin_entries(), "\n".join(invalid_signin_entries())


def test_signing_in_twice_answers_with_a_message_never_a_server_error(world: World) -> None:
    sheet = world.signin(entries=False)
    sign = f"/s/in/{sheet.public_id}/?pass={signin_pass(sheet, EntryMethod.SCAN)}"
    phone = phone_client()  # one phone: its device cookie kept
    assert phone.get(sign).status_code == 200
    guest = guest_data(world, "guest-name", "郑晓东") | {"pass": sign.split("pass=")[1]}

    first, again = phone.post(sign, guest), phone.post(sign, guest)
    assert (first.context["created"], again.context["created"]) == (True, False)
    assert "已签到" in again.content.decode()
    # The same phone, the same name, another unit: the form says so.
    other_unit = guest | {"guest-unit": "other", "guest-unit_name": "另一家单位"}
    refused = phone.post(sign, other_unit)
    assert refused.status_code == 200
    assert refused.context["guest_form"].non_field_errors()

    member = world.client_as("secretary_a1")
    as_member = {"pass": guest["pass"], "as": "member"}
    first, again = member.post(sign, as_member), member.post(sign, as_member)
    assert (first.context["created"], again.context["created"]) == (True, False)

    add = f"/activities/{sheet.activity_id}/signin/add/"
    for data in (
        {"member": world.cast.member_a2.pk},
        guest_data(world, "guest-name", "周文"),
    ):
        first, again = member.post(add, data), member.post(add, data)
        assert (first.status_code, again.status_code) == (302, 302)
        assert last_message(first) == message_levels.SUCCESS
        assert last_message(again) == message_levels.INFO, "no word that they are on it already"
    assert sheet.entries.count() == 4
    assert not invalid_signin_entries(), "\n".join(invalid_signin_entries())
