from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_groups(sender, *, using: str, **kwargs) -> None:
    from branches.groups import role_groups_sync

    role_groups_sync(using=using)


class BranchesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "branches"
    verbose_name = _("Branches and members")

    def ready(self) -> None:
        # After migrate and after every flush (transactional tests): the permission groups
        # exist, with exactly the permissions branches.groups gives them.
        post_migrate.connect(_sync_role_groups, sender=self, dispatch_uid="branches-role-groups")
