"""The audit log page: a committee admin reads their committee's entries, newest first, with
filters and pages; a superuser reads all of them or one committee's; nobody else reads any."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from branches.models import AuditAction
from portal.audit.services import audit_record
from portal.audit.views import PER_PAGE
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/audit/"


def entry(committee, *, action=AuditAction.EXPORT, repr_="花名册", user=None, days_ago=0.0):
    created = audit_record(
        user=user,
        action=action,
        committee=committee,
        object_type="member",
        object_id=1,
        object_repr=repr_,
    )
    if days_ago:
        factories.audit_entry_backdate(created.pk, days=days_ago)
    return created


def shown(response) -> list[str]:
    return [e.object_repr for e in response.context["entries"]]


def test_a_committee_admin_reads_only_their_committees_entries_newest_first(cast):
    entry(cast.committee_a, repr_="A-older", days_ago=2)
    entry(cast.committee_a, repr_="A-newer", days_ago=1)
    entry(cast.committee_b, repr_="B-secret")

    response = cast.client_for(cast.admin_a).get(URL)

    assert response.status_code == 200
    rows = [r for r in shown(response) if r.startswith(("A-", "B-"))]
    assert rows == ["A-newer", "A-older"]
    assert "B-secret" not in response.content.decode()


@pytest.mark.parametrize("who", ["staff_a", "secretary_a1"])
def test_committee_staff_and_secretaries_are_refused(cast, who):
    entry(cast.committee_a, repr_="A-entry")
    response = cast.client_for(getattr(cast, who)).get(URL)
    assert response.status_code == 403
    assert "A-entry" not in response.content.decode()


def test_a_superuser_reads_every_committee_or_the_one_chosen(cast):
    entry(cast.committee_a, repr_="A-entry")
    entry(cast.committee_b, repr_="B-entry")
    client = cast.client_for(cast.superuser)

    everything = shown(client.get(URL))
    chosen = shown(client.get(URL, {"committee": cast.committee_b.pk}))

    assert {"A-entry", "B-entry"} <= set(everything)
    assert "B-entry" in chosen
    assert "A-entry" not in chosen


def test_the_committee_chooser_is_offered_to_superusers_only(cast):
    assert "committee" in cast.client_for(cast.superuser).get(URL).context["form"].fields
    assert "committee" not in cast.client_for(cast.admin_a).get(URL).context["form"].fields


def test_filters_by_action_user_dates_and_text(cast):
    entry(cast.committee_a, action=AuditAction.PHONE_REVEAL, repr_="张伟", user=cast.admin_a)
    entry(cast.committee_a, action=AuditAction.EXPORT, repr_="支部花名册", user=cast.staff_a)
    entry(cast.committee_a, action=AuditAction.EXPORT, repr_="旧导出", days_ago=10)
    client = cast.client_for(cast.admin_a)
    today = timezone.localdate()

    assert shown(client.get(URL, {"action": "phone_reveal"})) == ["张伟"]
    assert shown(client.get(URL, {"user": "staff_a", "action": "export"})) == ["支部花名册"]
    assert shown(client.get(URL, {"q": "花名册"})) == ["支部花名册"]
    week_ago = (today - dt.timedelta(days=5)).isoformat()
    old = shown(client.get(URL, {"date_to": week_ago, "action": "export"}))
    recent = shown(client.get(URL, {"date_from": week_ago, "action": "export"}))
    assert old == ["旧导出"]
    assert recent == ["支部花名册"]


def test_a_bad_filter_is_left_out_and_the_page_still_answers(cast):
    entry(cast.committee_a, repr_="A-entry")
    response = cast.client_for(cast.admin_a).get(URL, {"date_from": "not-a-date", "q": "A-en"})
    assert response.status_code == 200
    assert shown(response) == ["A-entry"]


@pytest.mark.parametrize(
    "query", ["date_to=9999-12-31", "date_from=0001-01-01", "date_to=0001-01-01"]
)
def test_a_date_beyond_any_entry_is_refused_with_a_message_not_a_server_error(cast, query):
    entry(cast.committee_a, repr_="A-entry")
    response = cast.client_for(cast.admin_a).get(f"{URL}?{query}")
    assert response.status_code == 200
    assert "A-entry" in shown(response)  # the filter is left out
    assert "2000-01-01" in response.content.decode()  # and the field says why


def test_the_page_is_paginated(cast):
    for number in range(PER_PAGE + 3):
        entry(cast.committee_a, repr_=f"row-{number}", action=AuditAction.IMPORT)
    client = cast.client_for(cast.admin_a)

    first = shown(client.get(URL, {"action": "import"}))
    second = shown(client.get(URL, {"action": "import", "page": 2}))

    assert len(first) == PER_PAGE
    assert second == ["row-2", "row-1", "row-0"]


#: session, user, the scope (committee roles, branch roles), the navigation counts, the
#: entries' count and one page of entries with their users and committees.
#: … and one for the logins the entries are about, named as people.
PAGE_QUERIES = 8


def about_a_login(cast, user) -> None:
    audit_record(
        user=cast.admin_a,
        action=AuditAction.ROLE_CHANGE,
        committee=cast.committee_a,
        object_type="user",
        object_id=user.pk,
        object_repr=user.username,
    )


def test_the_query_count_is_pinned_and_does_not_grow_with_the_entries(
    cast, django_assert_num_queries
):
    client = cast.client_for(cast.admin_a)
    entry(cast.committee_a, user=cast.staff_a)
    about_a_login(cast, cast.secretary_a1)

    with django_assert_num_queries(PAGE_QUERIES):
        client.get(URL)
    for _ in range(30):
        entry(cast.committee_a, user=cast.secretary_a1)
        entry(cast.committee_a, user=cast.admin_a, action=AuditAction.PHONE_REVEAL)
        about_a_login(cast, cast.staff_a)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(URL)
    assert len(response.context["entries"]) > 30


def test_the_page_is_in_chinese(cast):
    entry(cast.committee_a, action=AuditAction.PHONE_REVEAL)
    client = cast.client_for(cast.admin_a)
    with translation.override("zh-hans"):
        page = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        for msgid in ("Phone number revealed", "Action", "Apply filters"):
            assert translation.gettext(msgid) in page


def test_the_filters_are_folded_away_until_one_is_used(cast):
    client = cast.client_for(cast.admin_a)
    folded = client.get(URL).content.decode()
    paged = client.get(URL, {"page": 2}).content.decode()
    filtered = client.get(URL, {"action": "export"}).content.decode()
    assert '<details class="audit-filters__more">' in folded
    assert '<details class="audit-filters__more">' in paged
    assert '<details class="audit-filters__more" open>' in filtered


def test_the_details_read_in_chinese(cast, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    audit_record(
        user=cast.admin_a,
        action=AuditAction.EXPORT,
        committee=cast.committee_a,
        object_type="activity",
        detail="3 rows, xlsx",
    )
    page = cast.client_for(cast.admin_a).get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert "授予 " in text  # the cast's roles, recorded as "granted 2026-… –"
    assert "3 行, XLSX" in text
    assert "granted" not in text


def test_an_entry_about_no_particular_object_names_its_kind_in_chinese(cast):
    """A failed login naming no login keeps no name: the page says what kind of object the
    entry is about in the reader's language, never the internal type ("user")."""
    from django.test import Client

    Client().post(reverse("login"), {"username": "nobody-here", "password": "x-1A!"})
    page = cast.client_for(cast.superuser).get(reverse("audit:list")).content.decode()
    with translation.override("zh-hans"):
        cell = f'<td data-label="{translation.gettext("Object")}">'
    assert cell + '<span class="muted">用户</span>' in page
    assert cell + "user" not in page
