"""How a login's owner is named on the portal's pages."""

from __future__ import annotations

import re

from django import template

register = template.Library()

#: Han characters: a name written in them reads family name first, with no space (王芳).
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@register.filter
def person_name(user) -> str:
    """``王芳`` for a Chinese name (Django's ``get_full_name`` would give "芳 王"),
    "Fang Wang" for a name in Latin letters, the username when no name is recorded."""
    if user is None:
        return ""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if _HAN.search(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part) or user.get_username()


@register.filter
def event_by(event) -> str:
    """Who took a step of an activity's timeline: the login's owner, or — for what a partner
    did through their link, without a login — the partner's contact ("张三（春江街道）");
    empty when neither is known."""
    if event.actor_id is not None:
        return person_name(event.actor)
    if event.contact_id is not None:
        return str(event.contact)
    return ""
