"""The three permission groups; the data migration ``0002_role_groups`` creates them.

Groups grant model permissions (what kind of thing a user may do); which rows they reach is
decided by ``branches.access`` from their committee and current roles.
"""

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
