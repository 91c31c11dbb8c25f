"""Nothing lost by a click: deleting an activity, a partner or a partnership archives it.

"Delete" in the admin (the change page's button and the change list's action) asks first, then
stamps ``archived_at`` / ``archived_by`` instead of deleting; lists, form choices, dashboards and
reports leave archived rows out; a committee admin of the row's committee restores it, as it
was, from the model's "Archived" page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from activities.access import Organiser
from activities.forms import ActivityForm
from activities.models import Activity, ActivityAction, ActivityEvent, ActivityStatus
from partnerships.models import PartnerOrganisation, Partnership
from portal.core.archiving import row_archive, row_restore
from portal.dashboards import selectors as dashboards
from portal.reports.content import report_content
from tests import factories
from tests.dashboards.conftest import Q2_2024, TODAY, dash, module_dash  # noqa: F401 (fixtures)


@pytest.fixture
def rows(cast):
    """An activity of A1 with a partner and a partnership; a partner and a partnership of A."""
    a = cast.committee_a
    partnership = factories.PartnershipFactory(committee=a, branch=cast.branch_a1, title="结对协议")
    partner = factories.PartnerFactory(committee=a, name="春南社区")
    activity = factories.ActivityFactory(
        committee=a,
        branch=cast.branch_a1,
        title="联学活动甲",
        partnership=partnership,
        partners=[],
    )
    activity.partners.set([partner])
    return {"activity": activity, "partner": partner, "partnership": partnership}


ARCHIVABLE = {
    "activity": ("activities", "activity"),
    "partner": ("partnerships", "partnerorganisation"),
    "partnership": ("partnerships", "partnership"),
}


def admin_url(kind: str, view: str, *args) -> str:
    app, model = ARCHIVABLE[kind]
    return reverse(f"admin:{app}_{model}_{view}", args=args)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- "Delete" archives, after a confirmation ------------------------------------------------


@pytest.mark.parametrize("kind", ARCHIVABLE)
def test_delete_in_the_admin_asks_first_then_archives_instead_of_deleting(cast, rows, kind):
    row = rows[kind]
    model = type(row)
    client = cast.client_for(cast.admin_a)

    page = client.get(admin_url(kind, "delete", row.pk))
    assert page.status_code == 200
    assert page.templates[0].name == "admin/archive_confirmation.html"
    assert 'name="post"' in page.text
    assert model.objects.filter(pk=row.pk).exists(), "the confirmation page changed nothing"

    response = client.post(admin_url(kind, "delete", row.pk), {"post": "yes"})

    assert response.status_code == 302
    kept = model.all_objects.get(pk=row.pk)
    assert kept.archived_at is not None
    assert kept.archived_by == cast.admin_a
    assert not model.objects.filter(pk=row.pk).exists()
    assert kept.history.latest().history_user == cast.admin_a


def test_the_change_list_offers_archive_selected_instead_of_delete_selected(cast, rows):
    activity = rows["activity"]
    client = cast.client_for(cast.admin_a)
    url = admin_url("activity", "changelist")
    chosen = {"action": "archive_selected", ACTION_CHECKBOX_NAME: [activity.pk]}

    page = client.get(url)
    assert 'value="archive_selected"' in page.text
    assert 'value="delete_selected"' not in page.text

    confirm = client.post(url, chosen)
    assert confirm.status_code == 200
    assert confirm.templates[0].name == "admin/archive_selected_confirmation.html"
    assert Activity.objects.filter(pk=activity.pk).exists()

    client.post(url, {**chosen, "post": "yes"})
    assert Activity.all_objects.get(pk=activity.pk).archived_at is not None
    assert not Activity.objects.filter(pk=activity.pk).exists()

    # The old action is gone: posting it deletes nothing.
    other = factories.ActivityFactory(committee=cast.committee_a, branch=cast.branch_a1)
    client.post(url, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [other.pk], "post": "yes"})
    assert Activity.objects.filter(pk=other.pk).exists()


def test_archiving_keeps_the_activity_with_its_files_links_and_timeline(cast, rows):
    activity = rows["activity"]
    row_archive(row=activity, by=cast.admin_a)

    kept = Activity.all_objects.get(pk=activity.pk)
    assert kept.partnership_id == rows["partnership"].pk
    assert list(Activity.partners.through.objects.filter(activity=kept)) != []
    assert ActivityEvent.objects.filter(
        activity=kept, action=ActivityAction.ARCHIVED, actor=cast.admin_a
    ).exists()


# --- Restoring --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ARCHIVABLE)
def test_a_committee_admin_restores_an_archived_row_from_the_archived_page(cast, rows, kind):
    row = rows[kind]
    row_archive(row=row, by=cast.admin_a)
    client = cast.client_for(cast.admin_a)

    page = client.get(admin_url(kind, "archived"))
    assert page.status_code == 200
    assert str(row) in page.text
    assert admin_url(kind, "restore", row.pk) in page.text
    assert client.get(admin_url(kind, "history", row.pk)).status_code == 200

    response = client.post(admin_url(kind, "restore", row.pk))

    assert response.status_code == 302
    assert response["Location"] == admin_url(kind, "change", row.pk)
    restored = type(row).objects.get(pk=row.pk)
    assert restored.archived_at is None
    assert restored.archived_by is None
    assert admin_url(kind, "restore", row.pk) not in client.get(admin_url(kind, "archived")).text


def test_a_restored_activity_comes_back_with_its_partners_and_partnership(cast, rows):
    activity, partner = rows["activity"], rows["partner"]
    row_archive(row=activity, by=cast.admin_a)
    row_restore(row=activity, by=cast.admin_a)

    back = Activity.objects.get(pk=activity.pk)
    assert list(back.partners.all()) == [partner]
    assert back.partnership == rows["partnership"]
    assert list(back.events.values_list("action", flat=True)) == [
        ActivityAction.ARCHIVED,
        ActivityAction.RESTORED,
    ]


@pytest.mark.parametrize("kind", ARCHIVABLE)
def test_nobody_but_an_admin_of_its_committee_sees_or_restores_an_archived_row(cast, rows, kind):
    row = rows[kind]
    row_archive(row=row, by=cast.admin_a)
    restore = admin_url(kind, "restore", row.pk)

    other_admin = cast.client_for(cast.admin_b)
    assert restore not in other_admin.get(admin_url(kind, "archived")).text
    assert other_admin.post(restore).status_code == 404

    for user in (cast.staff_a, cast.secretary_a1, None):
        response = cast.client_for(user).post(restore)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")

    assert type(row).all_objects.get(pk=row.pk).archived_at is not None


def test_the_archive_service_refuses_a_user_who_does_not_administer_the_committee(cast, rows):
    from django.core.exceptions import PermissionDenied

    for user in (cast.admin_b, cast.staff_a, cast.secretary_a1):
        with pytest.raises(PermissionDenied):
            row_archive(row=rows["activity"], by=user)
    assert Activity.objects.filter(pk=rows["activity"].pk).exists()


# --- Rules that keep archived and live rows consistent --------------------------------------


def test_a_partner_in_a_live_partnership_is_not_archived_and_the_admin_says_why(cast, rows):
    partner, partnership = rows["partner"], rows["partnership"]
    factories.PartnershipMemberFactory(partnership=partnership, partner=partner)
    client = cast.client_for(cast.admin_a)

    page = client.get(admin_url("partner", "delete", partner.pk))
    assert "结对协议" in page.text
    assert 'name="post"' not in page.text  # no button: it would be refused

    response = client.post(admin_url("partner", "delete", partner.pk), {"post": "yes"})
    assert PartnerOrganisation.objects.filter(pk=partner.pk).exists()
    assert any("结对协议" in m for m in messages_of(response))

    row_archive(row=partnership, by=cast.admin_a)  # archive the partnership first: then it may
    row_archive(row=partner, by=cast.admin_a)
    assert not PartnerOrganisation.objects.filter(pk=partner.pk).exists()


def test_a_partnership_whose_partner_is_archived_comes_back_only_after_its_partner(cast, rows):
    from django.core.exceptions import ValidationError

    partner, partnership = rows["partner"], rows["partnership"]
    factories.PartnershipMemberFactory(partnership=partnership, partner=partner)
    row_archive(row=partnership, by=cast.admin_a)
    row_archive(row=partner, by=cast.admin_a)

    with pytest.raises(ValidationError):
        row_restore(row=partnership, by=cast.admin_a)
    row_restore(row=partner, by=cast.admin_a)
    row_restore(row=partnership, by=cast.admin_a)
    assert Partnership.objects.filter(pk=partnership.pk).exists()


def test_a_new_partner_may_take_an_archived_partners_name_and_the_old_one_then_waits(cast, rows):
    partner = rows["partner"]
    client = cast.client_for(cast.admin_a)
    row_archive(row=partner, by=cast.admin_a)
    newcomer = factories.PartnerFactory(committee=cast.committee_a, name=partner.name)

    response = client.post(admin_url("partner", "restore", partner.pk))

    assert response["Location"] == admin_url("partner", "archived")
    assert any("already exists" in m or "已存在" in m for m in messages_of(response))
    assert PartnerOrganisation.all_objects.get(pk=partner.pk).archived_at is not None
    newcomer.name = "春南社区（新）"
    newcomer.save()
    client.post(admin_url("partner", "restore", partner.pk))
    assert PartnerOrganisation.objects.filter(pk=partner.pk).exists()


# --- Archived rows are hidden by default --------------------------------------------------


def test_an_archived_activity_leaves_the_portal_list_detail_and_admin_change_list(cast, rows):
    activity = rows["activity"]
    secretary, admin = cast.client_for(cast.secretary_a1), cast.client_for(cast.admin_a)
    assert activity.title in secretary.get(reverse("activities:list")).text

    row_archive(row=activity, by=cast.admin_a)

    assert activity.title not in secretary.get(reverse("activities:list")).text
    assert secretary.get(reverse("activities:detail", args=[activity.pk])).status_code == 404
    assert activity.title not in admin.get(admin_url("activity", "changelist")).text
    assert activity.title not in admin.get(reverse("activities:list")).text


def test_archived_partners_and_partnerships_are_no_longer_offered_in_the_activity_form(cast, rows):
    partner, partnership = rows["partner"], rows["partnership"]
    organiser = Organiser(committee=cast.committee_a, branch=cast.branch_a1)

    def offered(form):
        return set(form.fields["partners"].queryset), set(form.fields["partnership"].queryset)

    assert offered(ActivityForm(user=cast.secretary_a1, organiser=organiser)) == (
        {partner},
        {partnership},
    )
    row_archive(row=partnership, by=cast.admin_a)
    row_archive(row=partner, by=cast.admin_a)

    assert offered(ActivityForm(user=cast.secretary_a1, organiser=organiser)) == (set(), set())


def test_editing_an_activity_keeps_its_archived_partnership_and_partner(cast, rows):
    """An activity that served an archived partnership still does after its form is saved, so
    that restoring the partnership brings back its whole record."""
    activity, partner, partnership = rows["activity"], rows["partner"], rows["partnership"]
    row_archive(row=partnership, by=cast.admin_a)
    row_archive(row=partner, by=cast.admin_a)
    organiser = Organiser(committee=cast.committee_a, branch=cast.branch_a1)

    form = ActivityForm(user=cast.secretary_a1, organiser=organiser, instance=activity)
    assert partnership in form.fields["partnership"].queryset
    # Saving the partners the form shows (none now) leaves the archived partner linked.
    activity.partners.set([])
    row_restore(row=partner, by=cast.admin_a)
    assert list(Activity.objects.get(pk=activity.pk).partners.all()) == [partner]


# --- Dashboards and reports: an archived activity counts as if it were not there -------------


def _figures(committee, now):
    """Everything the committee's dashboards and its quarterly report show."""
    period = Q2_2024
    return {
        "overview": dashboards.committee_overview(committee, period, now=now),
        "coverage": dashboards.coverage(committee, period),
        "trends": dashboards.trends(committee, TODAY),
        "partners": dashboards.partner_engagement(committee, period, today=TODAY),
        "branches": [
            dashboards.branch_dashboard(b, period, today=TODAY)
            for b in committee.branches.order_by("pk")
        ],
        "report": report_content(committee, period, now=now),
    }


def test_archived_activities_partners_and_partnerships_count_in_no_dashboard_or_report(dash):  # noqa: F811
    cast = dash.cast
    committee = cast.committee_a
    now = timezone.now()
    gone = [dash.activities["may"], dash.activities["late"]]
    partner = dash.partners[2]  # P3: in no partnership; now also on an approved activity
    dash.activities["early"].partners.add(partner)
    partnership = Partnership.objects.get(starts_on=dt.date(2024, 4, 15))  # new in Q2
    # A member whose only activity this year is archived is idle on the branch dashboard.
    dash.activities["may"].attendees.add(factories.MemberFactory(branch=cast.branch_a1))
    live = _figures(committee, now)

    for activity in gone:
        row_archive(row=activity, by=cast.admin_a)
    row_archive(row=partnership, by=cast.admin_a)
    row_archive(row=partner, by=cast.admin_a)
    archived = _figures(committee, now)

    # The same committee had these rows never existed.
    for activity in gone:
        Activity.all_objects.filter(pk=activity.pk).delete()
    Partnership.all_objects.filter(pk=partnership.pk).delete()
    PartnerOrganisation.all_objects.filter(pk=partner.pk).delete()
    deleted = _figures(committee, now)

    assert archived == deleted
    for name in live:
        assert live[name] != archived[name], f"{name}: the archived rows made no difference"


def test_the_review_queue_and_reminders_leave_archived_submissions_out(cast):
    submitted = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        status=ActivityStatus.SUBMITTED,
        submitted_at=timezone.now() - dt.timedelta(days=3),
        title="待审活动",
    )
    staff = cast.client_for(cast.staff_a)
    assert submitted.title in staff.get(reverse("activities:review_queue")).text

    row_archive(row=submitted, by=cast.admin_a)

    assert submitted.title not in staff.get(reverse("activities:review_queue")).text


def test_the_admin_change_form_keeps_an_activitys_archived_partnership_chosen(cast, rows):
    activity, partnership = rows["activity"], rows["partnership"]
    row_archive(row=partnership, by=cast.admin_a)

    page = cast.client_for(cast.admin_a).get(admin_url("activity", "change", activity.pk))

    field = page.context["adminform"].form.fields["partnership"]
    assert partnership in field.queryset
    assert f'<option value="{partnership.pk}" selected>' in page.text
