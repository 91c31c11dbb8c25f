"""The admin is scoped to the committee: change lists, change views, autocomplete, history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.urls import reverse
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from branches.models import AuditAction, AuditEntry, Branch, Member, ProjectSite, RoleKind
from branches.services import branch_role_assign
from portal.audit.services import audit_record
from tests import factories

OUR_APPS = {"branches", "partnerships", "activities"}
#: strings that only committee B's rows carry
B_MARKERS = ("另一公司党委", "外单位党支部", "王芳", "乙方标记")


@dataclass
class Rows:
    """One row of every model in each committee."""

    a: dict
    b: dict


def _rows_for(committee, branch, member, tag: str, user, *, framework: bool = True) -> dict:
    site = factories.ProjectSiteFactory(committee=committee, name=f"{tag}项目")
    branch.project_sites.add(site)
    partner = factories.PartnerFactory(committee=committee, name=f"{tag}社区")
    contact = factories.ContactFactory(partner=partner, name=f"{tag}联系人")
    partnership = factories.PartnershipFactory(
        committee=committee, branch=branch, title=f"{tag}结对共建"
    )
    factories.PartnershipMemberFactory(partnership=partnership, partner=partner)
    framework = (
        factories.FrameworkFactory(committee=committee, name=f"{tag}模式") if framework else None
    )
    goal = factories.GoalFactory(committee=committee, title=f"{tag}目标")
    measure = factories.MeasureFactory(committee=committee, title=f"{tag}举措")
    plan = factories.YearPlanFactory(partnership=partnership, year=2024, note=f"{tag}计划")
    item = factories.PlanItemFactory(
        plan=plan, measure=measure, title=f"{tag}计划事项", partners=[partner]
    )
    activity = factories.ActivityFactory(
        committee=committee, branch=branch, measure=measure, title=f"{tag}活动"
    )
    activity.goals.add(goal)
    activity.partners.add(partner)
    activity.attendees.add(member)
    honour = factories.HonourFactory(committee=committee, branch=branch, title=f"{tag}荣誉")
    audit = audit_record(
        user=user,
        action=AuditAction.EXPORT,
        committee=committee,
        object_type="member",
        object_repr=f"{tag}导出",
    )
    return {
        "site": site,
        "partner": partner,
        "contact": contact,
        "partnership": partnership,
        "framework": framework,
        "goal": goal,
        "measure": measure,
        "activity": activity,
        "honour": honour,
        "audit": audit,
        "plan": plan,
        "plan_item": item,
    }


@pytest.fixture
def rows(cast) -> Rows:
    branch_role_assign(branch=cast.branch_b1, member=cast.member_b1, role=RoleKind.SECRETARY)
    return Rows(
        a=_rows_for(cast.committee_a, cast.branch_a1, cast.member_a1, "甲方标记", cast.admin_a),
        b=_rows_for(cast.committee_b, cast.branch_b1, cast.member_b1, "乙方标记", cast.admin_b),
    )


def _committee_ids(model, pks) -> set[int]:
    path = model.committee_path
    return set(model._default_manager.filter(pk__in=pks).values_list(path, flat=True))


def _changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _assert_changelists_show_only(client, own_committee, foreign_markers) -> None:
    checked = 0
    for model in admin.site._registry:
        response = client.get(_changelist_url(model))
        if model._meta.app_label not in OUR_APPS:
            assert response.status_code == 403, model  # auth users and groups: superuser only
            continue
        assert response.status_code == 200, model
        shown = list(response.context["cl"].queryset.values_list("pk", flat=True))
        assert shown, f"{model.__name__}: the committee's own rows are missing"
        assert _committee_ids(model, shown) == {own_committee.pk}, model
        content = response.content.decode()
        for marker in foreign_markers:
            assert marker not in content, (model, marker)
        checked += 1
    assert checked >= 14


def test_committee_admin_sees_only_own_committee_in_every_changelist(cast, rows):
    client = cast.client_for(cast.admin_a)
    _assert_changelists_show_only(client, cast.committee_a, B_MARKERS)


def test_other_committee_admin_sees_only_theirs_in_every_changelist(cast, rows):
    client = cast.client_for(cast.admin_b)
    _assert_changelists_show_only(client, cast.committee_b, ("投资公司党委", "张伟", "甲方标记"))


def test_superuser_sees_every_committee_in_changelists(cast, rows):
    client = cast.client_for(cast.superuser)
    for model in admin.site._registry:
        if model._meta.app_label not in OUR_APPS:
            continue
        response = client.get(_changelist_url(model))
        assert response.status_code == 200
        shown = list(response.context["cl"].queryset.values_list("pk", flat=True))
        committee_ids = _committee_ids(model, shown)
        if model is AuditEntry:
            committee_ids.discard(None)  # the superuser's own login: no committee of its own
        assert committee_ids == {cast.committee_a.pk, cast.committee_b.pk}, model


def _autocomplete_sources():
    """(app_label, model_name, field_name) of every autocomplete field, inlines included."""
    for model, model_admin in admin.site._registry.items():
        admins = [model_admin, *[inline(model, admin.site) for inline in model_admin.inlines]]
        for each in admins:
            for field_name in each.autocomplete_fields:
                yield each.model, field_name


def test_autocomplete_results_are_scoped_to_the_committee(cast, rows):
    client = cast.client_for(cast.admin_a)
    sources = list(_autocomplete_sources())
    assert len(sources) >= 10
    total = 0
    for source_model, field_name in sources:
        response = client.get(
            "/admin/autocomplete/",
            {
                "app_label": source_model._meta.app_label,
                "model_name": source_model._meta.model_name,
                "field_name": field_name,
                "term": "",
            },
        )
        assert response.status_code == 200, (source_model, field_name)
        ids = [int(result["id"]) for result in response.json()["results"]]
        remote = source_model._meta.get_field(field_name).remote_field.model
        assert _committee_ids(remote, ids) <= {cast.committee_a.pk}, (source_model, field_name)
        total += len(ids)
    assert total > 0


def test_autocomplete_finds_own_branch_but_not_another_committees(cast, rows):
    params = {"app_label": "branches", "model_name": "member", "field_name": "branch"}
    as_a = cast.client_for(cast.admin_a).get("/admin/autocomplete/", {**params, "term": "党支部"})
    as_b = cast.client_for(cast.admin_b).get("/admin/autocomplete/", {**params, "term": "党支部"})
    names_a = {r["text"] for r in as_a.json()["results"]}
    names_b = {r["text"] for r in as_b.json()["results"]}
    assert names_a == {"杭州项目公司党支部", "宿迁项目公司党支部"}
    assert names_b == {"外单位党支部"}


@pytest.mark.parametrize(
    "user_name", ["secretary_a1", "secretary_a2", "staff_a", "former_secretary_a1"]
)
def test_admin_pages_are_refused_to_everyone_but_committee_admins(cast, rows, user_name):
    client = cast.client_for(getattr(cast, user_name))
    for url in [
        "/admin/",
        "/admin/branches/member/",
        f"/admin/branches/member/{cast.member_a1.pk}/change/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/")


def test_admin_whose_role_ended_sees_no_rows(cast, rows):
    role = cast.admin_a.committee_roles.get()
    role.starts_on = role.starts_on.replace(year=role.starts_on.year - 2)
    role.ends_on = role.starts_on.replace(year=role.starts_on.year + 1)
    role.save()
    response = cast.client_for(cast.admin_a).get("/admin/branches/member/")
    assert response.status_code == 403
    assert cast.member_a1.name not in response.content.decode()


def test_change_page_of_another_committees_row_is_unreachable(cast, rows):
    client = cast.client_for(cast.admin_a)
    for obj in [cast.member_b1, cast.branch_b1, rows.b["partner"], rows.b["activity"]]:
        meta = obj._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0] == "/admin/"
        assert str(obj) not in response.content.decode()


def test_history_of_another_committees_row_is_not_found(cast, rows):
    client = cast.client_for(cast.admin_a)
    foreign = [cast.member_b1, rows.b["partner"], rows.b["partnership"], rows.b["activity"]]
    for obj in foreign:
        meta = obj._meta
        version = obj.history.latest()
        history = reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])
        form = reverse(
            f"admin:{meta.app_label}_{meta.model_name}_simple_history",
            args=[obj.pk, version.history_id],
        )
        assert client.get(history).status_code == 404, history
        assert client.get(form).status_code == 404, form
        assert client.post(form, {}).status_code == 404, form
    own = [cast.member_a1, rows.a["partner"], rows.a["partnership"], rows.a["activity"]]
    for obj in own:
        meta = obj._meta
        history = reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])
        response = client.get(history)
        assert response.status_code == 200, history
        assert str(obj) in response.content.decode()


def test_history_of_a_deleted_foreign_row_is_not_found(cast, rows):
    member = factories.MemberFactory(branch=cast.branch_b1, name="乙方标记已删除")
    pk = member.pk
    member.delete()
    response = cast.client_for(cast.admin_a).get(
        reverse("admin:branches_member_history", args=[pk])
    )
    assert response.status_code == 404


def test_admin_of_one_committee_never_sees_the_committee_field(cast, rows):
    client = cast.client_for(cast.admin_a)
    response = client.get(reverse("admin:branches_projectsite_add"))
    form = response.context["adminform"].form
    assert form.fields["committee"].widget.is_hidden
    assert list(form.fields["committee"].queryset) == [cast.committee_a]
    response = client.post(
        reverse("admin:branches_projectsite_add"),
        {
            "name": "新项目",
            "city": "宿迁",
            "region": "yrd",
            "domain": "industrial_park",
            "stage": "build",
            "committee": cast.committee_a.pk,
        },
    )
    assert response.status_code == 302
    assert ProjectSite.objects.get(name="新项目").committee == cast.committee_a


def test_admin_cannot_post_a_row_into_another_committee(cast, rows):
    client = cast.client_for(cast.admin_a)
    response = client.post(
        reverse("admin:branches_projectsite_add"),
        {
            "name": "越权项目",
            "city": "宿迁",
            "region": "yrd",
            "domain": "industrial_park",
            "stage": "build",
            "committee": cast.committee_b.pk,
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors
    assert not ProjectSite.objects.filter(name="越权项目").exists()


def test_unique_name_within_committee_is_checked_with_hidden_committee(cast, rows):
    response = cast.client_for(cast.admin_a).post(
        reverse("admin:branches_branch_add"),
        {"name": cast.branch_a1.name, "committee": cast.committee_a.pk, "sort_order": 0},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert Branch.objects.filter(name=cast.branch_a1.name).count() == 1


def test_foreign_key_choices_exclude_other_committees(cast, rows):
    client = cast.client_for(cast.admin_a)
    response = client.get(reverse("admin:branches_member_add"))
    form = response.context["adminform"].form
    assert set(form.fields["branch"].queryset) == {cast.branch_a1, cast.branch_a2}
    users = set(form.fields["user"].queryset)
    assert cast.secretary_a1 in users
    assert cast.admin_b not in users
    response = client.post(
        reverse("admin:branches_member_add"),
        {
            "committee": cast.committee_a.pk,
            "branch": cast.branch_b1.pk,
            "name": "越权党员",
            "gender": "M",
            "status": "full",
            "active_from": "2024-01-01",
        },
    )
    assert response.status_code == 200
    assert "branch" in response.context["adminform"].form.errors
    assert not Member.objects.filter(name="越权党员").exists()


def test_audit_log_is_read_only(cast, rows):
    client = cast.client_for(cast.admin_a)
    entry = rows.a["audit"]
    assert client.get(reverse("admin:branches_auditentry_add")).status_code == 403
    response = client.get(reverse("admin:branches_auditentry_change", args=[entry.pk]))
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    delete = reverse("admin:branches_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:branches_auditentry_changelist")).status_code == 200


def test_committee_role_granted_in_admin_gives_admin_site_access(cast, rows):
    newcomer = factories.UserFactory(username="newcomer")
    factories.MemberFactory(branch=cast.branch_a1, user=newcomer, name="新同志")
    response = cast.client_for(cast.admin_a).post(
        reverse("admin:branches_committeerole_add"),
        {
            "user": newcomer.pk,
            "committee": cast.committee_a.pk,
            "role": "admin",
            "starts_on": "2024-01-01",
        },
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.is_staff
    assert newcomer.groups.filter(name="Committee admin").exists()


def test_admin_of_two_committees_chooses_between_them_only(cast, rows):
    from branches.models import CommitteeRoleKind
    from branches.services import committee_role_grant

    third = factories.CommitteeFactory(name="第三党委")
    committee_role_grant(user=cast.admin_a, committee=third, role=CommitteeRoleKind.ADMIN)
    response = cast.client_for(cast.admin_a).get(reverse("admin:branches_projectsite_add"))
    field = response.context["adminform"].form.fields["committee"]
    assert not field.widget.is_hidden
    assert set(field.queryset) == {cast.committee_a, third}


def _more_rows(cast, tag: str) -> None:
    """More rows of every model in both committees, and a whole new committee."""
    from axes.models import AccessAttempt
    from django.contrib.auth.models import Group

    from branches.models import CommitteeRoleKind
    from branches.services import committee_role_grant

    for committee, user in ((cast.committee_a, cast.admin_a), (cast.committee_b, cast.admin_b)):
        for n in range(2):
            label = f"{tag}{committee.pk}-{n}"
            branch = factories.BranchFactory(committee=committee, name=f"{label}党支部")
            login = factories.UserFactory(username=f"login{label}")
            member = factories.MemberFactory(branch=branch, user=login, name=f"{label}党员")
            branch_role_assign(branch=branch, member=member, role=RoleKind.SECRETARY)
            committee_role_grant(
                user=factories.UserFactory(), committee=committee, role=CommitteeRoleKind.STAFF
            )
            _rows_for(committee, branch, member, label, user, framework=False)
    new = factories.CommitteeFactory(name=f"{tag}新党委")
    branch = factories.BranchFactory(committee=new, name=f"{tag}新党支部")
    member = factories.MemberFactory(branch=branch, name=f"{tag}新党员")
    _rows_for(new, branch, member, f"{tag}新", cast.superuser)
    Group.objects.create(name=f"{tag} group")
    # The periodic tasks' tables (django-celery-beat, the superuser's)
    crontab = CrontabSchedule.objects.create(minute="7", hour="5")
    PeriodicTask.objects.create(
        name=f"{tag} task", task="portal.tasks.reminders_weekly", crontab=crontab
    )
    IntervalSchedule.objects.create(every=7, period=IntervalSchedule.MINUTES)
    SolarSchedule.objects.create(event="sunset", latitude=31.23, longitude=121.47)
    ClockedSchedule.objects.create(clocked_time=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    # Locked-out logins (django-axes, the superuser's)
    AccessAttempt.objects.create(
        username=f"{tag}登录",
        ip_address="10.0.0.1",
        user_agent="Mozilla/5.0",
        http_accept="text/html",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )


def _changelist_queries(client, url) -> tuple[int, int]:
    """The queries of one request of the changelist at ``url``, and the rows it counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.context["cl"].result_count


#: every registered admin, for the superuser and (our apps only; the others are the
#: superuser's alone) for a committee admin
CHANGELISTS = [
    pytest.param(
        model, user_name, id=f"{model._meta.app_label}.{model._meta.model_name}-{user_name}"
    )
    for model in admin.site._registry
    for user_name in ("admin_a", "superuser")
    if user_name == "superuser" or model._meta.app_label in OUR_APPS
]


@pytest.mark.parametrize(("model", "user_name"), CHANGELISTS)
def test_changelist_queries_do_not_grow_with_rows(cast, rows, model, user_name):
    client = cast.client_for(getattr(cast, user_name))
    url = _changelist_url(model)
    client.get(url)  # a first request fills per-process caches (content types, sessions)
    few, shown = _changelist_queries(client, url)
    _more_rows(cast, "更多")
    many, shown_after = _changelist_queries(client, url)
    assert shown_after > shown or model._meta.model_name in {
        "framework",  # one per committee: the committee admin's list stays at one
        "committee",
    }
    assert many == few, f"{few} queries with {shown} rows, {many} with more"
    assert few <= 15  # session, user, scope, counts, rows, filters, date hierarchy


@pytest.mark.parametrize(
    "url",
    [
        "/admin/branches/member/?phone=13812345678",
        "/admin/branches/member/?phone__startswith=1381",
        "/admin/branches/member/?phone__endswith=5678",
        "/admin/partnerships/partnerorganisation/?contacts__phone__startswith=139",
        "/admin/branches/branchrole/?member__phone__startswith=1381",
    ],
)
@pytest.mark.parametrize("user_name", ["admin_a", "superuser"])
def test_changelist_refuses_to_filter_by_phone_number(cast, rows, url, user_name):
    rows.a["contact"].phone = "13912345678"
    rows.a["contact"].save()
    response = cast.client_for(getattr(cast, user_name)).get(url)
    assert response.status_code == 400
    assert "张伟" not in response.content.decode()


def test_changelist_still_filters_by_other_fields(cast, rows):
    response = cast.client_for(cast.admin_a).get("/admin/branches/member/?name=张伟")
    assert response.status_code == 200
    assert [m.name for m in response.context["cl"].queryset] == ["张伟"]


def test_branch_list_counts_current_members_only(cast):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    factories.MemberFactory(branch=cast.branch_a1, active_to=today - dt.timedelta(days=1))
    factories.MemberFactory(branch=cast.branch_a1, active_from=today + dt.timedelta(days=5))
    response = cast.client_for(cast.admin_a).get(reverse("admin:branches_branch_changelist"))
    counts = {
        branch.name: branch.current_member_total for branch in response.context["cl"].result_list
    }
    assert (
        counts[cast.branch_a1.name]
        == Member.objects.current().filter(branch=cast.branch_a1).count()
    )
    assert counts[cast.branch_a1.name] == Member.objects.filter(branch=cast.branch_a1).count() - 2
    empty = factories.BranchFactory(committee=cast.committee_a, name="新建党支部")
    response = cast.client_for(cast.admin_a).get(reverse("admin:branches_branch_changelist"))
    assert {b.pk: b.current_member_total for b in response.context["cl"].result_list}[empty.pk] == 0


def _form_data(response) -> dict:
    """The change form as the browser would post it back untouched."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def _is_branch_editor(user) -> bool:
    return user.groups.filter(name="Branch editor").exists()


def test_committee_role_granted_with_an_end_date_is_saved_once_with_it(cast):
    newcomer = factories.UserFactory(username="newcomer")
    factories.MemberFactory(branch=cast.branch_a1, user=newcomer, name="新同志")
    response = cast.client_for(cast.admin_a).post(
        reverse("admin:branches_committeerole_add"),
        {
            "user": newcomer.pk,
            "committee": cast.committee_a.pk,
            "role": "staff",
            "starts_on": "2024-01-01",
            "ends_on": "2030-12-31",
        },
    )
    assert response.status_code == 302
    role = newcomer.committee_roles.get()
    assert str(role.ends_on) == "2030-12-31"
    assert role.history.count() == 1  # created with its end date, not patched afterwards


def test_committee_role_grant_takes_an_end_date(cast):
    import datetime as dt

    from branches.models import CommitteeRoleKind
    from branches.services import committee_role_grant

    user = factories.UserFactory()
    role = committee_role_grant(
        user=user,
        committee=cast.committee_a,
        role=CommitteeRoleKind.STAFF,
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2024, 12, 31),
    )
    role.refresh_from_db()
    assert role.ends_on == dt.date(2024, 12, 31)


def test_editing_a_branch_role_in_admin_moves_the_editor_group_with_it(cast):
    import datetime as dt

    from django.utils import timezone

    from branches.models import BranchRole

    holder = factories.UserFactory(username="holder")
    with_login = factories.MemberFactory(branch=cast.branch_a1, user=holder, name="有账号")
    without_login = factories.MemberFactory(branch=cast.branch_a1, name="无账号")
    role = branch_role_assign(
        branch=cast.branch_a1,
        member=without_login,
        role=RoleKind.PUBLICITY,
        starts_on=timezone.localdate() - dt.timedelta(days=30),
    )
    assert not _is_branch_editor(holder)
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:branches_branchrole_change", args=[role.pk])

    data = _form_data(client.get(url))
    data["member"] = str(with_login.pk)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert BranchRole.objects.get(pk=role.pk).member == with_login
    assert _is_branch_editor(holder)

    data = _form_data(client.get(url))
    data["ends_on"] = str(timezone.localdate() - dt.timedelta(days=1))
    assert client.post(url, data).status_code == 302
    assert not _is_branch_editor(holder)  # the role has ended: no other role left


def test_editing_a_branch_role_into_an_overlap_is_refused(cast):
    """The edit is validated as a new role is: a second secretary in the same period."""
    other = factories.MemberFactory(branch=cast.branch_a1, name="另一人")
    role = branch_role_assign(branch=cast.branch_a1, member=other, role=RoleKind.PUBLICITY)
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:branches_branchrole_change", args=[role.pk])
    data = _form_data(client.get(url))
    data["role"] = RoleKind.SECRETARY
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    role.refresh_from_db()
    assert role.role == RoleKind.PUBLICITY


def test_linking_a_login_to_a_member_who_holds_a_role_makes_it_a_branch_editor(cast):
    member = factories.MemberFactory(branch=cast.branch_a2, name="后开账号")
    branch_role_assign(branch=cast.branch_a2, member=member, role=RoleKind.ORGANISATION)
    login = factories.UserFactory(username="late_login")
    # A committee admin may only link logins already in their committee; a superuser any.
    client = cast.client_for(cast.superuser)
    url = reverse("admin:branches_member_change", args=[member.pk])

    data = _form_data(client.get(url))
    data["user"] = str(login.pk)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    member.refresh_from_db()
    assert member.user == login
    assert member.phone  # the masked phone posted back kept the stored number
    assert _is_branch_editor(login)

    data = _form_data(client.get(url))
    data["user"] = ""
    assert client.post(url, data).status_code == 302
    member.refresh_from_db()
    assert member.user is None
    assert not _is_branch_editor(login)


def test_linking_a_login_to_a_member_without_a_role_grants_nothing(cast):
    from branches.services import member_link_user

    login = factories.UserFactory(username="plain_login")
    member_link_user(member=cast.member_a1, user=login)
    cast.member_a1.refresh_from_db()
    assert cast.member_a1.user == login
    assert not _is_branch_editor(login)


def test_audit_log_names_the_object_type_in_the_users_language(cast, rows, settings):
    from partnerships.services import contact_phone_reveal

    contact_phone_reveal(contact=rows.a["contact"], user=cast.admin_a, request=None)
    client = cast.client_for(cast.admin_a)
    url = reverse("admin:branches_auditentry_changelist")
    html = client.get(url).content.decode()
    cell = '<td class="field-object_type_display">{}</td>'
    assert cell.format("党员") in html  # the member export of the rows fixture
    assert cell.format("联系人") in html  # the reveal above
    assert cell.format("member") not in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(url).content.decode()
    assert cell.format("Party member") in html
    filtered = client.get(url, {"object_type": "contact"})
    assert [e.object_type for e in filtered.context["cl"].result_list] == ["contact"]
    entry = rows.a["audit"]
    page = client.get(reverse("admin:branches_auditentry_change", args=[entry.pk]))
    assert '<div class="readonly">Party member</div>' in page.content.decode()


def test_history_shows_choices_and_empty_values_in_words(cast, settings):
    client = cast.client_for(cast.admin_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("admin:branches_member_change", args=[cast.member_a1.pk])
    data = _form_data(client.get(url))
    data["status"] = "probationary"
    data["joined_party_on"] = ""
    assert client.post(url, data).status_code == 302
    html = client.get(reverse("admin:branches_member_history", args=[cast.member_a1.pk]))
    table = html.content.decode().split('id="change-history"')[1].split("</table>")[0]
    changes = " ".join(item.split("</li>")[0] for item in table.split("<li>")[1:])
    assert "Full member" in changes
    assert "Probationary member" in changes
    assert "probationary" not in changes.replace("Probationary", "")
    assert "None" not in changes
    assert "—" in changes


def test_hidden_committee_field_is_labelled_with_the_models_name(cast):
    response = cast.client_for(cast.admin_a).get(reverse("admin:branches_projectsite_add"))
    field = response.context["adminform"].form.fields["committee"]
    assert field.widget.is_hidden
    assert str(field.label) == "党委"
