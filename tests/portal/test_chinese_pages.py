"""No English word or internal id on a page rendered in Chinese.

Every page of the permission matrix (``tests/portal/test_permission_matrix.py``) that some user
may open is asked for in Chinese, as each kind of user who may open it (a branch secretary,
committee staff, the committee admin, nobody signed in), with rows on it: activities in every
status, a partner with a contact and a partnership, a report, audit entries, change history.
The text a reader sees (the page's text and its ``title``, ``aria-label``, ``placeholder``,
``alt`` and button values; not scripts, styles or other attributes) must hold no ASCII word
outside ``ALLOWED``: proper names and codes a Chinese reader uses as they are.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import cached_property
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.utils import timezone

from activities.models import ActivityAction, ActivityStatus
from activities.services import activity_transition
from branches.models import AuditAction, AuditEntry, Member
from partnerships.models import PartnershipMember
from portal.reports.models import Report, ReportKind, ReportStatus
from tests import factories
from tests.conftest import SIGNIN_TEST_DEVICE, Cast, rows_for_the_scope
from tests.portal.test_permission_matrix import (
    GET,
    MATRIX,
    OK,
    USERS,
    World,
    build_url,
)

pytestmark = pytest.mark.django_db

#: The framework's codes: measures M1–M6, goals G1–G3 (another committee's N-M-K has more).
CODE = re.compile(r"[MG]\d{1,3}")

#: ASCII words a Chinese page may show, each for a reason:
ALLOWED = frozenset(
    {
        # file formats and things called by these names in Chinese offices
        "PDF",
        "Excel",
        "Word",
        "CSV",
        "XLSX",
        "QR",
        "JPEG",
        "PNG",
        "WebP",
        # the second factor's standard (the authenticator apps are called so in Chinese)
        "TOTP",
        # proper names: the authenticator apps the two-factor page names, WPS Office, the
        # language switch offering English, the address a login came from (IP 地址)
        "Microsoft",
        "Google",
        "Authenticator",
        "FreeOTP",
        "WPS",
        "English",
        "IP",
        # units and encodings (20 MB; UTF-8, GB18030 on the import page)
        "MB",
        "UTF",
        "GB18030",
    }
)

#: The readers: each page is asked for as each of them that may open it.
READERS = ("anonymous", "secretary_a1", "staff_a", "admin_a")

#: Chinese names for the logins, as a committee admin gives them (a login without one shows
#: its username, which is the person's chosen id and not checked here).
FULL_NAMES = {
    "secretary_a1": ("张", "伟"),
    "former_secretary_a1": ("赵", "磊"),
    "secretary_a2": ("李", "娜"),
    "staff_a": ("王", "芳"),
    "admin_a": ("刘", "洋"),
    "admin_b": ("陈", "静"),
    "staff_b": ("杨", "帆"),
}

TASK_ID = "d30d58ab-4c0e-4bd2-9a51-0c3f1b1e2a77"
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
#: A file name's extension (现场照片.jpg): part of the name its owner gave the file.
EXTENSION = re.compile(r"(?<=[^\s.])\.[A-Za-z0-9]{2,5}\b")
SHOWN_ATTRIBUTES = frozenset({"title", "aria-label", "placeholder", "alt"})


class VisibleText(HTMLParser):
    """The text a reader sees, the attributes they see included. Scripts and styles are not
    seen; an element marked ``translate="no"`` (a file name, a key to type) is not words."""

    HIDDEN = frozenset({"script", "style", "template", "noscript"})
    VOID = frozenset(
        {
            "area",
            "base",
            "br",
            "col",
            "embed",
            "hr",
            "img",
            "input",
            "link",
            "meta",
            "source",
            "track",
            "wbr",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[tuple[str, bool]] = []  # (tag, hidden) of the elements still open

    @property
    def hidden(self) -> bool:
        return bool(self.open) and self.open[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        hidden = self.hidden or tag in self.HIDDEN or attributes.get("translate") == "no"
        if tag not in self.VOID:
            self.open.append((tag, hidden))
        if hidden:
            return
        for name in SHOWN_ATTRIBUTES & attributes.keys():
            self.parts.append(attributes[name] or "")
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.parts.append(attributes.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):  # tolerate unclosed <p>, <li> …
            if self.open[index][0] == tag:
                del self.open[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def english_words(html: str, *, allowed: frozenset[str] = ALLOWED) -> list[str]:
    """The ASCII words of ``html``'s visible text outside ``allowed``, each once, in order."""
    parser = VisibleText()
    parser.feed(html)
    words = WORD.findall(EXTENSION.sub("", " ".join(parser.parts)))
    return list(
        dict.fromkeys(word for word in words if word not in allowed and not CODE.fullmatch(word))
    )


def test_the_scanner_sees_text_and_shown_attributes_only() -> None:
    html = (
        "<html><head><style>.x{color:red}</style><script>let a = 1;</script></head><body "
        'class="model-member"><p title="Deleted">已删除 党支部 (pk=None)</p>'
        '<input type="submit" value="Save"><a href="/admin/" data-x="abc">M1 导出 PDF</a>'
        '<span>任务 d30d58ab</span><p translate="no">JBSW Y3DP</p><p>党支部<p>Draft</body></html>'
    )
    assert english_words(html) == ["Deleted", "pk", "None", "Save", "d30d58ab", "Draft"]


# --- The rows on the pages ----------------------------------------------------------------


def _fill(w: World) -> None:
    """Rows for every page: the matrix's own objects and more of each kind."""
    cast = w.cast
    User = get_user_model()
    for username, (last, first) in FULL_NAMES.items():
        User.objects.filter(username=username).update(last_name=last, first_name=first)
        Member.objects.filter(user__username=username).update(name=f"{last}{first}")
    # What was recorded while the cast's logins had no names yet named them by username (the
    # log is append-only: the model refuses a delete, the test's rows go around it).
    factories.audit_entries_wipe()
    for name, value in vars(World).items():  # the matrix's objects, made once for all pages
        if isinstance(value, cached_property):
            getattr(w, name)
    w.new_activity(status=ActivityStatus.SUBMITTED)
    w.new_activity(status=ActivityStatus.APPROVED)
    returned = w.new_activity(status=ActivityStatus.SUBMITTED)
    activity_transition(
        returned, action=ActivityAction.RETURNED, by=cast.staff_a, comment="请补充签到表。"
    )
    PartnershipMember.objects.create(
        partnership=w.partnership, partner=w.partner, joined_on=w.partnership.starts_on
    )
    # Change history: a partner renamed, a contact deleted, by the committee admin.
    partner = w.partner
    partner.name = "春江街道江滨社区"
    partner._history_user = cast.admin_a
    partner.save()
    gone = factories.ContactFactory(partner=partner, name="已调离的联系人")
    gone._history_user = cast.admin_a
    gone.delete()
    branch = factories.BranchFactory(committee=cast.committee_a, name="已撤销的党支部")
    branch.delete()
    for action in AuditAction.values:
        AuditEntry.objects.create(
            committee=cast.committee_a,
            user=cast.admin_a,
            action=action,
            object_type="partnerorganisation",
            object_id=str(partner.pk),
            object_repr=partner.name,
        )
    AuditEntry.objects.create(
        committee=cast.committee_a,
        user=None,
        action=AuditAction.LOGIN_FAILED,
        object_type="",
        object_id="",
        object_repr="",
    )
    for month, status in enumerate(
        (ReportStatus.QUEUED, ReportStatus.RUNNING, ReportStatus.FAILED), start=1
    ):
        Report.objects.create(
            committee=cast.committee_a,
            kind=ReportKind.MONTH,
            period_start=dt.date(2024, month, 1),
            period_end=dt.date(2024, month + 1, 1),
            status=status,
            requested_by=cast.staff_a,
            run_task_id=TASK_ID,
            error="broker unreachable" if status == ReportStatus.FAILED else "",
        )


@pytest.fixture(scope="module")
def world(module_cast: Cast, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media), rows_for_the_scope(django_db_blocker):
        world = World(module_cast, Client())
        _fill(world)
        yield world


# --- The pages -----------------------------------------------------------------------------


def pages() -> Iterator[pytest.param]:
    for r in MATRIX:
        if r.method != GET:
            continue
        readers = [name for name in READERS if r.outcomes[USERS.index(name)] is OK]
        for route in r.routes:
            for reader in readers:
                yield pytest.param(r, route, reader, id=f"{r.id} {route} as {reader}")


@pytest.mark.parametrize(("row", "route", "reader"), list(pages()))
def test_no_english_word_on_a_chinese_page(world: World, db, row, route, reader) -> None:
    client = world.client
    args = row.target(world)
    url = build_url(route, args)
    query = row.query.format(**args)
    client.cookies.clear()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.cookies["signin_device"] = SIGNIN_TEST_DEVICE  # the sign-in pages' test phone
    if reader != "anonymous":
        client.force_login(world.user(reader))
    response = client.get(url + (f"?{query}" if query else ""), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200, f"{url} as {reader}: {response.status_code}"
    if "html" not in response.get("Content-Type", ""):
        return
    own_login = {reader} if reader != "anonymous" else set()  # "signed in as …"
    words = english_words(response.content.decode(), allowed=ALLOWED | own_login)
    assert not words, f"{url} as {reader} shows English words or ids: {words}"


@pytest.mark.parametrize("status", ReportStatus.values)
def test_a_report_page_in_every_state_names_no_task_id(world: World, db, status) -> None:
    """The matrix opens a ready report; here each state, with the worker's task id recorded."""
    report = Report.objects.create(
        committee=world.cast.committee_a,
        kind=ReportKind.YEAR,
        period_start=dt.date(2023, 1, 1),
        period_end=dt.date(2024, 1, 1),
        status=status,
        step="figures" if status == ReportStatus.RUNNING else "",
        requested_by=world.cast.staff_a,
        run_task_id=TASK_ID,
        generated_by_task=TASK_ID,
        generated_at=timezone.now(),
    )
    client = world.client_as("staff_a")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    html = client.get(f"/reports/{report.pk}/").content.decode()

    assert english_words(html, allowed=ALLOWED | {"staff_a"}) == []
    if status == ReportStatus.READY:
        assert "由王芳申请生成" in html
