"""What the audit log records besides phone reveals, exports and report downloads: logins,
failed logins, lockouts, refused pages, and role and permission changes.

Role and permission changes are caught by model signals on purpose: the admin, the services,
``branch_rows_delete`` and the shell all change roles, and an audit that one path forgets is no
audit. The receivers only call ``audit_record``; the request (user and IP) comes from
``AuditMiddleware``, which keeps it for the duration of the request.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.http import HttpRequest

from branches.access import scope_for
from branches.models import AuditAction, BranchRole, CommitteeRole
from portal.audit.models import UNKNOWN_LOGIN
from portal.audit.services import audit_record, unknown_login_failure_record

#: The request being answered, kept by ``AuditMiddleware`` for the receivers (who and from where).
current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


def home_committee_id(user: AbstractBaseUser | None) -> int | None:
    """The committee whose admins read entries about this login (none for a superuser or a
    login without a role — superusers read those)."""
    if user is None or not user.is_authenticated or user.is_superuser:
        return None
    scope = scope_for(user)
    # The committee they administer first, then the one they work for, then their branches'.
    for committee_ids in (
        scope.admin_committee_ids,
        scope.staff_committee_ids,
        scope.committee_ids,
    ):
        if committee_ids:
            return min(committee_ids)
    return None


def _record_about_user(*, action: AuditAction, actor, subject, request, detail: str = "") -> None:
    audit_record(
        user=actor,
        action=action,
        committee=None,
        committee_id=home_committee_id(subject),
        object_type="user",
        object_id=getattr(subject, "pk", "") or "",
        object_repr=subject.get_username() if subject is not None else "",
        detail=detail,
        request=request,
    )


def two_factor_audit(
    *,
    action: AuditAction,
    user: AbstractBaseUser,
    request: HttpRequest | None,
    by: AbstractBaseUser | None = None,
    detail: str = "",
) -> None:
    """A second-factor event of ``user`` (set up, a refused code, a recovery code used, new
    recovery codes, a reset ``by`` a superuser), read by the admins of their committee."""
    _record_about_user(
        action=action, actor=by or user, subject=user, request=request, detail=detail
    )


def on_logged_in(sender, request, user, **kwargs) -> None:
    _record_about_user(action=AuditAction.LOGIN, actor=user, subject=user, request=request)


def _attempted_user(username: str):
    if not username:
        return None
    user_model = get_user_model()
    return user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()


#: The detail of a failed login or lockout for a username no login has: what was typed is not
#: kept, as it is often the password typed into the wrong field.


def _typed(username: str, user) -> str:
    return f"username={username}" if user is not None else UNKNOWN_LOGIN


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already masked the password in ``credentials``; only the username is kept.
    username = str((credentials or {}).get("username") or "")[:150]
    user = _attempted_user(username)
    if user is None:
        unknown_login_failure_record(request=request, detail=UNKNOWN_LOGIN)
        return
    _record_about_user(
        action=AuditAction.LOGIN_FAILED,
        actor=None,
        subject=user,
        request=request,
        detail=_typed(username, user),
    )


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    username = str(username or "")[:150]
    user = _attempted_user(username)
    _record_about_user(
        action=AuditAction.LOCKOUT,
        actor=None,
        subject=user,
        request=request,
        detail=_typed(username, user),
    )


def _role_repr(role) -> str:
    if isinstance(role, CommitteeRole):
        return f"{role.user} · {role.get_role_display()} · {role.committee}"
    return f"{role.member} · {role.get_role_display()} · {role.branch}"


def _role_committee_id(role) -> int | None:
    if isinstance(role, CommitteeRole):
        return role.committee_id
    return role.branch.committee_id


def on_role_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:
        return
    dates = f"{instance.starts_on} – {instance.ends_on or ''}"
    _record_role(instance, ("granted " if created else "changed ") + dates)


def on_role_deleted(sender, instance, **kwargs) -> None:
    _record_role(instance, "deleted")


def _record_role(role, detail: str) -> None:
    request = current_request.get()
    audit_record(
        user=getattr(request, "user", None),
        action=AuditAction.ROLE_CHANGE,
        committee=None,
        committee_id=_role_committee_id(role),
        object_type=role._meta.model_name,
        object_id=role.pk or "",
        object_repr=_role_repr(role),
        detail=detail,
        request=request,
    )


def on_user_m2m_changed(sender, instance, action, model, pk_set, reverse, **kwargs) -> None:
    """A login's groups or own permissions changed (either side of the relation)."""
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if action != "post_clear" and not pk_set:
        return
    what = "groups" if sender is get_user_model().groups.through else "permissions"
    names = ""
    if not reverse and pk_set:
        names = ", ".join(sorted(str(o) for o in model._default_manager.filter(pk__in=pk_set)))
    subjects = [instance] if not reverse else list(model._default_manager.filter(pk__in=pk_set))
    request = current_request.get()
    for subject in subjects:
        detail = f"{what} {action.removeprefix('post_')}"
        if reverse:
            detail += f": {instance}"
        elif names:
            detail += f": {names}"
        _record_about_user(
            action=AuditAction.PERMISSION_CHANGE,
            actor=getattr(request, "user", None),
            subject=subject,
            request=request,
            detail=detail,
        )


#: A login's flags that give or take rights: superuser (everything), staff (the admin), active.
RIGHTS_FLAGS = ("is_superuser", "is_staff", "is_active")
_FLAGS_BEFORE = "_audit_flags_before"


def on_user_pre_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """Remembers the flags as stored, when this save may change them (a login's ``last_login``
    update does not: no query then)."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(RIGHTS_FLAGS):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values(*RIGHTS_FLAGS).first()
    setattr(instance, _FLAGS_BEFORE, stored)


def on_user_saved(sender, instance, created, raw=False, **kwargs) -> None:
    """Records a change of a rights flag, or a login created with superuser or staff rights."""
    if raw:
        return
    before = instance.__dict__.pop(_FLAGS_BEFORE, None)
    if created:
        before = {"is_superuser": False, "is_staff": False, "is_active": instance.is_active}
    if before is None:
        return
    changed = [
        f"{flag}={getattr(instance, flag)}"
        for flag in RIGHTS_FLAGS
        if before[flag] != getattr(instance, flag)
    ]
    if changed:
        request = current_request.get()
        _record_about_user(
            action=AuditAction.PERMISSION_CHANGE,
            actor=getattr(request, "user", None),
            subject=instance,
            request=request,
            detail="flags: " + ", ".join(changed),
        )


def on_group_permissions_changed(sender, instance, action, model, pk_set, reverse, **kwargs):
    """A group's permissions changed: every login in it gains or loses them."""
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if action != "post_clear" and not pk_set:
        return
    request = current_request.get()
    if reverse:  # a permission's groups: ``instance`` is the permission
        groups = list(Group.objects.filter(pk__in=pk_set))
        names = str(instance)
    else:
        groups = [instance]
        names = ", ".join(sorted(str(p) for p in Permission.objects.filter(pk__in=pk_set or ())))
    for group in groups:
        detail = f"group permissions {action.removeprefix('post_')}"
        audit_record(
            user=getattr(request, "user", None),
            action=AuditAction.PERMISSION_CHANGE,
            committee=None,
            object_type="group",
            object_id=group.pk,
            object_repr=group.name,
            detail=f"{detail}: {names}" if names else detail,
            request=request,
        )


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_login_failed
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

    user_logged_in.connect(on_logged_in, dispatch_uid="audit.logged_in")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="audit.locked_out")
    for model in (CommitteeRole, BranchRole):
        post_save.connect(on_role_saved, sender=model, dispatch_uid=f"audit.saved.{model}")
        post_delete.connect(on_role_deleted, sender=model, dispatch_uid=f"audit.deleted.{model}")
    user_model = get_user_model()
    for through in (user_model.groups.through, user_model.user_permissions.through):
        m2m_changed.connect(on_user_m2m_changed, sender=through, dispatch_uid=f"audit.{through}")
    pre_save.connect(on_user_pre_save, sender=user_model, dispatch_uid="audit.user_pre_save")
    post_save.connect(on_user_saved, sender=user_model, dispatch_uid="audit.user_saved")
    m2m_changed.connect(
        on_group_permissions_changed,
        sender=Group.permissions.through,
        dispatch_uid="audit.group_permissions",
    )
