"""The member roster as a spreadsheet (django-import-export), with Chinese column headers.

Columns of the member roster (the import template; the export writes the same):

======== ==================================================================================
党委      committee name or short name; export only, and needed on import only by someone who
          administers several committees (a committee admin of one committee leaves it empty)
姓名      name (required)
支部      branch name, as on the committee's branch list (required)
党员编号  member number; when given, it identifies the member within the committee
性别      男 / 女
状态      正式党员 / 预备党员 (正式 / 预备 also accepted)
入党日期  date joined the Party: 2019-07-01, 2019/7/1, 2019.7.1, 2019年7月1日 or a date cell
职务      post
手机号    mobile phone, text; exported masked (138****5678); a masked number in an import
          never overwrites the stored one
转入日期  in the committee from (empty: today for a new member, unchanged otherwise)
转出日期  in the committee until (transferred out 转出)
======== ==================================================================================

Re-importing the same file creates no duplicates: a member is found by member number within
the committee or, without a number, by name within the branch (several members of the same
name in one branch need their numbers). Rows are resolved only within the committees the
importing user administers (``branches.access``), and a row is never written into another.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources, widgets
from import_export.fields import Field

from branches.models import (
    Branch,
    Committee,
    Gender,
    Member,
    MemberStatus,
    is_masked_phone,
    mask_phone,
)
from portal.core.importing import normalise_text_cell

COMMITTEE_COLUMN = "党委"


class TextWidget(widgets.Widget):
    """Text that Excel may have turned into a number: ``1001.0`` -> ``"1001"``."""

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> str:
        return normalise_text_cell(value)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class PhoneWidget(TextWidget):
    """A phone number: imported as text, exported masked for everyone."""

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> str:
        return normalise_text_cell(value).replace(" ", "").replace("-", "")

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return mask_phone(value or "")


class ChoiceWidget(widgets.Widget):
    """A choice written as its Chinese label; the code or the label in either language is
    accepted on import."""

    def __init__(
        self,
        choices: list[tuple[str, Any]],
        *,
        chinese: dict[str, str] | None = None,
        aliases: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.choices = choices
        self.chinese = chinese or {}
        self.aliases = aliases or {}

    def _label(self, code: str, language: str) -> str:
        if language.startswith("zh") and code in self.chinese:
            return self.chinese[code]
        with translation.override(language):
            return str(dict(self.choices).get(code, code))

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> str:
        text = normalise_text_cell(value)
        if not text:
            return ""
        wanted = text.casefold()
        for code, _label in self.choices:
            names = {code, self._label(code, "zh-hans"), self._label(code, "en")}
            names |= {alias for alias, target in self.aliases.items() if target == code}
            if wanted in {name.casefold() for name in names}:
                return code
        allowed = "、".join(self._label(code, "zh-hans") for code, _label in self.choices)
        raise ValueError(
            _("“%(value)s” is not one of: %(allowed)s.") % {"value": text, "allowed": allowed}
        )

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return self._label(value, "zh-hans") if value else ""


class YesNoWidget(widgets.Widget):
    YES = frozenset({"是", "有", "y", "yes", "true", "1", "✓", "√"})
    NO = frozenset({"否", "无", "没有", "n", "no", "false", "0"})

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        text = normalise_text_cell(value).casefold()
        if not text:
            return None
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(_("“%(value)s” is neither 是 nor 否.") % {"value": text})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "是" if value else "否"


class DateTextWidget(widgets.Widget):
    """A date as Chinese offices type it, or a spreadsheet date cell."""

    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = normalise_text_cell(value)
        if not text:
            return None
        text = text.split(" ")[0]
        for fmt in self.FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date)
            except ValueError:
                continue
        raise ValueError(_("“%(value)s” is not a date such as 2019-07-01.") % {"value": text})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.isoformat() if value else ""


class InCommitteeWidget(widgets.ForeignKeyWidget):
    """A related row named in the file, looked up only in the row's committee."""

    def __init__(self, model: type, resource: CommitteeRosterResource) -> None:
        super().__init__(model, field="name")
        self.resource = resource

    def get_queryset(self, value: Any, row: dict, *args: Any, **kwargs: Any):
        committee = self.resource.current_committee
        return self.model.objects.for_admin_user(self.resource.user).in_committee(committee.pk)

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any):
        name = normalise_text_cell(value)
        if not name:
            return None
        try:
            return self.get_queryset(value, row or {}).get(name=name)
        except self.model.DoesNotExist:
            raise ValueError(
                _("%(committee)s has no %(model)s named “%(name)s”.")
                % {
                    "committee": self.resource.current_committee,
                    "model": self.model._meta.verbose_name,
                    "name": name,
                }
            ) from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.name if value else ""


class CommitteeRosterResource(resources.ModelResource):
    """A roster resource whose rows belong to one of the importing user's committees.

    Subclasses define ``find_existing(row)``: the row's instance within
    ``self.current_committee``, or None for a new one.
    """

    #: model fields left unchanged when their cell is empty (defaults or stored values)
    keep_when_blank: frozenset[str] = frozenset()

    def __init__(self, user: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user
        self.current_committee: Committee | None = None

    def committees(self):
        return Committee.objects.for_admin_user(self.user)

    def committee_for_row(self, row: dict) -> Committee:
        name = normalise_text_cell(row.get(COMMITTEE_COLUMN))
        committees = self.committees()
        if name:
            found = committees.filter(Q(name=name) | Q(short_name=name)).first()
            if found is None:
                raise ValidationError(
                    _("You do not administer a committee named “%(name)s”.") % {"name": name}
                )
            return found
        only = list(committees[:2])
        if len(only) == 1:
            return only[0]
        raise ValidationError(
            _("Name the committee in the “%(column)s” column.") % {"column": COMMITTEE_COLUMN}
        )

    def before_import_row(self, row: dict, **kwargs: Any) -> None:
        self.current_committee = self.committee_for_row(row)

    def get_instance(self, instance_loader: Any, row: dict):
        return self.find_existing(row)

    def find_existing(self, row: dict):  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    def init_instance(self, row: dict | None = None):
        return self._meta.model(committee=self.current_committee)

    def import_field(self, field: Field, instance: Any, row: dict, is_m2m: bool = False, **kw):
        if field.column_name in row:
            cell = row.get(field.column_name)
            if field.attribute == "phone" and is_masked_phone(str(cell or "")):
                return  # a masked number never overwrites the stored one
            if field.attribute in self.keep_when_blank and normalise_text_cell(cell) == "":
                return
        super().import_field(field, instance, row, is_m2m, **kw)

    def skip_row(self, instance, original, row, import_validation_errors=None) -> bool:
        # "Unchanged" would tell whoever uploads a full number that it is the stored one: a row
        # with a full phone number is never skipped, whether the number is right or wrong.
        for field in self.get_import_fields():
            if isinstance(field.widget, PhoneWidget) and field.column_name in row:
                cell = normalise_text_cell(row.get(field.column_name))
                if cell and not is_masked_phone(cell):
                    return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def before_save_instance(self, instance: Any, row: dict, **kwargs: Any) -> None:
        # Defence in depth: whatever the file said, the row stays in its committee.
        if instance.committee_id != self.current_committee.pk:
            raise ValidationError(_("This row belongs to another committee."))


class MemberResource(CommitteeRosterResource):
    committee = Field(attribute="committee__name", column_name=COMMITTEE_COLUMN, readonly=True)
    name = Field(attribute="name", column_name="姓名", widget=TextWidget())
    branch = Field(attribute="branch", column_name="支部", widget=TextWidget())
    member_number = Field(attribute="member_number", column_name="党员编号", widget=TextWidget())
    gender = Field(
        attribute="gender",
        column_name="性别",
        widget=ChoiceWidget(Gender.choices, chinese={"M": "男", "F": "女"}),
    )
    status = Field(
        attribute="status",
        column_name="状态",
        widget=ChoiceWidget(
            MemberStatus.choices,
            chinese={"full": "正式党员", "probationary": "预备党员"},
            aliases={"正式": "full", "预备": "probationary"},
        ),
    )
    joined_party_on = Field(
        attribute="joined_party_on", column_name="入党日期", widget=DateTextWidget()
    )
    post = Field(attribute="post", column_name="职务", widget=TextWidget())
    phone = Field(attribute="phone", column_name="手机号", widget=PhoneWidget())
    active_from = Field(attribute="active_from", column_name="转入日期", widget=DateTextWidget())
    active_to = Field(attribute="active_to", column_name="转出日期", widget=DateTextWidget())

    keep_when_blank = frozenset({"active_from", "status"})

    #: the import template, shown on the import page
    column_help = (
        (COMMITTEE_COLUMN, gettext_lazy("Only if you administer several committees.")),
        ("姓名", gettext_lazy("Required.")),
        ("支部", gettext_lazy("Required: the branch's name as in the branch list.")),
        (
            "党员编号",
            gettext_lazy("Optional; when given, it identifies the member on a later import."),
        ),
        ("性别", "男 / 女"),
        ("状态", "正式党员 / 预备党员"),
        ("入党日期", "2019-07-01"),
        ("职务", ""),
        (
            "手机号",
            gettext_lazy("Text. A masked number (with *) keeps the stored number."),
        ),
        ("转入日期", gettext_lazy("Empty: today for a new member.")),
        ("转出日期", gettext_lazy("When the member transferred out.")),
    )

    class Meta:
        model = Member
        fields = (
            "committee",
            "name",
            "branch",
            "member_number",
            "gender",
            "status",
            "joined_party_on",
            "post",
            "phone",
            "active_from",
            "active_to",
        )
        export_order = fields
        import_id_fields = ()
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, user: Any = None, **kwargs: Any) -> None:
        super().__init__(user=user, **kwargs)
        self.fields["branch"].widget = InCommitteeWidget(Branch, self)

    def find_existing(self, row: dict) -> Member | None:
        members = Member.objects.for_admin_user(self.user).in_committee(self.current_committee.pk)
        number = normalise_text_cell(row.get("党员编号"))
        if number:
            return members.filter(member_number=number).first()
        name = normalise_text_cell(row.get("姓名"))
        branch = normalise_text_cell(row.get("支部"))
        if not name or not branch:
            return None
        same = list(members.filter(name=name, branch__name=branch)[:2])
        if len(same) > 1:
            raise ValidationError(
                _("%(branch)s has several members named “%(name)s”: give the member number.")
                % {"branch": branch, "name": name}
            )
        return same[0] if same else None

    def filter_export(self, queryset, **kwargs: Any):
        return super().filter_export(queryset, **kwargs).select_related("committee", "branch")
