"""Query counts of the two small activity pages the other test files do not pin: the
"who organised it?" choice before the form, and the confirmation before a file is deleted.

Each count is pinned with a tight upper bound (the activity views' queries are being tuned, and
fewer is always welcome) and, separately, shown not to grow: the same page with more rows —
organisers, branches, committees, attachments — costs exactly as many queries as before.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from activities.access import organisers_for
from activities.models import Attachment, AttachmentKind
from activities.services import attachment_add
from branches.access import forget_scope
from branches.models import CommitteeRoleKind
from branches.services import committee_role_grant
from tests import factories

CREATE = reverse("activities:create")

#: session, user, scope (committee roles, branch roles), the user's branches (with their
#: committees), the committees they review, the navigation's counts (one aggregate)
ORGANISER_CHOICE_QUERIES = 7
#: session, user, scope (2), the attachment (with its activity), the activity again through
#: activities_for (with its committee and branch), the navigation's counts
ATTACHMENT_DELETE_QUERIES = 7


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _jpeg(name: str = "合影.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), (190, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _count(client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(queries), response


# --- "Who organised it?" ----------------------------------------------------------------------


def _more_organisers(cast, user, n: int) -> None:
    """``n`` more committees the user reviews (each one more organiser on the page), each with
    branches, and more branches in committee A that are not the user's."""
    for i in range(n):
        committee = factories.CommitteeFactory()
        factories.BranchFactory.create_batch(2, committee=committee)
        role = CommitteeRoleKind.ADMIN if i % 2 else CommitteeRoleKind.STAFF
        committee_role_grant(user=user, committee=committee, role=role)
    factories.BranchFactory.create_batch(n, committee=cast.committee_a)
    forget_scope(user)


def test_organiser_choice_page_queries_are_pinned_and_do_not_grow(
    cast, django_assert_max_num_queries
):
    # A1's secretary who is also committee A's staff: the branch, and the committee itself.
    user = cast.secretary_a1
    committee_role_grant(user=user, committee=cast.committee_a, role=CommitteeRoleKind.STAFF)
    committee_role_grant(user=user, committee=cast.committee_b, role=CommitteeRoleKind.ADMIN)
    forget_scope(user)
    client = cast.client_for(user)

    with django_assert_max_num_queries(ORGANISER_CHOICE_QUERIES):
        response = client.get(CREATE)
    assert response.templates[0].name == "activities/organiser_choice.html"
    assert len(response.context["organisers"]) == 3
    few, _ = _count(client, CREATE)

    _more_organisers(cast, user, 6)
    assert len(organisers_for(user)) == 9
    many, response = _count(client, CREATE)
    assert response.templates[0].name == "activities/organiser_choice.html"
    page = response.content.decode()
    assert page.count('class="card organiser-choice"') == 9
    assert f'href="?organiser=b{cast.branch_a1.pk}"' in page
    assert many == few, f"{few} queries with 3 organisers, {many} with 9"


# --- "Delete this file?" ----------------------------------------------------------------------


def _activity_with_photos(cast, n: int):
    measure = factories.MeasureFactory(committee=cast.committee_a)
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        measure=measure,
        created_by=cast.secretary_a1,
        evidence=False,  # its photos are the ones added below
    )
    attachments = [
        attachment_add(
            activity,
            by=cast.secretary_a1,
            upload=_jpeg(f"合影{i}.jpg"),
            kind=AttachmentKind.PHOTO,
            caption=f"现场照片{i}",
        )
        for i in range(n)
    ]
    return activity, attachments


def _delete_url(attachment: Attachment) -> str:
    return reverse("activities:attachment_delete", args=[attachment.pk])


def test_attachment_delete_page_queries_are_pinned_and_do_not_grow(
    cast, django_assert_max_num_queries
):
    activity, (photo,) = _activity_with_photos(cast, 1)
    client = cast.client_for(cast.secretary_a1)

    with django_assert_max_num_queries(ATTACHMENT_DELETE_QUERIES):
        response = client.get(_delete_url(photo))
    assert response.status_code == 200
    assert "现场照片0" in response.content.decode()
    few, _ = _count(client, _delete_url(photo))

    # More files on the same activity, more activities with files, more branches and
    # committees: the confirmation of the one file costs the same.
    for i in range(8):
        attachment_add(
            activity,
            by=cast.secretary_a1,
            upload=_jpeg(f"更多{i}.jpg"),
            kind=AttachmentKind.PHOTO if i % 2 else AttachmentKind.SIGN_IN_SHEET,
            caption=f"更多照片{i}",
        )
    _activity_with_photos(cast, 4)
    for _ in range(4):
        committee = factories.CommitteeFactory()
        factories.BranchFactory.create_batch(3, committee=committee)
    factories.BranchFactory.create_batch(4, committee=cast.committee_a)
    assert Attachment.objects.count() == 13

    many, response = _count(client, _delete_url(photo))
    assert response.status_code == 200
    assert many == few, f"{few} queries with 1 file, {many} with 13"


def test_attachment_delete_page_for_a_committee_level_activity_costs_the_same(
    cast, django_assert_max_num_queries
):
    """Committee staff confirming the deletion of a file of the committee's own activity."""
    measure = factories.MeasureFactory(committee=cast.committee_a)
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=None,
        measure=measure,
        created_by=cast.staff_a,
        evidence=False,
    )
    photos = [
        attachment_add(
            activity, by=cast.staff_a, upload=_jpeg(), kind=AttachmentKind.PHOTO, caption=str(i)
        )
        for i in range(5)
    ]
    client = cast.client_for(cast.staff_a)
    with django_assert_max_num_queries(ATTACHMENT_DELETE_QUERIES):
        assert client.get(_delete_url(photos[0])).status_code == 200
    first, _ = _count(client, _delete_url(photos[0]))
    last, _ = _count(client, _delete_url(photos[-1]))
    assert first == last
