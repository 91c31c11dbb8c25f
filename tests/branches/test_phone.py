"""Phone numbers are masked in the admin for everyone; a committee admin may reveal one,
and every reveal is audited."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from branches.models import AuditAction, AuditEntry, Member

RAW = "13812345678"
MASKED = "138****5678"


def _reveal_url(member: Member) -> str:
    return reverse("branches:member_phone_reveal", args=[member.pk])


def _change_form_data(response) -> dict:
    """The change form as the browser would post it back untouched."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def test_member_changelist_shows_phones_masked(cast):
    response = cast.client_for(cast.admin_a).get(reverse("admin:branches_member_changelist"))
    html = response.content.decode()
    assert MASKED in html
    assert RAW not in html


def test_member_change_page_never_contains_the_raw_number(cast):
    url = reverse("admin:branches_member_change", args=[cast.member_a1.pk])
    for user in (cast.admin_a, cast.superuser):
        html = cast.client_for(user).get(url).content.decode()
        assert MASKED in html
        assert RAW not in html
        assert _reveal_url(cast.member_a1) in html  # the reveal button, a plain form POST
        assert "<script>" not in html.split('id="content"')[1].split("</form>")[0]


def test_saving_the_form_with_the_masked_phone_keeps_the_stored_number(cast):
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:branches_member_change", args=[cast.member_a1.pk])
    data = _change_form_data(client.get(url))
    assert data["phone"] == MASKED
    data["post"] = "党务干事"
    response = client.post(url, data)
    assert response.status_code == 302
    cast.member_a1.refresh_from_db()
    assert cast.member_a1.phone == RAW
    assert cast.member_a1.post == "党务干事"


def test_a_new_full_number_replaces_the_stored_one(cast):
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:branches_member_change", args=[cast.member_a1.pk])
    data = _change_form_data(client.get(url))
    data["phone"] = "13600001234"
    assert client.post(url, data).status_code == 302
    cast.member_a1.refresh_from_db()
    assert cast.member_a1.phone == "13600001234"


def test_history_shows_phone_changes_masked(cast):
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:branches_member_change", args=[cast.member_a1.pk])
    data = _change_form_data(client.get(url))
    data["phone"] = "13600001234"
    client.post(url, data)
    history = client.get(reverse("admin:branches_member_history", args=[cast.member_a1.pk]))
    html = history.content.decode()
    assert MASKED in html
    assert "136****1234" in html
    assert RAW not in html
    assert "13600001234" not in html
    assert "admin_a" in html  # who changed it
    version = cast.member_a1.history.earliest()
    old = client.get(
        reverse(
            "admin:branches_member_simple_history", args=[cast.member_a1.pk, version.history_id]
        )
    )
    assert old.status_code == 200
    assert RAW not in old.content.decode()


def test_reverting_to_an_old_version_restores_its_number(cast):
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:branches_member_change", args=[cast.member_a1.pk])
    data = _change_form_data(client.get(url))
    data["phone"] = "13600001234"
    client.post(url, data)
    version = cast.member_a1.history.earliest()
    revert_url = reverse(
        "admin:branches_member_simple_history", args=[cast.member_a1.pk, version.history_id]
    )
    response = client.post(revert_url, _change_form_data(client.get(revert_url)))
    assert response.status_code == 302
    cast.member_a1.refresh_from_db()
    assert cast.member_a1.phone == RAW


def test_committee_admin_reveals_a_number_and_the_reveal_is_audited(cast):
    before = timezone.now()
    response = cast.client_for(cast.admin_a).post(_reveal_url(cast.member_a1))
    assert response.status_code == 200
    assert RAW in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action=AuditAction.PHONE_REVEAL)
    assert entry.user == cast.admin_a
    assert entry.committee == cast.committee_a
    assert entry.object_type == "member"
    assert entry.object_id == str(cast.member_a1.pk)
    assert entry.created_at >= before
    assert RAW not in entry.detail


def test_reveal_is_not_found_for_another_committees_admin_and_a_secretary(cast):
    for user in (cast.admin_b, cast.secretary_a1, cast.staff_a):
        response = cast.client_for(user).post(_reveal_url(cast.member_a1))
        assert response.status_code == 404, user
        assert RAW not in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.PHONE_REVEAL).exists()


def test_reveal_needs_a_login(cast):
    response = cast.client_for(None).post(_reveal_url(cast.member_a1))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not AuditEntry.objects.filter(action=AuditAction.PHONE_REVEAL).exists()


def test_reveal_refuses_get(cast):
    response = cast.client_for(cast.admin_a).get(_reveal_url(cast.member_a1))
    assert response.status_code == 405
    assert not AuditEntry.objects.filter(action=AuditAction.PHONE_REVEAL).exists()


def test_reveal_button_is_offered_only_when_there_is_a_number(cast):
    cast.member_a2.phone = ""
    cast.member_a2.save()
    url = reverse("admin:branches_member_change", args=[cast.member_a2.pk])
    html = cast.client_for(cast.admin_a).get(url).content.decode()
    assert _reveal_url(cast.member_a2) not in html


def test_reveal_page_has_the_admin_header_and_a_way_back(cast):
    html = cast.client_for(cast.admin_a).post(_reveal_url(cast.member_a1)).content.decode()
    assert reverse("admin:logout") in html
    assert reverse("admin:branches_member_change", args=[cast.member_a1.pk]) in html
