import pytest

from activities.models import Activity
from branches.access import branch_rows_followed, reviewed, scope_for
from branches.models import Member
from tests import factories


@pytest.mark.django_db
def test_current_secretary_edits_only_their_branch(cast):
    scope = scope_for(cast.secretary_a1)
    assert scope.editable_branch_ids == {cast.branch_a1.pk}
    assert not scope.is_committee_staff


@pytest.mark.django_db
def test_ended_role_grants_nothing(cast):
    scope = scope_for(cast.former_secretary_a1)
    assert scope.editable_branch_ids == frozenset()
    assert not Member.objects.for_user(cast.former_secretary_a1).exists()


@pytest.mark.django_db
def test_committee_admin_sees_only_own_committee_members(cast):
    names = set(Member.objects.for_user(cast.admin_a).values_list("name", flat=True))
    assert {"张伟", "李娜"} <= names
    assert "王芳" not in names
    assert set(Member.objects.for_user(cast.superuser).values_list("name", flat=True)) >= {
        "张伟",
        "李娜",
        "王芳",
    }


@pytest.mark.django_db
def test_activities_scoped_to_branch_for_editor_and_committee_for_staff(cast):
    own = factories.ActivityFactory(committee=cast.committee_a, branch=cast.branch_a1)
    other = factories.ActivityFactory(
        committee=cast.committee_a, branch=cast.branch_a2, measure=own.measure
    )
    co = factories.ActivityFactory(
        committee=cast.committee_a, branch=cast.branch_a2, measure=own.measure
    )
    co.co_branches.add(cast.branch_a1)
    foreign = factories.ActivityFactory(committee=cast.committee_b, branch=cast.branch_b1)

    assert set(Activity.objects.for_user(cast.secretary_a1)) == {own, co}
    assert set(Activity.objects.for_user(cast.secretary_a2)) == {other, co}
    assert set(Activity.objects.for_user(cast.staff_a)) == {own, other, co}
    assert set(Activity.objects.for_user(cast.superuser)) == {own, other, co, foreign}
    assert not Activity.objects.for_user(cast.former_secretary_a1).exists()


@pytest.mark.django_db
def test_attachments_follow_their_activity_including_co_organisers(cast):
    from activities.models import Attachment

    own = factories.ActivityFactory(
        committee=cast.committee_a, branch=cast.branch_a2, evidence=False
    )
    own.co_branches.add(cast.branch_a1)
    photo = Attachment.objects.create(activity=own, file="activities/x/y/photo.jpg", kind="photo")
    elsewhere = factories.ActivityFactory(
        committee=cast.committee_a, branch=cast.branch_a2, measure=own.measure, evidence=False
    )
    sheet = Attachment.objects.create(
        activity=elsewhere, file="activities/x/z/sheet.pdf", kind="sign_in"
    )

    assert list(Attachment.objects.for_user(cast.secretary_a1)) == [photo]
    assert set(Attachment.objects.for_user(cast.secretary_a2)) == {photo, sheet}
    assert set(Attachment.objects.for_user(cast.staff_a)) == {photo, sheet}
    assert not Attachment.objects.for_user(cast.admin_b).exists()


def test_reviewed_keeps_the_committees_a_user_reviews_only(cast):
    from branches.models import Committee

    def names(user):
        return set(reviewed(Committee.objects.all(), user, "pk").values_list("pk", flat=True))

    assert names(cast.staff_a) == {cast.committee_a.pk}
    assert names(cast.admin_b) == {cast.committee_b.pk}
    assert names(cast.secretary_a1) == set()  # a branch officer reviews nothing
    assert names(cast.superuser) == {cast.committee_a.pk, cast.committee_b.pk}


def test_a_branchs_roster_rows_are_followed_by_the_branch_and_the_reviewers(cast):
    from partnerships.models import Partnership

    own = factories.PartnershipFactory(committee=cast.committee_a, branch=cast.branch_a1)
    other = factories.PartnershipFactory(committee=cast.committee_a, branch=cast.branch_a2)
    shared = factories.PartnershipFactory(committee=cast.committee_a, branch=None)

    def seen(user):
        return set(branch_rows_followed(Partnership.objects.for_user(user), user))

    assert seen(cast.secretary_a1) == {own, shared}
    assert seen(cast.secretary_a2) == {other, shared}
    assert seen(cast.staff_a) == {own, other, shared}
    assert seen(cast.admin_b) == set()
    scope = scope_for(cast.secretary_a1)
    assert scope.follows_branch(cast.committee_a.pk, cast.branch_a1.pk)
    assert not scope.follows_branch(cast.committee_a.pk, cast.branch_a2.pk)
