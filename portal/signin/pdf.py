"""The 签到表 of a sign-in as a PDF, in the format of the paper sheet it replaces: the
activity's title, time, place and organisers, then one numbered row per person (name, unit,
time, how). Printed by WeasyPrint with the records' stylesheet alone (``RecordFetcher``: no
other URL is fetched, whatever a typed name or unit says).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML

# Imported after WeasyPrint: sets Pillow's truncated-image check strict again (the web process
# that closes a sign-in also checks uploads).
from portal.core.pdf_fetcher import BASE_URL, RecordFetcher, stylesheet_url
from portal.signin.models import EntryMethod, SignInEntry, SignInSheet

#: The sheet is a Chinese document, as the paper sheet was, whoever closes the sign-in.
SHEET_LANGUAGE = "zh-hans"


def _signed_time(entry: SignInEntry, day) -> str:
    """The time of day, with the date when not the activity's first day (a two-day training,
    a member added by hand a day later)."""
    signed = timezone.localtime(entry.signed_at)
    return signed.strftime("%H:%M") if signed.date() == day else signed.strftime("%m-%d %H:%M")


def sheet_rows(entries: list[SignInEntry], day=None) -> list[dict]:
    rows = []
    for number, entry in enumerate(entries, start=1):
        how = EntryMethod(entry.method).label
        if entry.method == EntryMethod.HAND and entry.added_by is not None:
            how = f"{how}（{entry.added_by.get_full_name() or entry.added_by.get_username()}）"
        rows.append(
            {
                "number": number,
                "name": entry.name,
                "unit": entry.unit,
                "kind": entry.get_kind_display(),
                "time": _signed_time(entry, day),
                "how": how,
            }
        )
    return rows


def render_sheet_html(sheet: SignInSheet, entries: list[SignInEntry]) -> str:
    activity = sheet.activity
    starts = timezone.localtime(activity.starts_at)
    ends = timezone.localtime(activity.ends_at)
    organisers = [activity.branch.name if activity.branch else activity.committee.name]
    organisers += [b.name for b in activity.co_branches.all()]
    counts = sheet.entries.counts()
    return render_to_string(
        "signin/sheet_pdf.html",
        {
            "activity": activity,
            "time": f"{starts:%Y-%m-%d %H:%M}–{ends:%H:%M}"
            if starts.date() == ends.date()
            else f"{starts:%Y-%m-%d %H:%M}–{ends:%Y-%m-%d %H:%M}",
            "organisers": "、".join(organisers),
            "rows": sheet_rows(entries, starts.date()),
            "counts": counts,
            "closed_at": timezone.localtime(sheet.closed_at) if sheet.closed_at else None,
            "stylesheet_url": stylesheet_url(),
        },
    )


def render_sheet_pdf(sheet: SignInSheet, entries: list[SignInEntry]) -> bytes:
    with translation.override(SHEET_LANGUAGE):
        html = render_sheet_html(sheet, entries)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=RecordFetcher([])).write_pdf()
