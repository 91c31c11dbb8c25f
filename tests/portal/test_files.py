"""Uploaded files: served only to users who may see the row they belong to."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from activities.models import Attachment, AttachmentKind
from tests import factories

AGREEMENT = b"%PDF-1.4 signed pairing agreement"
PHOTO = b"\x89PNG\r\n\x1a\n not really a png"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def agreement(cast):
    partnership = factories.PartnershipFactory(committee=cast.committee_a, branch=cast.branch_a1)
    partnership.agreement.save("结对协议.pdf", ContentFile(AGREEMENT))
    return partnership


@pytest.fixture
def photo(cast):
    activity = factories.ActivityFactory(committee=cast.committee_a, branch=cast.branch_a1)
    attachment = Attachment(activity=activity, kind=AttachmentKind.PHOTO)
    attachment.file.save("sign-in.png", ContentFile(PHOTO))
    return attachment


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_file_url_is_the_download_view_not_a_public_media_path(agreement):
    url = agreement.agreement.url
    assert url.startswith("/files/partnerships/")
    assert url == reverse("protected_file", kwargs={"path": agreement.agreement.name})


def test_committee_admin_downloads_own_committees_agreement(cast, agreement):
    response = cast.client_for(cast.admin_a).get(agreement.agreement.url)
    assert response.status_code == 200
    assert _body(response) == AGREEMENT
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_admin_of_another_committee_gets_not_found_for_the_agreement(cast, agreement):
    response = cast.client_for(cast.admin_b).get(agreement.agreement.url)
    assert response.status_code == 404


def test_branch_secretary_downloads_own_activitys_attachment_inline(cast, photo):
    response = cast.client_for(cast.secretary_a1).get(photo.file.url)
    assert response.status_code == 200
    assert _body(response) == PHOTO
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")


def test_secretary_of_another_branch_gets_not_found_for_the_attachment(cast, photo):
    assert cast.client_for(cast.secretary_a2).get(photo.file.url).status_code == 404
    assert cast.client_for(cast.admin_b).get(photo.file.url).status_code == 404


def test_former_secretary_gets_not_found_for_the_attachment(cast, photo):
    assert cast.client_for(cast.former_secretary_a1).get(photo.file.url).status_code == 404


def test_committee_staff_downloads_attachment_of_any_branch(cast, photo):
    response = cast.client_for(cast.staff_a).get(photo.file.url)
    assert response.status_code == 200
    assert _body(response) == PHOTO


def test_honour_evidence_is_served_to_own_committee_only(cast):
    honour = factories.HonourFactory(committee=cast.committee_a, branch=cast.branch_a1)
    honour.evidence.save("锦旗.jpg", ContentFile(b"jpeg bytes"))
    response = cast.client_for(cast.admin_a).get(honour.evidence.url)
    assert response.status_code == 200
    assert _body(response) == b"jpeg bytes"
    assert cast.client_for(cast.admin_b).get(honour.evidence.url).status_code == 404


def test_anonymous_visitor_is_sent_to_login(cast, agreement):
    response = cast.client_for(None).get(agreement.agreement.url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "path",
    [
        "partnerships/../partnerships/x.pdf",
        "partnerships/%2e%2e/%2e%2e/portal/settings.py",
        "..%2fportal%2fsettings.py",
        "unknown/1/x.pdf",
        "partnerships/1/never-uploaded.pdf",
    ],
)
def test_guessed_or_climbing_paths_are_not_found(cast, agreement, path):
    response = cast.client_for(cast.superuser).get(f"/files/{path}")
    assert response.status_code == 404


def test_file_stored_outside_known_folders_is_not_served_even_to_a_superuser(cast, tmp_path):
    (tmp_path / "secret.txt").write_bytes(b"not for download")
    assert cast.client_for(cast.superuser).get("/files/secret.txt").status_code == 404


def test_file_whose_row_points_elsewhere_is_not_served(cast, agreement, tmp_path):
    """A file on disk next to a real agreement, but named by no row, stays private."""
    (tmp_path / agreement.agreement.name).parent.joinpath("stray.pdf").write_bytes(b"stray")
    stray = agreement.agreement.name.rsplit("/", 1)[0] + "/stray.pdf"
    assert cast.client_for(cast.admin_a).get(f"/files/{stray}").status_code == 404


def test_partnership_change_page_links_to_the_download_view(cast, agreement):
    url = reverse("admin:partnerships_partnership_change", args=[agreement.pk])
    html = cast.client_for(cast.admin_a).get(url).content.decode()
    assert f'href="{agreement.agreement.url}"' in html
    assert "/media-not-served/" not in html


def test_a_branchs_agreement_and_honour_evidence_are_not_found_for_another_branch(cast, agreement):
    """The partnership and the honour are on the committee's roster, but their signed files
    belong to branch A1: A2's secretary gets 404, A1's secretary and committee staff get them."""
    honour = factories.HonourFactory(committee=cast.committee_a, branch=cast.branch_a1)
    honour.evidence.save("锦旗.jpg", ContentFile(b"jpeg bytes"))
    for url in (agreement.agreement.url, honour.evidence.url):
        assert cast.client_for(cast.secretary_a2).get(url).status_code == 404
        assert cast.client_for(cast.secretary_a1).get(url).status_code == 200
        assert cast.client_for(cast.staff_a).get(url).status_code == 200


def test_a_committee_wide_agreement_is_read_by_every_branch_officer(cast):
    partnership = factories.PartnershipFactory(committee=cast.committee_a, branch=None)
    partnership.agreement.save("联盟协议.pdf", ContentFile(AGREEMENT))
    assert cast.client_for(cast.secretary_a2).get(partnership.agreement.url).status_code == 200
    assert cast.client_for(cast.admin_b).get(partnership.agreement.url).status_code == 404


def test_an_attachment_downloads_under_the_name_it_had_with_its_checked_extension(
    cast, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from activities import services
    from activities.models import AttachmentKind

    settings.MEDIA_ROOT = tmp_path
    measure = factories.MeasureFactory(committee=cast.committee_a)
    activity = factories.ActivityFactory(
        committee=cast.committee_a, branch=cast.branch_a1, measure=measure
    )
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\nstartxref\n9\n%%EOF\n"
    attachment = services.attachment_add(
        activity,
        by=cast.secretary_a1,
        upload=SimpleUploadedFile("签到表 3月.PDF", pdf),
        kind=AttachmentKind.DOCUMENT,
    )
    response = cast.client_for(cast.secretary_a1).get(attachment.file.url)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "%E7%AD%BE%E5%88%B0%E8%A1%A8%203%E6%9C%88.pdf" in disposition  # 签到表 3月.pdf
