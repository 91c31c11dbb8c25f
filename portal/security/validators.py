"""Password rules beyond Django's own validators."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

#: The character classes a password is counted over; anything else (including Chinese
#: characters and spaces) counts as a symbol.
CLASSES = (
    ("upper", lambda c: c in string.ascii_uppercase),
    ("lower", lambda c: c in string.ascii_lowercase),
    ("digit", lambda c: c in string.digits),
)


def character_classes(password: str) -> int:
    """How many of upper case, lower case, digits and symbols ``password`` uses."""
    found = {name for c in password for name, test in CLASSES if test(c)}
    symbols = any(not any(test(c) for _name, test in CLASSES) for c in password)
    return len(found) + symbols


class CharacterClassValidator:
    """At least ``classes`` of upper case letters, lower case letters, digits and symbols."""

    def __init__(self, classes: int = 3) -> None:
        if not 1 <= classes <= 4:
            raise ValueError("classes must be between 1 and 4")
        self.classes = classes

    def validate(self, password: str, user: object = None) -> None:
        if character_classes(password) < self.classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must use at least %(classes)d of: upper case letters, lower case "
            "letters, digits and symbols.",
            "Your password must use at least %(classes)d of: upper case letters, lower case "
            "letters, digits and symbols.",
            self.classes,
        ) % {"classes": self.classes}
