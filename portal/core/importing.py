"""Reading roster files as Chinese offices save them.

Excel and WPS on a Chinese Windows save "CSV" in GB18030 (the code page they call ANSI);
newer versions offer "CSV UTF-8", which starts with a byte-order mark. Both must import.
"""

from __future__ import annotations

from portal.core.spreadsheets import csv_cell_unmarked


def decode_text_upload(data: bytes) -> str:
    """Decode an uploaded text file: UTF-8 (with or without BOM), else GB18030.

    GB18030 decodes almost any byte string, so UTF-8 is tried first: a valid UTF-8 file
    with Chinese text is practically never also meaningful GB18030 of the same length.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def normalise_text_cell(value: object) -> str:
    """A spreadsheet cell as text: ``13812345678.0`` (a number cell) -> ``"13812345678"``.

    Phone and member numbers are text; Excel turns them into numbers, and a float that is
    a whole number must not keep its ``.0`` (nor become ``1.38E+10``).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    # A text an export marked so that a spreadsheet keeps it text (portal.core.spreadsheets)
    # imports as the text itself.
    text = csv_cell_unmarked(str(value).strip()).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        return text[:-2]
    return text
