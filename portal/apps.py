from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_schedule(sender, **kwargs) -> None:
    from portal.celery import app
    from portal.schedule import sync_periodic_tasks

    sync_periodic_tasks(app)


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Reports and reminders")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from portal.admin.booleans import translate_boolean_icons
        from portal.audit import receivers
        from portal.core import lookups  # noqa: F401  (registers the range-safe ``in``)
        from portal.templatetags.people import person_name

        # Logins, lockouts, role and permission changes: every path that makes them, recorded.
        receivers.connect()
        translate_boolean_icons()
        # A login is named as its person everywhere (admin lists and choices, history,
        # audit): 王芳, not the username "wangf" (which remains when no name is recorded).
        get_user_model().__str__ = person_name
        # After migrate, the periodic tasks are in the admin even before beat first runs.
        post_migrate.connect(_sync_schedule, sender=self, dispatch_uid="portal-sync-schedule")
