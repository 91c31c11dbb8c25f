"""A synthetic group of committees for load tests: ``manage.py generate_group``.

At the default "group" scale: 100 committees, 1,000 branches, 20,000 members, 5,000 partner
organisations and 200,000 activities over three years, with about ten attendees each, drawn
from the organising branch's members who were in the committee on the day. Every committee
uses the demo's "136" framework (3 goals, 6 measures); branches have a favourite few measures
and partners, so the coverage matrix has real gaps and some partners go quiet.

Rows are written in bulk — PostgreSQL ``COPY`` through psycopg 3, ``bulk_create`` elsewhere —
with primary keys assigned here, so that the many-to-many rows need no round trip. Nothing is
switched off: constraints, indexes and foreign keys all hold while loading, inside one
transaction; the sequences are moved past the new keys and the tables vacuumed and analysed
at the end.
What is not written is the change history (django-simple-history), which records edits made
through the portal, not generated rows.

Partner units take part as in the demo (``demo_data.CONFIRMED_SHARE`` and its neighbours):
each partner has one contact, its default; most approved activities with a partner were
confirmed and evaluated through a link, submitted and returned ones wait for the answer, and
some returns were a partner's correction. The links carry the hash of a random token.

About one in five of the activities held in the last half year was held with an on-site
sign-in (``portal.signin``), closed after the activity: its list is the activity's record (the
attending members are its attendees, the partners' staff and other guests its external head
count). No 签到表 PDF is generated for them (``sheet_file`` stays empty): the shared drawing
is their evidence, as for the others.

The same seed and the same "today" give the same rows (timestamps of the load, the links'
token hashes and the sign-in sheets' public ids and secrets aside).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import random
import secrets
import time
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext, override
from PIL import Image, ImageDraw

from activities.models import (
    Activity,
    ActivityAction,
    ActivityEvent,
    ActivityKind,
    ActivityStatus,
    Attachment,
    Framework,
    Goal,
    Honour,
    HonourLevel,
    Measure,
    PartnerCheck,
)
from branches import groups
from branches.models import (
    Branch,
    BranchRole,
    BusinessDomain,
    Committee,
    CommitteeRole,
    CommitteeRoleKind,
    Gender,
    LifecycleStage,
    Member,
    MemberStatus,
    ProjectSite,
    Region,
    RoleKind,
)
from partnerships.models import (
    Contact,
    PartnerKind,
    PartnerOrganisation,
    Partnership,
    PartnershipKind,
    PartnershipMember,
)
from portal.devtools import demo_data
from portal.partners.models import LinkPurpose, PartnerAnswer, PartnerLink, Verdict, token_hash
from portal.partners.services import TOKEN_BYTES
from portal.signin.models import EXTERNAL_KINDS, EntryKind, EntryMethod, SignInEntry, SignInSheet
from portal.signin.models import name_key as signin_name_key
from portal.signin.services import closing_summary

#: Marks a synthetic committee (``Committee.description`` starts with it).
MARKER = "synthetic-group"
#: Password of every benchmark login (a load-test database holds no real people).
BENCH_PASSWORD = "bench-portal-136"  # noqa: S105
ROOT_USERNAME = "bench_root"
WINDOW_DAYS = 3 * 365
#: The activities held in these last days may have an on-site sign-in, this share of them.
SIGNIN_DAYS = 180
SIGNIN_SHARE = 0.2
ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Scale:
    committees: int
    branches: int
    members: int
    partners: int
    activities: int


SCALES: dict[str, Scale] = {
    "group": Scale(committees=100, branches=1000, members=20000, partners=5000, activities=200000),
    "medium": Scale(committees=20, branches=200, members=4000, partners=1000, activities=40000),
    "small": Scale(committees=5, branches=50, members=1000, partners=250, activities=10000),
    "tiny": Scale(committees=2, branches=6, members=60, partners=10, activities=120),
}


class SyntheticDataRefused(Exception):
    """The database is not one the generator may write into (see the message)."""


@dataclass
class GenerateResult:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    password: str = BENCH_PASSWORD
    root_username: str = ROOT_USERNAME
    staff_usernames: list[str] = field(default_factory=list)


def existing_data_problem(using: str = "default") -> str:
    """Why the database may not receive a synthetic group, or '' when it may."""
    committees = Committee.objects.using(using)
    if committees.filter(description__startswith=MARKER).exists():
        return (
            "This database already holds a synthetic group: generate into a fresh database "
            "(e.g. dropdb/createdb, then migrate)."
        )
    if committees.exists() or get_user_model().objects.using(using).exists():
        return (
            "This database holds data that is not synthetic (committees or logins): use a "
            "database of its own for load tests, or pass --force to add the group beside it."
        )
    return ""


def generate_group(
    *,
    scale: Scale,
    seed: int = 1,
    today: dt.date | None = None,
    force: bool = False,
    using: str = "default",
    log: Callable[[str], None] = lambda _message: None,
) -> GenerateResult:
    """Write a synthetic group into the database; refuses a database with other data."""
    problem = existing_data_problem(using)
    if problem and (not force or "already holds a synthetic" in problem):
        raise SyntheticDataRefused(problem)
    started = time.monotonic()
    generator = _Generator(
        scale=scale, seed=seed, today=today or timezone.localdate(), using=using, log=log
    )
    with transaction.atomic(using=using):
        generator.run()
    generator.analyse()
    result = generator.result
    result.seconds = time.monotonic() - started
    return result


# --- writing rows ---------------------------------------------------------------------------


class _Sink:
    """Writes rows of one model: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere."""

    def __init__(self, using: str) -> None:
        self.using = using
        self.connection = connections[using]
        self.copy = self.connection.vendor == "postgresql"
        self.written: dict[type[models.Model], int] = {}

    def write(
        self, model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        count = 0
        if self.copy:
            quote = self.connection.ops.quote_name
            columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
            sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
            with self.connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
            model.objects.using(self.using).bulk_create(objs, batch_size=500)
            count = len(objs)
        self.written[model] = self.written.get(model, 0) + count

    def reset_sequences(self, models_with_keys: Iterable[type[models.Model]]) -> None:
        statements = self.connection.ops.sequence_reset_sql(no_style(), list(models_with_keys))
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


class _Ids:
    """Primary keys handed out here, after whatever the tables already hold."""

    def __init__(self, using: str) -> None:
        self.using = using
        self.next: dict[type[models.Model], int] = {}

    def take(self, model: type[models.Model]) -> int:
        if model not in self.next:
            top = model.objects.using(self.using).aggregate(top=models.Max("pk"))["top"]
            self.next[model] = (top or 0) + 1
        value = self.next[model]
        self.next[model] = value + 1
        return value


# --- names ----------------------------------------------------------------------------------

_CITIES = [
    "杭州",
    "宿迁",
    "资阳",
    "肇庆",
    "枣庄",
    "成都",
    "重庆",
    "苏州",
    "无锡",
    "南京",
    "合肥",
    "武汉",
    "长沙",
    "南昌",
    "福州",
    "厦门",
    "广州",
    "深圳",
    "佛山",
    "东莞",
    "珠海",
    "天津",
    "石家庄",
    "保定",
    "唐山",
    "济南",
    "青岛",
    "郑州",
    "西安",
    "昆明",
    "贵阳",
    "南宁",
    "宁波",
    "温州",
    "嘉兴",
]
_COMPANY_KINDS = [
    "城建投资",
    "新能源开发",
    "产业园运营",
    "港口建设",
    "安居工程",
    "教育建设",
    "医疗建设",
    "市政工程",
    "交通投资",
    "水务环境",
]
_PLACES = [
    "春江",
    "城东",
    "城西",
    "江南",
    "河西",
    "新港",
    "滨湖",
    "高新",
    "湖滨",
    "云栖",
    "临江",
    "望江",
    "白沙",
    "青山",
    "金桥",
    "文昌",
    "龙泉",
    "长安",
    "和平",
    "新华",
    "光明",
    "振兴",
    "红星",
    "幸福",
    "东湖",
    "西湖",
    "南湖",
    "北苑",
    "朝阳",
    "丰收",
]
_PARTNER_FORMS: tuple[tuple[str, str], ...] = (
    (PartnerKind.SUBDISTRICT, "{place}街道"),
    (PartnerKind.COMMUNITY, "{place}社区"),
    (PartnerKind.VILLAGE, "{place}村"),
    (PartnerKind.GOVERNMENT, "{city}市住房和城乡建设局{place}分局"),
    (PartnerKind.DEVELOPMENT_ZONE, "{place}经济开发区管理委员会"),
    (PartnerKind.COURT, "{place}区人民法院"),
    (PartnerKind.POLICE, "{place}派出所"),
    (PartnerKind.HOSPITAL, "{place}人民医院"),
    (PartnerKind.SCHOOL, "{place}实验学校"),
    (PartnerKind.ENTERPRISE, "{place}建材有限公司"),
    (PartnerKind.STATE_ENTERPRISE, "国网{city}{place}供电公司"),
    (PartnerKind.BANK, "中国农业银行{city}{place}支行"),
    (PartnerKind.UNION, "{place}区总工会"),
    (PartnerKind.SOCIAL_WORK, "{place}社工站"),
    (PartnerKind.CONTRACTOR, "{place}项目施工总承包部"),
)
# The demo's name pools: plausible Chinese names, shared so there is one list to keep.
_SURNAMES = demo_data.SURNAMES
_GIVEN = {Gender.MALE: demo_data.MALE_GIVEN, Gender.FEMALE: demo_data.FEMALE_GIVEN}
_POSTS = [
    "项目经理",
    "技术负责人",
    "安全总监",
    "商务经理",
    "工程师",
    "财务主管",
    "综合办主任",
    "施工员",
    "质检员",
]
_TITLE_FORMS: dict[str, tuple[str, ...]] = {
    "M1": ("与{partner}联合开展主题党日学习", "书记互讲党课走进{partner}", "红色教育基地联学"),
    "M2": ("与{partner}开展支部结对共建活动", "联合{partner}开展反诈宣传", "党员服务队进{place}"),
    "M3": ("与{partner}召开联席会议", "银企座谈会（{partner}）", "部长会客厅：协调项目难题"),
    "M4": ("党员突击队攻坚{place}节点", "党员先锋岗安全大检查", "联合{partner}开展质量月活动"),
    "M5": ("走访慰问{place}困难群众", "与{partner}开展义诊志愿服务", "关爱留守儿童进{partner}"),
    "M6": ("与{partner}签订廉洁共建协议", "廉政警示教育观影", "节前廉洁提醒谈话"),
}
_KINDS = {
    "M1": (ActivityKind.STUDY, ActivityKind.LECTURE, ActivityKind.VISIT),
    "M2": (ActivityKind.MEETING, ActivityKind.DRILL, ActivityKind.SERVICE),
    "M3": (ActivityKind.MEETING,),
    "M4": (ActivityKind.SITE_WORK, ActivityKind.SUPERVISION),
    "M5": (ActivityKind.SERVICE, ActivityKind.CARE),
    "M6": (ActivityKind.SIGNING, ActivityKind.LECTURE, ActivityKind.SUPERVISION),
}
#: Why an activity without a partner unit had none (submitting asks for one or the other).
_NO_PARTNER_REASON = "支部内部组织的活动，未邀请共建单位参加"
#: The one drawn sign-in sheet every submitted synthetic activity points to (a file per
#: activity would be 200,000 files). Removing it from one activity removes it for all.
_SIGN_IN_SHEET = "activities/synthetic/sign-in-sheet.png"

#: How people sign in on their own phones, and how often each way.
_SIGNIN_METHODS = (EntryMethod.SCAN, EntryMethod.POSTER, EntryMethod.CODE)
_SIGNIN_METHOD_WEIGHTS = (7, 1, 2)
#: The units of guests who are not the activity's partners (after a place name).
_GUEST_UNITS = ("社区居民委员会", "街道办事处", "志愿者协会", "物业服务中心", "建设监理公司")

_RETURN_REASONS = (
    "请补充签到表和活动照片。",
    "参加人员与签到表不一致，请核对。",
    "活动成效描述过于简单，请补充具体成果。",
)
#: What a partner's contact asks to correct.
_CORRECTION_REQUESTS = (
    "我单位实际参加人数与记录不符，请核对。",
    "活动地点写得不准确，请改为我单位会议室。",
    "活动时间有误，应为当天下午。",
)


@functools.cache
def _said(
    verdict: str, head_count: int | None, rating: str, comment: str, rating_comment: str
) -> str:
    """An answer's line on the timeline (``PartnerAnswer.said``), once per distinct answer."""
    answer = PartnerAnswer(
        verdict=verdict,
        partner_head_count=head_count,
        rating=rating,
        comment=comment,
        rating_comment=rating_comment,
    )
    with override(settings.LANGUAGE_CODE):
        return answer.said()


def _split(
    total: int,
    parts: int,
    rng: random.Random,
    *,
    spread: float,
    least: int,
    first_weight: float | None = None,
) -> list[int]:
    """``total`` in ``parts`` shares of varying size (each at least ``least``), summing exactly."""
    weights = [1 + spread * (2 * rng.random() - 1) for _ in range(parts)]
    if first_weight is not None:
        weights[0] = first_weight
    room = total - least * parts
    if room < 0:
        raise ValueError(f"cannot split {total} into {parts} parts of at least {least}")
    raw = [room * w / sum(weights) for w in weights]
    shares = [math.floor(r) for r in raw]
    by_remainder = sorted(range(parts), key=lambda i: raw[i] - shares[i], reverse=True)
    for i in by_remainder[: room - sum(shares)]:
        shares[i] += 1
    return [least + s for s in shares]


@functools.cache
def _password_hash(salt: str) -> str:
    """One deliberately slow hash, shared by every benchmark login (PBKDF2, which every
    deployment accepts whatever its ``PASSWORD_HASHERS``' first choice)."""
    return PBKDF2PasswordHasher().encode(BENCH_PASSWORD, salt)


def _proportional(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` shared in proportion to ``weights``, the rounding remainder to the first."""
    shares = [total * w // sum(weights) for w in weights]
    shares[0] += total - sum(shares)
    return shares


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


# --- the generator --------------------------------------------------------------------------


@dataclass
class _MemberRow:
    pk: int
    active_from: int  # proleptic ordinals: cheap comparisons in the attendance loop
    active_to: int


class _Generator:
    def __init__(
        self,
        *,
        scale: Scale,
        seed: int,
        today: dt.date,
        using: str,
        log: Callable[[str], None],
    ) -> None:
        self.scale = scale
        self.seed = seed
        self.today = today
        self.using = using
        self.log = log
        self.sink = _Sink(using)
        self.ids = _Ids(using)
        self.window_start = today - dt.timedelta(days=WINDOW_DAYS)
        # The load's own timestamps: "now" for rows the history of which is not simulated.
        self.now = timezone.now()
        self.result = GenerateResult()
        self.user_model = get_user_model()
        self.users: list[tuple] = []
        self.user_groups: list[tuple[int, int]] = []
        self.password_hash = _password_hash(f"bench{seed}")

    # -- top level ------------------------------------------------------------------------

    def run(self) -> None:
        rng = random.Random(f"{self.seed}|group")  # noqa: S311 - test data, not secrets
        self.group_ids = {
            name: Group.objects.using(self.using).get(name=name).pk
            for name in (groups.BRANCH_EDITOR, groups.COMMITTEE_STAFF)
        }
        self._user(ROOT_USERNAME, "基准测试超级管理员", superuser=True)
        s = self.scale
        # The first committee is the group's biggest (about 3% of its branches): the
        # benchmark's committee staff work there, where a deep page of the list exists.
        branches = _split(s.branches, s.committees, rng, spread=0.5, least=1, first_weight=3.0)
        partners = _split(s.partners, s.committees, rng, spread=0.3, least=2)
        # Activities follow the branches: a bigger committee logs more.
        activities = _proportional(s.activities, branches)
        members = _proportional(s.members, branches)
        names = self._committee_names(rng, s.committees)
        for n in range(s.committees):
            started = time.monotonic()
            self._committee(
                number=n + 1,
                name=names[n],
                branches=branches[n],
                members=members[n],
                partners=partners[n],
                activities=activities[n],
            )
            if (n + 1) % 10 == 0 or n + 1 == s.committees:
                self.log(
                    f"committee {n + 1}/{s.committees} written "
                    f"({time.monotonic() - started:.1f}s for the last one)"
                )
        self._write_users()
        self.sink.reset_sequences(
            [
                self.user_model,
                Committee,
                Framework,
                Goal,
                Measure,
                ProjectSite,
                Branch,
                Member,
                PartnerOrganisation,
                Contact,
                Partnership,
                Activity,
                Attachment,
                Honour,
                PartnerLink,
                SignInSheet,
            ]
        )
        self.result.counts = self._counts()

    def analyse(self) -> None:
        connection = connections[self.using]
        if connection.vendor != "postgresql":
            return
        # VACUUM as well (outside a transaction only): it sets the visibility map, so that
        # counts use index-only scans at once, and autovacuum does not start mid-benchmark.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        self.log(f"{command} …")
        with connection.cursor() as cursor:
            cursor.execute(command)

    def _counts(self) -> dict[str, int]:
        activities = Activity.objects.using(self.using)
        counts = {
            "committees": Committee.objects.using(self.using).count(),
            "branches": Branch.objects.using(self.using).count(),
            "members": Member.objects.using(self.using).count(),
            "partner organisations": PartnerOrganisation.objects.using(self.using).count(),
            "partnerships": Partnership.objects.using(self.using).count(),
            "activities": activities.count(),
        }
        for status in ActivityStatus.values:
            counts[f"activities {status}"] = activities.filter(status=status).count()
        counts["attendances"] = Activity.attendees.through.objects.using(self.using).count()
        counts["activity events"] = ActivityEvent.objects.using(self.using).count()
        counts["honours"] = Honour.objects.using(self.using).count()
        counts["partner links"] = PartnerLink.objects.using(self.using).count()
        counts["partner answers"] = PartnerAnswer.objects.using(self.using).count()
        counts["sign-in sheets"] = SignInSheet.objects.using(self.using).count()
        counts["sign-in entries"] = SignInEntry.objects.using(self.using).count()
        for check in PartnerCheck.values:
            counts[f"partner check {check}"] = activities.filter(partner_check=check).count()
        counts["logins"] = self.user_model.objects.using(self.using).count()
        return counts

    # -- logins ---------------------------------------------------------------------------

    def _user(self, username: str, first_name: str, *, superuser: bool = False) -> int:
        pk = self.ids.take(self.user_model)
        joined = _aware(self.window_start, 9)
        self.users.append(
            (
                pk,
                self.password_hash,
                superuser,
                username,
                first_name,
                "",
                f"{username}@bench.invalid",
                superuser,
                True,
                joined,
            )
        )
        return pk

    def _write_users(self) -> None:
        fields = (
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        )
        self.sink.write(self.user_model, fields, self.users)
        self.sink.write(self.user_model.groups.through, ("user_id", "group_id"), self.user_groups)

    # -- one committee --------------------------------------------------------------------

    @staticmethod
    def _committee_names(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
        combos = [(c, k) for c in _CITIES for k in _COMPANY_KINDS]
        rng.shuffle(combos)
        names = []
        for n in range(count):
            city, kind = combos[n % len(combos)]
            short = f"{city}{kind}" + (f"{n // len(combos) + 1}" if n >= len(combos) else "")
            names.append((f"{short}公司党委", short, city))
        return names

    def _committee(
        self,
        *,
        number: int,
        name: tuple[str, str, str],
        branches: int,
        members: int,
        partners: int,
        activities: int,
    ) -> None:
        rng = random.Random(f"{self.seed}|committee|{number}")  # noqa: S311
        full_name, short_name, city = name
        c = _CommitteeBuild(committee_id=self.ids.take(Committee), city=city, rng=rng)
        self.sink.write(
            Committee,
            ("id", "name", "short_name", "organisation", "founded_on", "description"),
            [
                (
                    c.committee_id,
                    full_name,
                    short_name,
                    f"{short_name}有限公司",
                    self.window_start - dt.timedelta(days=rng.randrange(200, 3000)),
                    f"{MARKER}: seed {self.seed}, committee {number}",
                )
            ],
        )
        self._framework(c)
        staff_id = self._user(f"bench_staff_{number:03d}", f"{short_name}党委办公室")
        self.user_groups.append((staff_id, self.group_ids[groups.COMMITTEE_STAFF]))
        self.result.staff_usernames.append(f"bench_staff_{number:03d}")
        c.reviewer_id = staff_id
        self.sink.write(
            CommitteeRole,
            ("user_id", "committee_id", "role", "starts_on", "ends_on"),
            [(staff_id, c.committee_id, CommitteeRoleKind.STAFF, self.window_start, None)],
        )
        self._branches(c, number, branches)
        self._members(c, number, members)
        self._partners(c, partners)
        self._partnerships(c)
        self._activities(c, activities)
        self._honours(c)

    def _framework(self, c: _CommitteeBuild) -> None:
        self.sink.write(
            Framework,
            ("id", "committee_id", *demo_data.FRAMEWORK),
            [(self.ids.take(Framework), c.committee_id, *demo_data.FRAMEWORK.values())],
        )
        goal_fields = ("code", "title", "title_en", "description", "description_en")
        goal_rows = []
        for position, goal in enumerate(demo_data.GOALS, start=1):
            pk = self.ids.take(Goal)
            c.goal_ids.append(pk)
            goal_rows.append(
                (pk, c.committee_id, position, *(goal.get(f, "") for f in goal_fields))
            )
        self.sink.write(Goal, ("id", "committee_id", "position", *goal_fields), goal_rows)
        measure_fields = (*goal_fields, "subtitle", "subtitle_en")
        measure_rows = []
        for position, measure in enumerate(demo_data.MEASURES, start=1):
            pk = self.ids.take(Measure)
            c.measures.append((pk, measure["code"]))
            measure_rows.append(
                (pk, c.committee_id, position, *(measure.get(f, "") for f in measure_fields))
            )
        self.sink.write(Measure, ("id", "committee_id", "position", *measure_fields), measure_rows)

    def _branches(self, c: _CommitteeBuild, number: int, count: int) -> None:
        rng = c.rng
        sites, site_links, branch_rows = [], [], []
        places = rng.sample(_PLACES, min(count, len(_PLACES)))
        for k in range(count):
            place = places[k % len(places)] + (
                str(k // len(places) + 1) if k >= len(places) else ""
            )
            site_id = self.ids.take(ProjectSite)
            sites.append(
                (
                    site_id,
                    c.committee_id,
                    f"{c.city}{place}项目",
                    c.city,
                    rng.choice(Region.values),
                    rng.choice(BusinessDomain.values),
                    rng.choice(LifecycleStage.values),
                    "",
                )
            )
            branch_id = self.ids.take(Branch)
            branch_rows.append(
                (
                    branch_id,
                    c.committee_id,
                    f"{c.city}{place}项目党支部",
                    f"{place}项目",
                    self.window_start - dt.timedelta(days=rng.randrange(0, 1500)),
                    k + 1,
                )
            )
            site_links.append((branch_id, site_id))
            c.branches.append(_BranchBuild(branch_id=branch_id, place=place, number=k + 1))
        self.sink.write(
            ProjectSite,
            ("id", "committee_id", "name", "city", "region", "domain", "stage", "description"),
            sites,
        )
        self.sink.write(
            Branch,
            ("id", "committee_id", "name", "short_name", "established_on", "sort_order"),
            branch_rows,
        )
        self.sink.write(Branch.project_sites.through, ("branch_id", "projectsite_id"), site_links)
        # Each branch favours a few measures (the others are its gaps) and is more or less busy.
        for b in c.branches:
            weights = [rng.random() ** 2 if rng.random() > 0.3 else 0.0 for _ in c.measures]
            if not any(weights):
                weights[rng.randrange(len(weights))] = 1.0
            b.measure_weights = weights
            b.busyness = 0.2 + rng.random() * 1.6

    def _members(self, c: _CommitteeBuild, number: int, count: int) -> None:
        rng = c.rng
        sizes = _split(count, len(c.branches), rng, spread=0.6, least=3)
        start_ord = self.window_start.toordinal()
        today_ord = self.today.toordinal()
        open_end = dt.date.max.toordinal()
        rows, roles = [], []
        serial = 0
        for b, size in zip(c.branches, sizes, strict=True):
            for i in range(size):
                serial += 1
                pk = self.ids.take(Member)
                gender = Gender.MALE if rng.random() < 0.68 else Gender.FEMALE
                name = rng.choice(_SURNAMES) + rng.choice(_GIVEN[gender])
                is_officer = i < 2  # the secretary and the organisation member stay throughout
                if is_officer or rng.random() < 0.85:
                    active_from = start_ord - rng.randrange(30, 3000)
                else:  # transferred in during the three years
                    active_from = start_ord + rng.randrange(0, WINDOW_DAYS - 30)
                active_to = None
                if not is_officer and rng.random() < 0.07:  # transferred out since
                    earliest = max(active_from, start_ord) + 30
                    if earliest < today_ord:
                        active_to = rng.randrange(earliest, today_ord)
                probationary = not is_officer and rng.random() < 0.05
                joined = (
                    self.today - dt.timedelta(days=rng.randrange(30, 360))
                    if probationary
                    else dt.date.fromordinal(active_from)
                    - dt.timedelta(days=rng.randrange(0, 7000))
                )
                user_id = None
                if i == 0:
                    username = f"bench_secretary_{number:03d}_{b.number:03d}"
                    user_id = self._user(username, name)
                    self.user_groups.append((user_id, self.group_ids[groups.BRANCH_EDITOR]))
                    b.secretary_user_id = user_id
                rows.append(
                    (
                        pk,
                        c.committee_id,
                        b.branch_id,
                        name,
                        f"S{number:03d}{serial:05d}",
                        gender,
                        MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
                        joined,
                        rng.choice(_POSTS),
                        demo_data.synthetic_mobile(rng),
                        dt.date.fromordinal(active_from),
                        dt.date.fromordinal(active_to) if active_to else None,
                        user_id,
                        self.now,
                        self.now,
                    )
                )
                b.members.append(_MemberRow(pk, active_from, active_to or open_end))
                c.member_names[pk] = name
                if is_officer:
                    role = RoleKind.SECRETARY if i == 0 else RoleKind.ORGANISATION
                    starts = dt.date.fromordinal(active_from) + dt.timedelta(days=10)
                    roles.append((b.branch_id, pk, role, starts, None))
        self.sink.write(
            Member,
            (
                "id",
                "committee_id",
                "branch_id",
                "name",
                "member_number",
                "gender",
                "status",
                "joined_party_on",
                "post",
                "phone",
                "active_from",
                "active_to",
                "user_id",
                "created_at",
                "updated_at",
            ),
            rows,
        )
        self.sink.write(
            BranchRole, ("branch_id", "member_id", "role", "starts_on", "ends_on"), roles
        )

    def _partners(self, c: _CommitteeBuild, count: int) -> None:
        rng = c.rng
        rows, contacts, seen = [], [], set()
        for k in range(count):
            kind, form = rng.choice(_PARTNER_FORMS)
            name = form.format(place=rng.choice(_PLACES), city=c.city)
            if name in seen:
                name = f"{name}（{k + 1}）"
            seen.add(name)
            pk = self.ids.take(PartnerOrganisation)
            rows.append(
                (
                    pk,
                    c.committee_id,
                    name,
                    kind,
                    c.city,
                    rng.random() < 0.6,
                    "",
                    True,
                    self.now,
                    self.now,
                )
            )
            contact_id = self.ids.take(Contact)
            contacts.append(
                (
                    contact_id,
                    pk,
                    rng.choice(_SURNAMES) + rng.choice(_GIVEN[Gender.MALE]),
                    "联络员",
                    demo_data.synthetic_mobile(rng),
                    "",
                    True,  # the partner's only contact is its default
                )
            )
            c.contact_of[pk] = (contact_id, contacts[-1][2])
            c.partner_ids.append(pk)
            c.partner_names[pk] = name
        self.sink.write(
            PartnerOrganisation,
            (
                "id",
                "committee_id",
                "name",
                "kind",
                "city",
                "has_party_organisation",
                "notes",
                "is_active",
                "created_at",
                "updated_at",
            ),
            rows,
        )
        self.sink.write(
            Contact, ("id", "partner_id", "name", "title", "phone", "email", "is_primary"), contacts
        )
        # Each branch works with a few partners of its own; some partners are nobody's.
        for b in c.branches:
            b.partner_ids = rng.sample(c.partner_ids, min(len(c.partner_ids), rng.randint(2, 6)))

    def _partnerships(self, c: _CommitteeBuild) -> None:
        rng = c.rng
        rows, links = [], []
        for b in c.branches:
            for partner_id in b.partner_ids[: rng.randint(1, 3)]:
                pk = self.ids.take(Partnership)
                starts = self.window_start + dt.timedelta(
                    days=rng.randrange(-400, WINDOW_DAYS - 30)
                )
                roll = rng.random()
                if roll < 0.35:
                    ends = None
                elif roll < 0.45:  # ending within the next weeks: the dashboard warns
                    ends = self.today + dt.timedelta(days=rng.randrange(1, 45))
                else:
                    ends = starts + dt.timedelta(days=rng.choice((365, 730, 1095)))
                ends = max(ends, starts) if ends else None
                kind = rng.choice(
                    (
                        PartnershipKind.PAIRING,
                        PartnershipKind.PAIRING,
                        PartnershipKind.ALLIANCE,
                        PartnershipKind.TRIPARTITE,
                    )
                )
                title = f"{b.place}项目党支部—{c.partner_names[partner_id]}共建"
                rows.append(
                    (
                        pk,
                        c.committee_id,
                        b.branch_id,
                        kind,
                        title[:150],
                        starts,
                        ends,
                        "",
                        "",
                        self.now,
                        self.now,
                    )
                )
                links.append((pk, partner_id, starts))
                b.partnerships.append(
                    (partner_id, pk, starts.toordinal(), (ends or dt.date.max).toordinal())
                )
        self.sink.write(
            Partnership,
            (
                "id",
                "committee_id",
                "branch_id",
                "kind",
                "title",
                "starts_on",
                "ends_on",
                "agreement",
                "commitments",
                "created_at",
                "updated_at",
            ),
            rows,
        )
        self.sink.write(PartnershipMember, ("partnership_id", "partner_id", "joined_on"), links)

    # -- activities -----------------------------------------------------------------------

    def _activities(self, c: _CommitteeBuild, count: int) -> None:
        rng = c.rng
        today_ord = self.today.toordinal()
        start_ord = self.window_start.toordinal()
        # Which branch organises each activity: busy branches more often; ~3% the committee's.
        weights = [b.busyness for b in c.branches]
        organisers = rng.choices(c.branches, weights=weights, k=count)
        activity_rows, events, attendees, goals, partners, co_branches = [], [], [], [], [], []
        evidence: list[tuple] = []
        side = _PartnerSide(committee_id=c.committee_id, partner_names=c.partner_names)
        # The partners' side draws from a generator of its own: the other rows stay as they were.
        partner_rng = random.Random(f"{self.seed}|partners|{c.committee_id}")  # noqa: S311
        # So do the sign-ins.
        signin = _SignIns(
            committee_id=c.committee_id,
            rng=random.Random(f"{self.seed}|signin|{c.committee_id}"),  # noqa: S311
        )
        sheet = self._sign_in_sheet()
        for branch in organisers:
            committee_level = rng.random() < 0.03
            day_ord = start_ord + rng.randrange(WINDOW_DAYS + 1)
            if rng.random() < 0.012:  # planned: a draft for the coming weeks
                day_ord = today_ord + rng.randrange(1, 30)
            day = dt.date.fromordinal(day_ord)
            if day.weekday() >= 5 and rng.random() < 0.7:  # mostly on working days
                day -= dt.timedelta(days=day.weekday() - 4)
                day_ord = day.toordinal()
            starts_at = _aware(day, rng.choice((9, 9, 10, 14, 14, 15)), rng.choice((0, 0, 30)))
            ends_at = starts_at + dt.timedelta(minutes=rng.choice((60, 90, 120, 180, 240)))
            m = rng.choices(range(len(c.measures)), weights=branch.measure_weights)[0]
            measure_id, code = c.measures[m]
            partner_id = None
            roll = rng.random()
            if roll < 0.75:
                partner_id = (
                    rng.choice(branch.partner_ids)
                    if branch.partner_ids and rng.random() < 0.85
                    else rng.choice(c.partner_ids)
                )
            partnership_id = next(
                (
                    p
                    for partner, p, p_from, p_to in branch.partnerships
                    if partner == partner_id and p_from <= day_ord <= p_to
                ),
                None,
            )
            pk = self.ids.take(Activity)
            status, created, submitted, reviewed, returned_first = self._status(
                rng, day_ord - today_ord, ends_at
            )
            # Attendance: members of the organising branch (any branch for the committee's
            # own activities) who were in the committee on the day; the secretary among them.
            pool_branches = c.branches if committee_level else (branch,)
            pool = [
                mr.pk
                for b in pool_branches
                for mr in b.members
                if mr.active_from <= day_ord <= mr.active_to
            ]
            # Submitting needs a member who attended (``Activity.missing_essentials``): with
            # nobody in the branch on the day, the record stays a draft.
            if not pool and status != ActivityStatus.DRAFT:
                status, submitted, reviewed, returned_first = (
                    ActivityStatus.DRAFT,
                    None,
                    None,
                    False,
                )
            creator = None if committee_level else branch.secretary_user_id
            if committee_level:
                creator = c.reviewer_id
            # Held recently with an on-site sign-in: logged before it, to open the sign-in.
            with_signin = (
                bool(pool)
                and ends_at <= self.now
                and 0 <= today_ord - day_ord <= SIGNIN_DAYS
                and signin.rng.random() < SIGNIN_SHARE
            )
            if with_signin:
                created = min(created, starts_at - dt.timedelta(hours=signin.rng.randint(2, 40)))
            check, partner_return = self._partner_check(
                partner_rng, status, partner_id, submitted, returned_first
            )
            comment = rng.choice(_RETURN_REASONS) if status == ActivityStatus.RETURNED else ""
            correction = _rng_choice_if(partner_rng, _CORRECTION_REQUESTS, partner_return)
            reviewer_id = c.reviewer_id if reviewed else None
            if partner_return and status == ActivityStatus.RETURNED:
                # The partner's correction sent it back, with the contact's words.
                reviewer_id = None
                contact = (*c.contact_of[partner_id], partner_id)
                comment = _correction_comment(side.label(contact), correction)
            partner_name = c.partner_names.get(partner_id, branch.place)
            title = rng.choice(_TITLE_FORMS[code]).format(partner=partner_name, place=branch.place)
            version = {
                ActivityStatus.DRAFT: 1,
                ActivityStatus.SUBMITTED: 2,
                ActivityStatus.RETURNED: 3,
                ActivityStatus.APPROVED: 3,
            }[status] + (2 if returned_first else 0)
            last = reviewed or submitted or created
            people = max(0, int(rng.gauss(10, 3)))
            activity_rows.append(
                (
                    pk,
                    c.committee_id,
                    None if committee_level else branch.branch_id,
                    title[:150],
                    rng.choice(_KINDS[code]),
                    starts_at,
                    ends_at,
                    f"{c.city}{branch.place}项目部",
                    measure_id,
                    partnership_id,
                    rng.randrange(0, 30),
                    rng.randrange(0, 15) if code in {"M2", "M5"} else 0,
                    rng.randrange(10, 300) if code == "M5" else 0,
                    "" if partner_id else _NO_PARTNER_REASON,
                    f"{branch.place}项目党支部组织党员{people}人参加，围绕{title[:30]}开展交流。",
                    "形成工作清单并明确责任人。" if status == ActivityStatus.APPROVED else "",
                    status,
                    creator,
                    submitted,
                    reviewer_id,
                    reviewed,
                    comment,
                    version,
                    created,
                    last,
                    check,
                )
            )
            # The timeline the status implies.
            events.append((pk, ActivityAction.CREATED, creator, created, "", "", "draft"))
            first_submit = None
            if returned_first:
                first_submit = submitted - dt.timedelta(days=4)
                events.append(
                    (pk, ActivityAction.SUBMITTED, creator, first_submit, "", "draft", "submitted")
                )
                reason = rng.choice(_RETURN_REASONS)
                if not partner_return:  # a partner's return is on the partners' side
                    events.append(
                        (
                            pk,
                            ActivityAction.RETURNED,
                            c.reviewer_id,
                            first_submit + dt.timedelta(days=1),
                            reason,
                            "submitted",
                            "returned",
                        )
                    )
            if submitted:
                before = "returned" if returned_first else "draft"
                events.append(
                    (pk, ActivityAction.SUBMITTED, creator, submitted, "", before, "submitted")
                )
            if reviewed and not (partner_return and status == ActivityStatus.RETURNED):
                action = (
                    ActivityAction.APPROVED
                    if status == ActivityStatus.APPROVED
                    else ActivityAction.RETURNED
                )
                events.append((pk, action, c.reviewer_id, reviewed, comment, "submitted", status))
            chosen: list[int] = []
            if day_ord <= today_ord and pool:
                wanted = min(len(pool), max(2, people + (5 if committee_level else 0)))
                chosen = rng.sample(pool, wanted)
                attendees.extend((pk, member) for member in chosen)
            goals.append((pk, c.goal_ids[m // 2]))
            if rng.random() < 0.4:
                other = rng.choice([g for g in c.goal_ids if g != c.goal_ids[m // 2]])
                goals.append((pk, other))
            activity_partners = []
            if partner_id:
                partners.append((pk, partner_id))
                activity_partners.append(partner_id)
                if roll < 0.12 and len(c.partner_ids) > 1:
                    second = rng.choice(c.partner_ids)
                    if second != partner_id:
                        partners.append((pk, second))
                        activity_partners.append(second)
            if check != PartnerCheck.NOT_ASKED:
                self._partner_rows(
                    c,
                    side,
                    partner_rng,
                    _Asked(
                        activity_id=pk,
                        check=check,
                        status=status,
                        creator=creator,
                        partner_ids=activity_partners,
                        first_submitted=first_submit,
                        submitted=submitted,
                        reviewed=reviewed,
                        version=version,
                        external=activity_rows[-1][10],  # the row's external_participants
                        correction=correction,
                    ),
                )
            co_branch_id = None
            if not committee_level and len(c.branches) > 1 and rng.random() < 0.08:
                co = rng.choice(c.branches)
                if co is not branch:
                    co_branches.append((pk, co.branch_id))
                    co_branch_id = co.branch_id
            if status != ActivityStatus.DRAFT:  # its evidence, as submitting asks
                evidence.append(
                    (
                        *(self.ids.take(Attachment), pk, sheet, sheet, "sign_in", "签到表"),
                        *("签到表.png", self._sign_in_sheet_size(), created),
                    )
                )
            if with_signin:
                events.extend(
                    self._signin_rows(
                        c,
                        signin,
                        activity_rows[-1],
                        attendees=chosen,
                        partner_ids=activity_partners,
                        # Members of the other branches (the officers) who may come as guests.
                        others=[
                            mr.pk
                            for b in c.branches
                            if not committee_level
                            and b is not branch
                            and b.branch_id != co_branch_id
                            for mr in b.members[:2]
                            if mr.active_from <= day_ord <= mr.active_to
                        ],
                    )
                )
            if not committee_level:
                branch.activities.append((pk, day, status))
        self.sink.write(
            Activity,
            (
                "id",
                "committee_id",
                "branch_id",
                "title",
                "kind",
                "starts_at",
                "ends_at",
                "location",
                "measure_id",
                "partnership_id",
                "external_participants",
                "volunteers",
                "beneficiaries",
                "no_partner_reason",
                "summary",
                "outcome",
                "status",
                "created_by_id",
                "submitted_at",
                "reviewed_by_id",
                "reviewed_at",
                "review_comment",
                "version",
                "created_at",
                "updated_at",
                "partner_check",
            ),
            activity_rows,
        )
        through = Activity.attendees.through
        self.sink.write(through, ("activity_id", "member_id"), attendees)
        self.sink.write(Activity.goals.through, ("activity_id", "goal_id"), goals)
        self.sink.write(
            Activity.partners.through, ("activity_id", "partnerorganisation_id"), partners
        )
        self.sink.write(Activity.co_branches.through, ("activity_id", "branch_id"), co_branches)
        self.sink.write(
            Attachment,
            (
                *("id", "activity_id", "file", "thumbnail", "kind", "caption"),
                *("original_name", "size", "uploaded_at"),
            ),
            evidence,
        )
        self.sink.write(
            ActivityEvent,
            ("activity_id", "action", "actor_id", "at", "comment", "from_status", "to_status"),
            events,
        )
        self._write_partner_side(side)
        self.sink.write(
            SignInSheet,
            (
                *("id", "activity_id", "committee_id", "public_id", "secret", "opened_by_id"),
                *("opened_at", "closed_at", "closed_by_id", "applied_at"),
            ),
            signin.sheets,
        )
        self.sink.write(
            SignInEntry,
            (
                *("sheet_id", "committee_id", "kind", "member_id", "name", "partner_id"),
                *("unit_name", "phone", "method", "added_by_id", "device_hash", "name_key"),
                "signed_at",
            ),
            signin.entries,
        )

    # -- the on-site sign-in --------------------------------------------------------------

    def _signin_rows(
        self,
        c: _CommitteeBuild,
        signin: _SignIns,
        row: tuple,
        *,
        attendees: list[int],
        partner_ids: list[int],
        others: list[int],
    ) -> list[tuple]:
        """The closed sign-in of the activity ``row`` (its row as written), with entries that
        make its record: one per attendee, one per external participant (the staff of its
        partner units, or guests of other units), now and then a member of another branch as
        a guest. Returns its timeline steps (opened, hand additions, closed) — taken while the
        activity was a draft, after it was logged and before it was submitted."""
        rng = signin.rng
        activity_id, starts_at, ends_at = row[0], row[5], row[6]
        external, creator = row[10], row[17]
        sheet_id = self.ids.take(SignInSheet)
        opened_at = starts_at - dt.timedelta(minutes=rng.choice((20, 30, 45, 60)))
        closed_at = min(ends_at + dt.timedelta(minutes=rng.randint(1, 30)), self.now)
        hand_at = ends_at - dt.timedelta(minutes=10)
        signin.sheets.append(
            (
                *(sheet_id, activity_id, c.committee_id, secrets.token_hex(5)),
                *(secrets.token_hex(32), creator, opened_at, closed_at, creator, closed_at),
            )
        )
        people: list[tuple[str, int | None, str, int | None, str, str]] = [
            (EntryKind.ATTENDEE, member, c.member_names[member], None, "", "")
            for member in attendees
        ]
        if others and rng.random() < 0.15:
            guest = rng.choice(others)
            people.append((EntryKind.MEMBER_GUEST, guest, c.member_names[guest], None, "", ""))
        taken = {name for _kind, _member, name, *_rest in people}
        for _ in range(external):
            # The same name signs in once (``services.guest_sign_in``): another is drawn.
            name = ""
            while not name or name in taken:
                gender = Gender.MALE if rng.random() < 0.6 else Gender.FEMALE
                name = rng.choice(_SURNAMES) + rng.choice(_GIVEN[gender])
            taken.add(name)
            phone = demo_data.synthetic_mobile(rng) if rng.random() < 0.4 else ""
            if partner_ids and rng.random() < 0.85:
                people.append((EntryKind.PARTNER, None, name, rng.choice(partner_ids), "", phone))
            else:
                unit = f"{rng.choice(_PLACES)}{rng.choice(_GUEST_UNITS)}"
                people.append((EntryKind.GUEST, None, name, None, unit, phone))
        steps = [(activity_id, ActivityAction.SIGNIN_OPENED, creator, opened_at, "", "", "draft")]
        counts = dict.fromkeys(EntryKind.values, 0)
        for kind, member, name, partner, unit, phone in people:
            counts[kind] += 1
            if rng.random() < 0.05:  # could not sign in: added by the secretary (补录)
                method, added_by, at = EntryMethod.HAND, creator, hand_at
                changed = ActivityAction.SIGNIN_CHANGED
                steps.append((activity_id, changed, creator, at, _added_by_hand(name), "", "draft"))
            else:
                method = rng.choices(_SIGNIN_METHODS, _SIGNIN_METHOD_WEIGHTS)[0]
                added_by = None
                at = starts_at + dt.timedelta(minutes=rng.randint(-15, 15))
            signin.entries.append(
                (
                    *(sheet_id, c.committee_id, kind, member, name, partner, unit, phone),
                    *(method, added_by, "", signin_name_key(name), at),
                )
            )
        summary = signin_closed_comment(
            len(people),
            counts[EntryKind.ATTENDEE],
            sum(counts[kind] for kind in EXTERNAL_KINDS),
            counts[EntryKind.MEMBER_GUEST],
        )
        steps.append(
            (activity_id, ActivityAction.SIGNIN_CLOSED, creator, closed_at, summary, "", "draft")
        )
        return steps

    # -- the partners' side ---------------------------------------------------------------

    @staticmethod
    def _partner_check(
        rng: random.Random,
        status: str,
        partner_id: int | None,
        submitted: dt.datetime | None,
        returned_first: bool,
    ) -> tuple[str, bool]:
        """The activity's ``partner_check``, and whether its return was a partner's correction,
        in the demo's proportions: approved ones confirmed (``CONFIRMED_SHARE``; the others
        never asked), submitted ones waiting, returned ones waiting or — a partner's return —
        needing the correction."""
        if partner_id is None or submitted is None:
            return PartnerCheck.NOT_ASKED, False
        if status == ActivityStatus.APPROVED:
            if rng.random() >= demo_data.CONFIRMED_SHARE:
                return PartnerCheck.NOT_ASKED, False
            return PartnerCheck.CONFIRMED, returned_first and (
                rng.random() < demo_data.PARTNER_RETURN_SHARE
            )
        if status == ActivityStatus.RETURNED and rng.random() < demo_data.PARTNER_RETURN_SHARE:
            return PartnerCheck.CORRECTION, True
        return PartnerCheck.PENDING, False

    def _partner_rows(
        self, c: _CommitteeBuild, side: _PartnerSide, rng: random.Random, a: _Asked
    ) -> None:
        """The links, answers and timeline steps of an activity its partners were asked about.

        Asked when submitted (the first time too, for one a partner's correction returned);
        the answers come between asking and the review. Like the timeline's other steps, they
        lie between the activity's own submission and review times.
        """
        asked = [c.contact_of[p] + (p,) for p in a.partner_ids][: demo_data.ASKED_PER_ACTIVITY]
        if a.first_submitted is not None and a.correction:
            # Asked at the first submission; the correction returned it a day later.
            first_asked = a.first_submitted + dt.timedelta(minutes=30)
            returned_at = a.first_submitted + dt.timedelta(days=1)
            contact_id = asked[0][0]
            side.ask(a, first_asked, asked[:1])
            side.answer(
                a,
                asked[0],
                returned_at - dt.timedelta(minutes=1),
                Verdict.CORRECTION,
                comment=a.correction,
                version=2,
            )
            side.events.append(
                (
                    a.activity_id,
                    ActivityAction.RETURNED,
                    None,
                    returned_at,
                    _correction_comment(side.label(asked[0]), a.correction),
                    "submitted",
                    "returned",
                    contact_id,
                )
            )
        # Asked soon after the submission: before the review, if there was one.
        gap = (a.reviewed - a.submitted) / 10 if a.reviewed else dt.timedelta(minutes=30)
        asked_at = min(a.submitted + gap, self.now)
        side.ask(a, asked_at, asked)
        if a.check == PartnerCheck.CORRECTION:
            # The contact's correction sent the submitted activity back (at the review time).
            contact_id = asked[0][0]
            side.answer(
                a,
                asked[0],
                a.reviewed - dt.timedelta(minutes=1),
                Verdict.CORRECTION,
                comment=a.correction,
                version=a.version - 1,
            )
            side.events.append(
                (
                    a.activity_id,
                    ActivityAction.RETURNED,
                    None,
                    a.reviewed,
                    _correction_comment(side.label(asked[0]), a.correction),
                    "submitted",
                    "returned",
                    contact_id,
                )
            )
            return
        if a.check != PartnerCheck.CONFIRMED:
            return
        for number, contact in enumerate(asked):
            if number and rng.random() >= demo_data.SECOND_ANSWER_SHARE:
                continue
            weights = demo_data.RATING_WEIGHTS
            rating = rng.choices(list(weights), list(weights.values()))[0]
            rating_comment = _rng_choice_if(
                rng,
                demo_data.RATING_COMMENTS[rating],
                rng.random() < demo_data.RATING_COMMENT_SHARE,
            )
            head_count = None
            if a.external and rng.random() < demo_data.HEAD_COUNT_SHARE:
                head_count = rng.randint(1, max(1, a.external // len(a.partner_ids)))
            side.answer(
                a,
                contact,
                asked_at + (a.reviewed - asked_at) * rng.uniform(0.2, 0.9),
                Verdict.CONFIRMED,
                rating=rating,
                rating_comment=rating_comment,
                head_count=head_count,
                version=a.version - 1,  # before the approval
            )

    def _write_partner_side(self, side: _PartnerSide) -> None:
        expires = dt.timedelta(days=settings.PARTNER_LINK_DAYS)
        link_rows = []
        for link in side.links:
            pk = self.ids.take(PartnerLink)
            link.pk = pk
            link_rows.append(
                (
                    pk,
                    LinkPurpose.ANSWER,
                    token_hash(secrets.token_urlsafe(TOKEN_BYTES)),
                    link.committee_id,
                    link.partner_id,
                    link.contact_id,
                    link.activity_id,
                    link.created_by_id,
                    link.created_at,
                    link.created_at + expires,
                    link.answered_at,
                )
            )
        self.sink.write(
            PartnerLink,
            (
                *("id", "purpose", "token_hash", "committee_id", "partner_id", "contact_id"),
                *("activity_id", "created_by_id", "created_at", "expires_at", "answered_at"),
            ),
            link_rows,
        )
        self.sink.write(
            PartnerAnswer,
            (
                *("link_id", "committee_id", "activity_id", "partner_id", "contact_id"),
                *("verdict", "partner_head_count", "comment", "rating", "rating_comment"),
                *("answered_at", "activity_version"),
            ),
            [(side.links[index].pk, *row) for index, row in side.answers],
        )
        self.sink.write(
            ActivityEvent,
            (
                *("activity_id", "action", "actor_id", "at", "comment"),
                *("from_status", "to_status", "contact_id"),
            ),
            side.events,
        )

    @functools.cache  # noqa: B019 - one generator, one run
    def _sign_in_sheet_size(self) -> int:
        """The shared sign-in sheet's size in bytes (every attachment row names its own size and
        original name: PostgreSQL's COPY fills only the columns it is given)."""
        return default_storage.size(self._sign_in_sheet())

    @functools.cache  # noqa: B019 - one generator, one run
    def _sign_in_sheet(self) -> str:
        """The stored name of the shared sign-in sheet, written once per run if missing."""
        if not default_storage.exists(_SIGN_IN_SHEET):
            image = Image.new("RGB", (240, 320), "white")
            draw = ImageDraw.Draw(image)
            draw.rectangle((12, 12, 228, 36), fill=(196, 30, 40))
            for row in range(12):
                draw.line((12, 48 + row * 22, 228, 48 + row * 22), fill=(120, 120, 120))
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            return default_storage.save(_SIGN_IN_SHEET, ContentFile(buffer.getvalue()))
        return _SIGN_IN_SHEET

    def _status(
        self, rng: random.Random, days_ago_negative: int, ends_at: dt.datetime
    ) -> tuple[str, dt.datetime, dt.datetime | None, dt.datetime | None, bool]:
        """Status, created, submitted and reviewed times, and whether it was returned once.

        Old activities are nearly all approved; the last weeks still have drafts and a queue.
        """
        age = -days_ago_negative
        if age < 0 or ends_at > self.now:
            created = self.now - dt.timedelta(days=rng.randrange(1, 10))
            return ActivityStatus.DRAFT, created, None, None, False
        if age < 14:
            mix = (0.35, 0.35, 0.25, 0.05)
        elif age < 60:
            mix = (0.08, 0.15, 0.72, 0.05)
        else:
            mix = (0.02, 0.01, 0.95, 0.02)
        status = rng.choices(
            (
                ActivityStatus.DRAFT,
                ActivityStatus.SUBMITTED,
                ActivityStatus.APPROVED,
                ActivityStatus.RETURNED,
            ),
            weights=mix,
        )[0]
        created = ends_at + dt.timedelta(hours=rng.randrange(1, 30))
        if created > self.now:
            created = self.now - dt.timedelta(minutes=rng.randrange(1, 60))
            created = max(created, ends_at)
        if status == ActivityStatus.DRAFT:
            return status, created, None, None, False
        submitted = created + dt.timedelta(hours=rng.randrange(1, 72))
        returned_first = status == ActivityStatus.APPROVED and rng.random() < 0.05
        if returned_first:
            submitted += dt.timedelta(days=6)
        if submitted > self.now:
            return ActivityStatus.DRAFT, created, None, None, False
        if status == ActivityStatus.SUBMITTED:
            return status, created, submitted, None, False
        reviewed = submitted + dt.timedelta(hours=rng.randrange(2, 120))
        if reviewed > self.now:
            return ActivityStatus.SUBMITTED, created, submitted, None, False
        return status, created, submitted, reviewed, returned_first

    def _honours(self, c: _CommitteeBuild) -> None:
        rng = c.rng
        rows, links = [], []
        levels = HonourLevel.values
        for b in c.branches:
            approved = [(pk, day) for pk, day, status in b.activities if status == "approved"]
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                pk = self.ids.take(Honour)
                awarded = self.window_start + dt.timedelta(days=rng.randrange(WINDOW_DAYS))
                rows.append(
                    (
                        pk,
                        c.committee_id,
                        b.branch_id,
                        f"{b.place}项目党支部获评先进党支部",
                        rng.choice(levels),
                        f"{c.city}市委组织部",
                        awarded,
                        "",
                        "",
                    )
                )
                earlier = [a for a, day in approved if day < awarded]
                for activity_id in rng.sample(earlier, min(len(earlier), rng.randint(0, 2))):
                    links.append((pk, activity_id))
        self.sink.write(
            Honour,
            (
                "id",
                "committee_id",
                "branch_id",
                "title",
                "level",
                "awarding_body",
                "awarded_on",
                "evidence",
                "description",
            ),
            rows,
        )
        self.sink.write(Honour.activities.through, ("honour_id", "activity_id"), links)


@dataclass
class _BranchBuild:
    branch_id: int
    place: str
    number: int
    members: list[_MemberRow] = field(default_factory=list)
    measure_weights: list[float] = field(default_factory=list)
    busyness: float = 1.0
    partner_ids: list[int] = field(default_factory=list)
    partnerships: list[tuple[int, int, int, int]] = field(default_factory=list)
    secretary_user_id: int | None = None
    activities: list[tuple[int, dt.date, str]] = field(default_factory=list)


@dataclass
class _Link:
    """A partner link before it is written (``pk`` given then)."""

    committee_id: int
    partner_id: int
    contact_id: int
    activity_id: int
    created_by_id: int | None
    created_at: dt.datetime
    answered_at: dt.datetime | None = None
    pk: int | None = None


@dataclass(frozen=True)
class _Asked:
    """What the partners' side of one activity is drawn from."""

    activity_id: int
    check: str
    status: str
    creator: int | None
    partner_ids: list[int]
    first_submitted: dt.datetime | None
    submitted: dt.datetime
    reviewed: dt.datetime | None
    version: int
    external: int
    correction: str


@dataclass
class _PartnerSide:
    """One committee's partner links, answers (with the index of their link) and timeline
    steps, written after its activities."""

    committee_id: int = 0
    links: list[_Link] = field(default_factory=list)
    answers: list[tuple[int, tuple]] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    #: (activity, contact) -> the index of the contact's latest link about the activity
    latest: dict[tuple[int, int], int] = field(default_factory=dict)
    partner_names: dict[int, str] = field(default_factory=dict)

    def ask(self, a: _Asked, at: dt.datetime, contacts: list[tuple[int, str, int]]) -> None:
        for contact_id, _name, partner_id in contacts:
            self.latest[a.activity_id, contact_id] = len(self.links)
            self.links.append(
                _Link(
                    committee_id=self.committee_id,
                    partner_id=partner_id,
                    contact_id=contact_id,
                    activity_id=a.activity_id,
                    created_by_id=a.creator,
                    created_at=at,
                )
            )
        self.events.append(
            (
                a.activity_id,
                ActivityAction.PARTNER_ASKED,
                a.creator,
                at,
                "、".join(self.label(contact) for contact in contacts),
                "submitted",
                "submitted",
                None,
            )
        )

    def answer(
        self,
        a: _Asked,
        contact: tuple[int, str, int],
        at: dt.datetime,
        verdict: str,
        *,
        version: int,
        comment: str = "",
        rating: str = "",
        rating_comment: str = "",
        head_count: int | None = None,
    ) -> None:
        contact_id, _name, partner_id = contact
        index = self.latest[a.activity_id, contact_id]
        self.links[index].answered_at = at
        self.answers.append(
            (
                index,
                (
                    *(self.committee_id, a.activity_id, partner_id, contact_id, verdict),
                    *(head_count, comment, rating, rating_comment, at, version),
                ),
            )
        )
        action = (
            ActivityAction.PARTNER_CORRECTION
            if verdict == Verdict.CORRECTION
            else ActivityAction.PARTNER_CONFIRMED
        )
        said = _said(verdict, head_count, rating, comment, rating_comment)
        self.events.append(
            (a.activity_id, action, None, at, said, "submitted", "submitted", contact_id)
        )

    def label(self, contact: tuple[int, str, int]) -> str:
        """A contact as the portal names one (``Contact.__str__``)."""
        _contact_id, name, partner_id = contact
        return f"{name}（{self.partner_names[partner_id]}）"


def _rng_choice_if(rng: random.Random, options: Sequence[str], wanted: bool) -> str:
    """One of ``options`` when ``wanted`` (drawing then only), else ''."""
    return rng.choice(options) if wanted else ""


@functools.cache
def _correction_comment(contact_label: str, comment: str) -> str:
    """The return's comment when a partner's correction sent an activity back, in the words
    of ``partner_answer_record``."""
    with override(settings.LANGUAGE_CODE):
        return gettext("%(contact)s asked for a correction: %(comment)s") % {
            "contact": contact_label,
            "comment": comment,
        }


@functools.cache
def _added_by_hand(name: str) -> str:
    with override(settings.LANGUAGE_CODE):
        return gettext("Added by hand: %(name)s") % {"name": name}


@functools.cache
def signin_closed_comment(total: int, attendees: int, external: int, guests: int) -> str:
    """The timeline's line when a sign-in closes (``portal.signin.services.closing_summary``),
    in the site's language."""
    with override(settings.LANGUAGE_CODE):
        return closing_summary(total, attendees, external, guests)


@dataclass
class _SignIns:
    """One committee's sign-in sheets and entries (rows), written after its activities."""

    committee_id: int
    rng: random.Random
    sheets: list[tuple] = field(default_factory=list)
    entries: list[tuple] = field(default_factory=list)


@dataclass
class _CommitteeBuild:
    committee_id: int
    city: str
    rng: random.Random
    reviewer_id: int | None = None
    #: member -> name (a sign-in's entries carry the name as signed)
    member_names: dict[int, str] = field(default_factory=dict)
    goal_ids: list[int] = field(default_factory=list)
    measures: list[tuple[int, str]] = field(default_factory=list)
    branches: list[_BranchBuild] = field(default_factory=list)
    partner_ids: list[int] = field(default_factory=list)
    partner_names: dict[int, str] = field(default_factory=dict)
    #: partner -> (its contact's id, the contact's name)
    contact_of: dict[int, tuple[int, str]] = field(default_factory=dict)
