"""Row ids from user input (query strings, posted lists), parsed in one place.

Only plain ASCII digits count: ``"²".isdigit()`` and ``"①".isdigit()`` are true but ``int()``
refuses them, and ``"١٢"`` (Arabic-Indic digits) would be read as 12. A bigint column holds 19
digits; ids longer than ``MAX_ID_DIGITS`` are refused before they reach the database.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_ID_DIGITS = 18


def parse_id(raw: object) -> int | None:
    """``raw`` as a row id, or None when it is anything but a short run of ASCII digits."""
    text = str(raw).strip() if raw is not None else ""
    if text and text.isascii() and text.isdecimal() and len(text) <= MAX_ID_DIGITS:
        return int(text)
    return None


def parse_ids(values: Iterable[object]) -> list[int]:
    """The ids among ``values``; the others are dropped."""
    return [i for i in map(parse_id, values) if i is not None]
