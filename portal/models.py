"""The ``portal`` app's models, each defined in the feature that owns it; imported here so that
Django finds them under the one app label (``portal``) their migrations were written for.

Features import their own models (``portal.reports.models``), never this module.
"""

from portal.audit.models import UnknownLoginTally
from portal.core.models import Heartbeat, OutboxMessage
from portal.partners.models import (
    LinkPurpose,
    PartnerAnswer,
    PartnerLink,
    PartnerLinkQuerySet,
    Rating,
    Verdict,
)
from portal.records.models import EvidencePack, EvidencePackStatus, evidence_pack_upload_to
from portal.reminders.models import Reminder, ReminderKind, ReminderQuerySet, iso_week
from portal.reports.models import (
    Report,
    ReportFormat,
    ReportKind,
    ReportQuerySet,
    ReportStatus,
    report_upload_to,
)
from portal.signin.models import EntryKind, EntryMethod, SignInEntry, SignInSheet

__all__ = [
    "EntryKind",
    "EntryMethod",
    "EvidencePack",
    "EvidencePackStatus",
    "Heartbeat",
    "LinkPurpose",
    "OutboxMessage",
    "PartnerAnswer",
    "PartnerLink",
    "PartnerLinkQuerySet",
    "Rating",
    "Reminder",
    "ReminderKind",
    "ReminderQuerySet",
    "Report",
    "ReportFormat",
    "ReportKind",
    "ReportQuerySet",
    "ReportStatus",
    "SignInEntry",
    "SignInSheet",
    "UnknownLoginTally",
    "Verdict",
    "evidence_pack_upload_to",
    "iso_week",
    "report_upload_to",
]
