"""Change history read and restored across models: deleted rows and what was deleted with them.

Every model that keeps history (``HistoricalRecords``) and belongs to a committee names the
path to it in ``committee_path``; historical rows carry the same foreign keys, so the same
path, followed on a row's latest historical record, says which committee a deleted row
belonged to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import OuterRef, QuerySet, Subquery, prefetch_related_objects

from branches.access import administered
from branches.services import branch_editor_groups_sync_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

#: Rows deleted with their parent (by cascade) are recorded within the same request; a row
#: deleted on its own before that (e.g. a contact removed in the inline) is older than this.
DELETED_TOGETHER_WITHIN = dt.timedelta(seconds=10)


def has_history(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def _latest_records(model: type[models.Model]) -> QuerySet:
    """Each row's latest historical record (one per primary key)."""
    history = model.history
    pk_name = model._meta.pk.attname
    latest = (
        history.filter(**{pk_name: OuterRef(pk_name)})
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    return history.filter(history_id=Subquery(latest))


def _deleted_records(model: type[models.Model]) -> QuerySet:
    """The latest historical record of every row that is deleted now."""
    pk_name = model._meta.pk.attname
    return (
        _latest_records(model)
        .filter(history_type="-")
        .exclude(**{f"{pk_name}__in": model._default_manager.values("pk")})
    )


def deleted_row_committee_id(model: type[models.Model], pk: Any) -> int | None:
    """The committee a deleted row belonged to, read from its latest historical record."""
    return (
        model.history.filter(**{model._meta.pk.attname: pk})
        .order_by("-history_date", "-history_id")
        .values_list(model.committee_path, flat=True)
        .first()
    )


def deleted_rows_for_admin_user(model: type[models.Model], user: AbstractBaseUser) -> QuerySet:
    """The last historical record of each deleted row whose committee ``user`` administers
    (a superuser: every committee), newest deletion first."""
    records = (
        _deleted_records(model)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )
    return administered(records, user, model.committee_path)


@dataclass
class ChildrenRestored:
    restored: list[models.Model] = field(default_factory=list)
    #: rows that could not come back, with the reason (e.g. a newer secretary holds office)
    refused: list[tuple[models.Model, str]] = field(default_factory=list)


def deleted_children_restore(
    *, parent: models.Model, user: AbstractBaseUser | None
) -> ChildrenRestored:
    """Bring back the rows that were deleted together with ``parent`` (its contacts, its
    partnership members, a member's roles …), now that ``parent`` itself is back.

    Only rows that keep history and were deleted by cascade in the same deletion as the
    parent — by the same user, within moments of it — come back; each is validated first,
    and one that no longer fits (say, a secretary's term overlapping a newer one) is left out
    and reported. The logins of restored members and role holders join (or leave) the
    branch editor group as their restored roles say.
    """
    result = ChildrenRestored()
    deletion = parent.history.filter(history_type="-").order_by("-history_date").first()
    if deletion is None:
        return result
    _restore_children_of(parent, deletion, user, result)
    # The rows were saved as they were, not through the services that keep a role holder's
    # login in the branch editor group.
    branch_editor_groups_sync_for(rows=[parent, *result.restored])
    return result


def _restore_children_of(
    parent: models.Model, deletion: Any, user: AbstractBaseUser | None, result: ChildrenRestored
) -> None:
    for relation in parent._meta.related_objects:
        child_model = relation.related_model
        if not (
            relation.one_to_many
            and relation.on_delete is models.CASCADE
            and has_history(child_model)
        ):
            continue
        records = _deleted_records(child_model).filter(
            **{
                relation.field.attname: parent.pk,
                "history_user_id": deletion.history_user_id,
                "history_date__gte": deletion.history_date - DELETED_TOGETHER_WITHIN,
                "history_date__lte": deletion.history_date,
            }
        )
        for record in records.order_by("history_date", "history_id"):
            child = record.instance
            child._history_user = user
            try:
                child.full_clean()
                with transaction.atomic():
                    child.save()
            except (ValidationError, IntegrityError) as exc:
                messages = getattr(exc, "messages", None) or [str(exc)]
                result.refused.append((child, " ".join(messages)))
                continue
            result.restored.append(child)
            _restore_children_of(child, deletion, user, result)


@dataclass
class ChildHistory:
    """The recorded changes of one kind of child row (a partner's contacts …)."""

    model: type[models.Model]
    records: list[Any]

    @property
    def title(self) -> str:
        return str(self.model._meta.verbose_name_plural)


def _describe(row: models.Model) -> str:
    try:
        return str(row)
    except ObjectDoesNotExist:  # it names a row that is deleted too (its parent, say)
        return f"{row._meta.verbose_name} {row.pk}"


def records_describe(model: type[models.Model], records: list[Any]) -> list[Any]:
    """Give each historical record of ``model`` its ``shown`` text: ``str()`` of the row as it
    was. The rows it names (a role's branch and member …) are fetched for all records at
    once, so a page of records costs the same few queries however many it shows."""
    shown = [record.history_object for record in records]
    relations = [f.name for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one]
    prefetch_related_objects(shown, *relations)
    for record, row in zip(records, shown, strict=True):
        record.shown = _describe(row)
    return records


def child_history(
    child_model: type[models.Model], fk_attname: str, parent_pk: Any, *, limit: int = 100
) -> ChildHistory:
    """The latest ``limit`` historical records of ``child_model`` rows under one parent,
    newest first; each record carries ``shown`` (see ``records_describe``) and, except a
    row's oldest shown, ``delta`` (its changes from that row's previous record)."""
    records = records_describe(
        child_model,
        list(
            child_model.history.filter(**{fk_attname: parent_pk})
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[:limit]
        ),
    )
    newer_of: dict[Any, Any] = {}
    pk_name = child_model._meta.pk.attname
    for record in records:  # newest first: each row's newer record is seen before this one
        child_pk = getattr(record, pk_name)
        newer = newer_of.get(child_pk)
        if newer is not None:
            newer.delta = newer.diff_against(record, foreign_keys_are_objs=True)
        newer_of[child_pk] = record
    return ChildHistory(model=child_model, records=records)
