"""One upload policy for every file field: a signed agreement and an honour's evidence, added
in the admin by a committee admin, are checked like the portal's own uploads — by content, with
a size limit, pictures re-encoded without metadata, web pages, SVG and active PDFs refused."""

from __future__ import annotations

import io

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image

from activities.models import Honour
from partnerships.models import Partnership
from portal.core.uploads import CheckedFileField
from tests import factories
from tests.partnerships.test_admin import _post_data

GPS_IFD = 0x8825
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\nstartxref\n9\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9"/></svg>'
PDF_WITH_SCRIPT = PDF.replace(b"/Catalog", b"/Catalog /OpenAction << /S /JavaScript /JS (x) >>")


@pytest.fixture(autouse=True)
def _media_in_tmp_and_english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"


def _file(name: str, content: bytes) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def _photo_with_gps(size=(3000, 1000)) -> bytes:
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (30.0, 15.0, 7.0), 3: "E", 4: (120.0, 9.0, 3.0)}
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


# --- Signed agreements (partnerships) ------------------------------------------------------


def _change_agreement(cast, user, partnership, upload):
    client = cast.client_for(user)
    url = reverse("admin:partnerships_partnership_change", args=[partnership.pk])
    data = _post_data(client.get(url))
    data["agreement"] = upload
    return client.post(url, data)


@pytest.fixture
def partnership(cast):
    return factories.PartnershipFactory(committee=cast.committee_a, branch=cast.branch_a1)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("协议.html", HTML, "is not accepted: only PDF files and pictures"),
        ("协议.pdf", HTML, "is not accepted: only PDF files and pictures"),
        ("协议.svg", SVG, "is not accepted: only PDF files and pictures"),
        ("协议.pdf", PDF_WITH_SCRIPT, "contains scripts, embedded files or actions"),
    ],
    ids=["html", "html-named-pdf", "svg", "pdf-with-script"],
)
def test_committee_admin_cannot_store_a_web_page_svg_or_active_pdf_as_an_agreement(
    cast, partnership, name, content, message
):
    response = _change_agreement(cast, cast.admin_a, partnership, _file(name, content))
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors["agreement"])
    partnership.refresh_from_db()
    assert not partnership.agreement


def test_committee_admin_stores_a_signed_pdf_agreement_that_its_branch_can_download(
    cast, partnership
):
    response = _change_agreement(cast, cast.admin_a, partnership, _file("结对协议.pdf", PDF))
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.agreement.name.startswith(f"partnerships/{cast.committee_a.pk}/")
    assert partnership.agreement.name.endswith(".pdf")
    download = cast.client_for(cast.secretary_a1).get(partnership.agreement.url)
    assert b"".join(download.streaming_content) == PDF
    assert cast.client_for(cast.admin_b).get(partnership.agreement.url).status_code == 404


def test_an_agreement_over_the_size_limit_is_refused(cast, partnership, settings):
    settings.ATTACHMENT_MAX_FILE_MB = 1
    big = PDF[:-6] + b"%" * (1024 * 1024) + b"\n%%EOF\n"
    response = _change_agreement(cast, cast.admin_a, partnership, _file("扫描件.pdf", big))
    assert "a file may be at most 1.0\xa0MB" in str(
        response.context["adminform"].form.errors["agreement"]
    )


# --- An honour's evidence ------------------------------------------------------------------


def _add_honour(cast, user, evidence):
    return cast.client_for(user).post(
        reverse("admin:activities_honour_add"),
        {
            "committee": cast.committee_a.pk,
            "branch": cast.branch_a1.pk,
            "title": "西湖杯",
            "level": "municipal",
            "awarding_body": "杭州市建设局",
            "awarded_on": "2023-12-01",
            "evidence": evidence,
        },
    )


@pytest.mark.parametrize(
    ("name", "content"), [("锦旗.svg", SVG), ("锦旗.jpg", SVG), ("证书.html", HTML)]
)
def test_committee_admin_cannot_store_svg_or_html_as_honour_evidence(cast, name, content):
    response = _add_honour(cast, cast.admin_a, _file(name, content))
    assert response.status_code == 200
    assert "is not accepted" in str(response.context["adminform"].form.errors["evidence"])
    assert not Honour.objects.exists()


def test_a_photo_as_evidence_is_stored_re_encoded_without_gps_and_named_by_its_content(
    cast, settings
):
    settings.ATTACHMENT_IMAGE_MAX_SIDE = 1200
    response = _add_honour(cast, cast.admin_a, _file("锦旗.png", _photo_with_gps()))
    assert response.status_code == 302
    honour = Honour.objects.get()
    assert honour.evidence.name.endswith(".jpg")  # a JPEG, whatever its name said
    with honour.evidence.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert image.size == (1200, 400)
        assert not image.getexif()


# --- Every file field a form can fill ------------------------------------------------------


def test_every_file_field_an_admin_form_shows_is_checked_by_the_upload_policy(cast):
    """A new FileField in an admin form must declare its policy (CheckedFileField); fields
    written only by code (an activity's attachments, generated reports) are read-only there."""
    request = RequestFactory().get("/admin/")
    request.user = cast.superuser
    unchecked = []
    for model_admin in admin.site._registry.values():
        inlines = model_admin.get_inline_instances(request)
        forms = [model_admin.get_form(request)] + [i.get_formset(request).form for i in inlines]
        for form in forms:
            for field in form._meta.model._meta.get_fields():
                if not isinstance(field, models.FileField) or field.name not in form.base_fields:
                    continue
                if not isinstance(field, CheckedFileField):
                    unchecked.append(f"{form._meta.model.__name__}.{field.name}")
    assert unchecked == []
    assert isinstance(Partnership._meta.get_field("agreement"), CheckedFileField)
    assert isinstance(Honour._meta.get_field("evidence"), CheckedFileField)
