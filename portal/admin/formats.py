"""The admin's export file formats: django-import-export's CSV and XLSX, with every text cell
written so that a spreadsheet never takes it for a formula (``portal.core.spreadsheets``).

The library's own guard (``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``, on in settings for any
other format) only drops a leading ``=``: it lets ``+``, ``-``, ``@``, tab and carriage-return
formulas through in a CSV, changes the text (a name re-imported from the file no longer finds
its row), and turns every empty cell into "None". These formats escape the cells themselves,
whatever resource, widget or ``dehydrate_`` method produced them, and leave the text unchanged.
"""

from __future__ import annotations

import io

import tablib
from import_export.formats.base_formats import CSV, XLSX
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal.core.spreadsheets import csv_cell, sheet_cell

_MAX_COLUMN_WIDTH = 50


class FormatNamesMixin:
    """Mix into an import or export form: the file formats named as people write them, CSV and
    XLSX (the library offers its format titles, "csv" and "xlsx", which tablib reads files by
    and which must therefore stay as they are)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["format"]
        field.choices = [(value, str(label).upper()) for value, label in field.choices]


class FormulaSafeCSV(CSV):
    """CSV whose text cells that start like a formula carry the apostrophe text mark."""

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> str:
        safe = tablib.Dataset(headers=dataset.headers, title=dataset.title)
        for row in dataset:
            safe.append([csv_cell(value) for value in row])
        return safe.export("csv", **kwargs)


class FormulaSafeXLSX(XLSX):
    """A workbook whose text cells are text cells: shown as typed, never run."""

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> bytes:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=(dataset.title or "Sheet1")[:31])
        headers = list(dataset.headers or [])
        for index, width in enumerate(_column_widths(headers, dataset), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        if headers:
            sheet.freeze_panes = "A2"
            bold = Font(bold=True)
            sheet.append([sheet_cell(sheet, str(header), font=bold) for header in headers])
        for row in dataset:
            sheet.append([sheet_cell(sheet, value) for value in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def _column_widths(headers: list, dataset: tablib.Dataset) -> list[int]:
    """Wide enough for the longest value of each column (Chinese characters count double)."""
    widths = [_text_width(header) for header in headers]
    for row in dataset:
        for index, value in enumerate(row):
            if index < len(widths):
                widths[index] = max(widths[index], _text_width(value))
    return [min(width + 2, _MAX_COLUMN_WIDTH) for width in widths]


def _text_width(value: object) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)
