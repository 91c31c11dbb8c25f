"""Failed logins that name no login, counted instead of written one by one.

Random usernames never trip the lockout (it counts per username and address), and each failure
was an audit entry that cannot be deleted for 180 days: a flood of them filled the log. The
first such failure from an address in an hour is an audit entry as before; the rest of that hour
only add to this counter, which the audit page shows beside that entry.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

#: The audit entry's detail for a failed login naming no login (the name is not kept: it is often
#: a password typed in the wrong field).
UNKNOWN_LOGIN = "unknown login"


def tally_window(moment: dt.datetime) -> dt.datetime:
    """The hour ``moment`` falls in: failures are counted per address and hour."""
    return moment.replace(minute=0, second=0, microsecond=0)


class UnknownLoginTally(models.Model):
    ip_address = models.CharField(_("IP address"), max_length=45, blank=True)
    window_start = models.DateTimeField(_("hour"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_at = models.DateTimeField(_("last attempt"))

    class Meta:
        verbose_name = _("failed logins of unknown usernames")
        verbose_name_plural = _("failed logins of unknown usernames")
        constraints = [
            models.UniqueConstraint(
                fields=["ip_address", "window_start"], name="unknown_login_tally_once_per_hour"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ip_address or '—'} {self.window_start:%Y-%m-%d %H}:00 ×{self.attempts}"
