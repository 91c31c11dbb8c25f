"""Integrity rules of committees, branches, members and roles, in the database and in clean()."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from branches.models import BranchRole, Member, RoleKind, is_masked_phone, mask_phone
from branches.services import branch_role_assign
from tests import factories


@pytest.mark.django_db
def test_branch_name_is_unique_within_a_committee_only():
    committee = factories.CommitteeFactory()
    factories.BranchFactory(committee=committee, name="杭州项目公司党支部")
    factories.BranchFactory(name="杭州项目公司党支部")  # another committee: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.BranchFactory(committee=committee, name="杭州项目公司党支部")


@pytest.mark.django_db
def test_project_site_name_is_unique_within_a_committee():
    site = factories.ProjectSiteFactory(name="资阳骏兴棚改")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ProjectSiteFactory(committee=site.committee, name="资阳骏兴棚改")


@pytest.mark.django_db
def test_members_may_share_a_name_but_not_a_member_number():
    branch = factories.BranchFactory()
    factories.MemberFactory(branch=branch, name="张伟", member_number="")
    factories.MemberFactory(branch=branch, name="张伟", member_number="")  # 同名 is common
    factories.MemberFactory(branch=branch, name="李强", member_number="TZ-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.MemberFactory(branch=branch, name="王军", member_number="TZ-001")
    assert Member.objects.filter(name="张伟").count() == 2


@pytest.mark.django_db
def test_member_cannot_leave_before_joining():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.MemberFactory(active_from=dt.date(2024, 5, 1), active_to=dt.date(2024, 4, 30))


@pytest.mark.django_db
def test_member_branch_must_belong_to_member_committee():
    member = factories.MemberFactory.build(
        branch=factories.BranchFactory(), committee=factories.CommitteeFactory()
    )
    with pytest.raises(ValidationError) as excinfo:
        member.full_clean()
    assert "branch" in excinfo.value.message_dict


@pytest.mark.django_db
def test_member_active_between_counts_transfers_for_the_right_period():
    branch = factories.BranchFactory()
    stayed = factories.MemberFactory(branch=branch, active_from=dt.date(2020, 1, 1))
    left = factories.MemberFactory(
        branch=branch, active_from=dt.date(2020, 1, 1), active_to=dt.date(2024, 3, 15)
    )
    joined = factories.MemberFactory(branch=branch, active_from=dt.date(2024, 6, 1))
    q1 = set(Member.objects.active_between(dt.date(2024, 1, 1), dt.date(2024, 3, 31)))
    q3 = set(Member.objects.active_between(dt.date(2024, 7, 1), dt.date(2024, 9, 30)))
    assert q1 == {stayed, left}
    assert q3 == {stayed, joined}


@pytest.mark.django_db
def test_two_open_ended_secretaries_are_refused_by_the_database():
    branch = factories.BranchFactory()
    first = factories.MemberFactory(branch=branch)
    second = factories.MemberFactory(branch=branch)
    BranchRole.objects.create(branch=branch, member=first, role=RoleKind.SECRETARY)
    with pytest.raises(IntegrityError), transaction.atomic():
        BranchRole.objects.create(branch=branch, member=second, role=RoleKind.SECRETARY)


@pytest.mark.django_db
def test_overlapping_secretary_terms_are_refused_but_consecutive_terms_pass():
    branch = factories.BranchFactory()
    old, new, other = (factories.MemberFactory(branch=branch) for _ in range(3))
    branch_role_assign(
        branch=branch,
        member=old,
        role=RoleKind.SECRETARY,
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2023, 6, 30),
    )
    branch_role_assign(
        branch=branch, member=new, role=RoleKind.SECRETARY, starts_on=dt.date(2023, 7, 1)
    )
    with translation.override("en"), pytest.raises(ValidationError, match="same period"):
        branch_role_assign(
            branch=branch,
            member=other,
            role=RoleKind.SECRETARY,
            starts_on=dt.date(2022, 1, 1),
            ends_on=dt.date(2022, 12, 31),
        )
    # several people may hold other roles at once
    branch_role_assign(branch=branch, member=other, role=RoleKind.ORGANISATION)
    assert BranchRole.objects.filter(branch=branch).count() == 3


@pytest.mark.django_db
def test_role_must_be_held_in_the_members_own_branch():
    member = factories.MemberFactory()
    elsewhere = factories.BranchFactory(committee=member.committee)
    with translation.override("en"), pytest.raises(ValidationError, match="does not belong"):
        branch_role_assign(branch=elsewhere, member=member, role=RoleKind.PUBLICITY)


@pytest.mark.django_db
def test_role_cannot_end_before_it_starts():
    member = factories.MemberFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        BranchRole.objects.create(
            branch=member.branch,
            member=member,
            role=RoleKind.DISCIPLINE,
            starts_on=dt.date(2024, 1, 2),
            ends_on=dt.date(2024, 1, 1),
        )


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("", ""),
    ],
)
def test_phone_masking_keeps_only_prefix_and_last_four_digits(raw, masked):
    assert mask_phone(raw) == masked
    assert not masked or is_masked_phone(masked)


@pytest.mark.django_db
def test_the_review_settings_are_off_for_a_new_committee_also_one_written_without_the_orm():
    from django.db import connection

    from branches.models import Committee

    created = Committee.objects.create(name="新党委")
    created.refresh_from_db()
    assert created.allow_self_review is False
    assert created.partner_confirmation_required is False
    # A row inserted with SQL alone (generate_group's COPY) takes the database's default.
    table = connection.ops.quote_name(Committee._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (name, short_name, organisation, description) "  # noqa: S608
            "VALUES (%s, '', '', '')",
            ["另一党委"],
        )
    inserted = Committee.objects.get(name="另一党委")
    assert inserted.allow_self_review is False
    assert inserted.partner_confirmation_required is False
