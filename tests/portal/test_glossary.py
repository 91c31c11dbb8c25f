"""One Chinese word per concept (docs/glossary.md): the words that used to differ stay chosen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

#: The word the glossary rejects → the one it chose.
REJECTED = {
    "服务的目标": "对应目标",
    "外部参加": "外部参与",
    "受益人数": "服务群众人数",
    "共建协议": "共建关系",
}

CATALOG = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
#: Where labels are written: the catalog's translations and the Chinese text of the templates
#: and the code (spreadsheet headers, report text).
SOURCES = [
    *Path(settings.BASE_DIR, "templates").rglob("*.html"),
    *(
        path
        for package in ("activities", "branches", "partnerships", "portal")
        for path in Path(settings.BASE_DIR, package).rglob("*.py")
        if "devtools" not in path.parts and "migrations" not in path.parts
    ),
]


def _translations() -> str:
    """The msgstr text of the catalog (obsolete entries left out)."""
    live = [block for block in CATALOG.read_text().split("\n\n") if not block.startswith("#~")]
    return "\n".join(
        line for block in live for line in block.splitlines() if line.startswith(("msgstr", '"'))
    )


@pytest.mark.parametrize(("rejected", "chosen"), REJECTED.items())
def test_the_rejected_word_is_nowhere(rejected: str, chosen: str) -> None:
    places = [str(path) for path in SOURCES if rejected in path.read_text()]
    if rejected in _translations():
        places.append(str(CATALOG))
    assert not places, f"“{rejected}” (the glossary says “{chosen}”) in: {places}"


@pytest.mark.parametrize(
    ("context", "msgid", "chinese"),
    [
        ("activity", "kind", "活动形式"),
        (None, "goals served", "对应目标"),
        (None, "Goals served", "对应目标"),
        (None, "external participants", "外部参与人数"),
        (None, "beneficiaries", "服务群众人数"),
        (None, "Beneficiaries", "服务群众人数"),
        (None, "partnership", "共建关系"),
        (None, "Partnership", "共建关系"),
    ],
)
def test_the_labels_use_the_glossary_word(context: str | None, msgid: str, chinese: str) -> None:
    with translation.override("zh-hans"):
        shown = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
    assert shown == chinese


def test_the_glossary_lists_every_chosen_word() -> None:
    glossary = (Path(settings.BASE_DIR) / "docs" / "glossary.md").read_text()
    for chosen in ("活动形式", "对应目标", "外部参与人数", "服务群众人数", "共建关系"):
        assert re.search(rf"\|\s*✱ {chosen}\s*\|", glossary), chosen
