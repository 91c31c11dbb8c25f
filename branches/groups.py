"""The three permission groups, created (or brought back to these permissions) after every
``migrate`` and every ``flush`` by ``role_groups_sync`` on ``post_migrate``.

Groups grant model permissions (what kind of thing a user may do); which rows they reach is
decided by ``branches.access`` from their committee and current roles.

They used to come from a data migration; a flush (every transactional test) deleted them and
nothing brought them back but a serialized copy of the database. Made on ``post_migrate`` they
are there after a flush as the content types, the permissions and the beat schedule are.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

BRANCH_EDITOR = "Branch editor"
COMMITTEE_STAFF = "Committee staff"
COMMITTEE_ADMIN = "Committee admin"

_READ_ROSTER = [
    "branches.view_committee",
    "branches.view_branch",
    "branches.view_projectsite",
    "branches.view_member",
    "branches.view_branchrole",
    "partnerships.view_partnerorganisation",
    "partnerships.view_partnership",
    "partnerships.view_partnershipmember",
    "partnerships.view_yearplan",
    "partnerships.view_planitem",
    "activities.view_framework",
    "activities.view_goal",
    "activities.view_measure",
    "activities.view_honour",
]

_LOG_ACTIVITIES = [
    "activities.view_activity",
    "activities.add_activity",
    "activities.change_activity",
    "activities.view_attachment",
    "activities.add_attachment",
    "activities.change_attachment",
    "activities.delete_attachment",
]


def _all(app_model_pairs: list[str]) -> list[str]:
    return [
        f"{app}.{action}_{model}"
        for app, model in (p.split(".") for p in app_model_pairs)
        for action in ("add", "change", "delete", "view")
    ]


PERMISSIONS: dict[str, list[str]] = {
    BRANCH_EDITOR: _READ_ROSTER + _LOG_ACTIVITIES,
    COMMITTEE_STAFF: _READ_ROSTER
    + _LOG_ACTIVITIES
    + ["partnerships.view_contact", "activities.add_honour", "activities.change_honour"],
    COMMITTEE_ADMIN: [
        "branches.view_committee",
        "branches.change_committee",
        "branches.view_auditentry",
        *_all(
            [
                "branches.projectsite",
                "branches.branch",
                "branches.member",
                "branches.branchrole",
                "branches.committeerole",
                "partnerships.partnerorganisation",
                "partnerships.contact",
                "partnerships.partnership",
                "partnerships.partnershipmember",
                "partnerships.agreementfile",
                "partnerships.yearplan",
                "partnerships.planitem",
                "activities.framework",
                "activities.goal",
                "activities.measure",
                "activities.activity",
                "activities.attachment",
                "activities.honour",
            ]
        ),
    ],
}


def role_groups_sync(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the three groups if missing and give each exactly its ``PERMISSIONS``.

    Idempotent: run after every ``migrate`` and ``flush`` (``BranchesConfig.ready``). Other
    apps' ``post_migrate`` may not have run yet, so their permissions are made here first
    (``create_permissions`` only adds what is missing).
    """
    from django.contrib.auth.models import Group, Permission

    app_labels = {code.split(".")[0] for codes in PERMISSIONS.values() for code in codes}
    for label in sorted(app_labels):
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using)
    by_code = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using)
        .filter(content_type__app_label__in=app_labels)
        .values_list("pk", "content_type__app_label", "codename")
    }
    for name, codes in PERMISSIONS.items():
        missing = sorted(set(codes) - set(by_code))
        if missing:
            raise LookupError(f"The group {name!r} needs permissions that do not exist: {missing}")
        wanted = [by_code[code] for code in codes]
        group, created = Group.objects.using(using).get_or_create(name=name)
        if created:
            # Installing the portal changes nobody's rights: the rows are written without the
            # m2m signals the audit log records permission changes from (as the migration did).
            through = Group.permissions.through
            through.objects.using(using).bulk_create(
                [through(group_id=group.pk, permission_id=pk) for pk in wanted]
            )
        else:
            group.permissions.set(wanted)  # a change (a deploy, or undoing a hand edit): audited
