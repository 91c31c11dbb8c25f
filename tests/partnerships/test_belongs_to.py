"""The partnership form asks first whether the partnership is a branch's or the committee's
own (归属), and refuses a branch field that contradicts the answer."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from partnerships.models import Partnership
from tests import factories
from tests.partnerships.test_admin import _post_data

pytestmark = pytest.mark.django_db


def change(cast, partnership, **fields):
    client = cast.client_for(cast.admin_a)
    client.cookies["django_language"] = "zh-hans"
    url = reverse("admin:partnerships_partnership_change", args=[partnership.pk])
    data = _post_data(client.get(url))
    data.update({name: value for name, value in fields.items() if value is not None})
    for name in [name for name, value in fields.items() if value is None]:
        data.pop(name, None)
    return client.post(url, data)


def branch_errors(response) -> list[str]:
    return list(response.context["adminform"].form.errors.get("branch", []))


def test_the_form_shows_what_the_partnership_belongs_to(cast):
    of_branch = factories.PartnershipFactory(committee=cast.committee_a, branch=cast.branch_a1)
    of_committee = factories.PartnershipFactory(committee=cast.committee_a, branch=None)
    client = cast.client_for(cast.admin_a)

    for partnership, expected in ((of_branch, "branch"), (of_committee, "committee")):
        url = reverse("admin:partnerships_partnership_change", args=[partnership.pk])
        form = client.get(url).context["adminform"].form
        assert form["belongs_to"].value() == expected
    html = client.get(reverse("admin:partnerships_partnership_add")).content.decode()
    assert "归属" in html
    assert html.index('name="belongs_to"') < html.index('name="branch"')


def test_a_branchs_partnership_without_a_branch_is_refused(cast):
    partnership = factories.PartnershipFactory(committee=cast.committee_a, branch=None)

    response = change(cast, partnership, belongs_to="branch", branch=None)

    assert response.status_code == 200
    with translation.override("zh-hans"):
        assert branch_errors(response) == ["请选择该共建关系所属的党支部。"]
    partnership.refresh_from_db()
    assert partnership.branch is None


def test_a_committees_partnership_with_a_branch_is_refused(cast):
    partnership = factories.PartnershipFactory(committee=cast.committee_a, branch=None)

    response = change(cast, partnership, belongs_to="committee", branch=str(cast.branch_a1.pk))

    assert response.status_code == 200
    assert "归属为党委的共建关系不属于任何党支部" in branch_errors(response)[0]
    partnership.refresh_from_db()
    assert partnership.branch is None


@pytest.mark.parametrize("belongs_to", ["branch", "committee"])
def test_a_consistent_answer_is_saved(cast, belongs_to):
    partnership = factories.PartnershipFactory(committee=cast.committee_a, branch=None)
    branch = str(cast.branch_a1.pk) if belongs_to == "branch" else None

    response = change(cast, partnership, belongs_to=belongs_to, branch=branch)

    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.branch == (cast.branch_a1 if belongs_to == "branch" else None)
    assert Partnership.objects.count() == 1


def test_no_answer_is_refused(cast):
    partnership = factories.PartnershipFactory(committee=cast.committee_a, branch=cast.branch_a1)

    response = change(cast, partnership, belongs_to=None)

    assert response.status_code == 200
    assert "belongs_to" in response.context["adminform"].form.errors
