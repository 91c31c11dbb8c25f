"""Odd input is answered, never a 500: ids that are Unicode digits, and NUL bytes anywhere in a
path, a query string or a posted field (PostgreSQL refuses text holding one)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.core.ids import parse_id, parse_ids

pytestmark = pytest.mark.django_db

#: "²" and "①" pass str.isdigit() but int() refuses them; "١٢" is read as 12 by int().
UNICODE_DIGITS = ["²", "①", "١٢", "１２"]


def test_only_short_runs_of_ascii_digits_are_ids() -> None:
    assert [parse_id(v) for v in ["12", " 7 ", "0", "", None, "-1", "1.0", "1e3"]] == [
        12,
        7,
        0,
        None,
        None,
        None,
        None,
        None,
    ]
    assert [parse_id(v) for v in UNICODE_DIGITS] == [None] * len(UNICODE_DIGITS)
    assert parse_id("9" * 18) == int("9" * 18)
    assert parse_id("9" * 19) is None
    assert parse_ids(["3", "²", "x", "4"]) == [3, 4]


@pytest.mark.parametrize("digits", UNICODE_DIGITS)
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/dashboard/",
        "/dashboard/coverage/",
        "/reports/",
        "/activities/",
        "/activities/export.xlsx",
    ],
)
def test_a_committee_given_in_unicode_digits_is_not_found_or_ignored_never_a_500(
    cast, path: str, digits: str
) -> None:
    response = cast.client_for(cast.staff_a).get(path, {"committee": digits})
    assert response.status_code in (200, 404), response.status_code


@pytest.mark.parametrize(
    "url",
    [
        "/admin/branches/member/?status=%00",
        "/admin/activities/activity/?kind=%00",
        "/admin/autocomplete/?app_label=activities&model_name=activity&field_name=partners"
        "&term=%00",
        "/activities/?q=%00",
        "/dashboard/?period=%00",
        "/%00/",
    ],
)
def test_a_nul_byte_in_the_address_is_a_chinese_400(cast, url: str) -> None:
    response = cast.client_for(cast.superuser).get(url)
    assert response.status_code == 400
    assert "请求无效" in response.content.decode()


def test_a_nul_byte_in_a_posted_field_is_a_400_and_nothing_is_saved(cast) -> None:
    from partnerships.models import PartnerOrganisation

    client = cast.client_for(cast.admin_a)
    response = client.post(
        reverse("admin:partnerships_partnerorganisation_add"),
        {"name": "春江\x00街道", "kind": "community"},
    )
    assert response.status_code == 400
    assert not PartnerOrganisation.all_objects.filter(name__startswith="春江").exists()


def test_a_nul_byte_typed_as_a_username_is_a_400_not_a_failed_login_entry(client) -> None:
    from branches.models import AuditEntry

    response = client.post(reverse("login"), {"username": "root\x00", "password": "x"})
    assert response.status_code == 400
    assert not AuditEntry.objects.exists()


def test_an_authenticator_code_is_six_ascii_digits() -> None:
    from portal.security.two_factor import _is_app_code

    assert _is_app_code("123456")
    assert not any(map(_is_app_code, ["²²²²²²", "١٢٣٤٥٦", "１２３４５６", "12345", "12345a"]))
