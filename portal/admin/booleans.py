"""The admin's yes / no icons described in the reader's language.

Django writes the icon's ``alt`` as Python spells the value ("True", "False", "None"): a
screen reader on a Chinese page reads English, and it is the only text the icon has. The
admin's callers import ``_boolean_icon`` from its module when they run, so replacing it there
once (at start-up, ``PortalConfig.ready``) covers the change list, the read-only fields and
the history pages alike.
"""

from __future__ import annotations

from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext

_ICONS = {True: "yes", False: "no", None: "unknown"}


def boolean_icon(value: bool | None) -> str:
    words = {True: gettext("Yes"), False: gettext("No"), None: gettext("Unknown")}
    return format_html(
        '<img src="{}" alt="{}">', static(f"admin/img/icon-{_ICONS[value]}.svg"), words[value]
    )


def translate_boolean_icons() -> None:
    admin_list._boolean_icon = boolean_icon
