"""The Simplified Chinese catalogue is complete, reviewed and compiled."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import services_required

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, obsolete ones left out (a small reader: no polib needed).

    Entries are separated by blank lines, as gettext's own tools write them.
    """
    entries: list[Entry] = []
    number = 0
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry = Entry(line=number + 1)
        number += block.count("\n") + 2
        target: tuple[str, int] | None = None
        for line in (raw.strip() for raw in block.strip("\n").splitlines()):
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif match := _KEYWORD.match(line):
                keyword, index, value = match.groups()
                target = (keyword, int(index or 0))
                if keyword == "msgstr":
                    entry.msgstr[target[1]] = ast.literal_eval(value)
                else:
                    setattr(entry, keyword, ast.literal_eval(value))
            elif line.startswith('"') and target is not None:
                keyword, index = target
                if keyword == "msgstr":
                    entry.msgstr[index] += ast.literal_eval(line)
                else:
                    setattr(entry, keyword, getattr(entry, keyword) + ast.literal_eval(line))
        if target is not None:  # a block of comments only (or obsolete #~ lines) is no entry
            entries.append(entry)
    return entries


def problems(entries: list[Entry]) -> list[str]:
    """Untranslated and fuzzy entries, described for a reader of the test output."""
    found = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            found.append(f"line {entry.line}: fuzzy: {entry.msgid!r}")
        if entry.msgid and (not entry.msgstr or not all(entry.msgstr.values())):
            found.append(f"line {entry.line}: untranslated: {entry.msgid!r}")
    return found


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = read_po(PO_PATH)

    assert len(entries) > 100
    assert problems(entries) == []


def test_catalogue_header_declares_chinese_and_its_plural_rule():
    header = next(entry for entry in read_po(PO_PATH) if entry.msgid == "")

    assert "Language: zh_Hans\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]


def test_compiled_catalogue_matches_the_po_file():
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog = dict(compiled._catalog)  # the parsed .mo: the one way to list all its messages

    expected: dict[object, str] = {}
    for entry in read_po(PO_PATH):
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                expected[(entry.key, index)] = text

    # msgfmt rewrites the header (it drops POT-Creation-Date): check only what matters in it.
    assert "Plural-Forms: nplurals=1; plural=0;" in catalog.pop("")
    expected.pop("")
    stale = {key for key in expected if catalog.get(key) != expected[key]}
    extra = set(catalog) - set(expected)
    assert not stale, (
        f"run `manage.py compilemessages`; out of date in the .mo: {sorted(map(str, stale))}"
    )
    assert not extra, f"run `manage.py compilemessages`; only in the .mo: {sorted(map(str, extra))}"


def test_reader_sees_plural_and_multiline_entries():
    """Guards the small reader above: it must not silently skip entries."""
    entries = {entry.msgid: entry for entry in read_po(PO_PATH)}

    member_count = entries["%(counter)s member"]
    assert member_count.msgid_plural == "%(counter)s members"
    assert member_count.msgstr == {0: "%(counter)s 名党员"}
    long = entries[
        "Your account is not linked to a Party committee yet, or your role in it has ended."
    ]
    assert "关联" in long.msgstr[0]


def test_every_string_in_the_source_is_in_the_catalogue(tmp_path):
    """Runs makemessages on a copy of the project: nothing new may appear untranslated."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        message = "GNU gettext is not installed (apt-get install gettext)"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)

    base = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    shutil.copytree(
        base,
        copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "var", "node_modules", "__pycache__", "*.pyc", "*.mo", "media"
        ),
    )
    env = {**os.environ, "DEBUG": "1"}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--ignore=.venv",
            "--ignore=var",
            "--ignore=tests",  # tests may quote Django's own strings; they are not our UI
            "--no-obsolete",
        ],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )

    entries = read_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    found = problems(entries)
    assert not found, (
        "new strings need a translation: run `manage.py makemessages -l zh_Hans "
        "--ignore=.venv --ignore=var --ignore=tests`, translate them, then "
        "`manage.py compilemessages`:\n" + "\n".join(found)
    )
