"""The demo committee as data: facts from the "136" article, every sentence written anew.

Names of organisations, projects, events and honours follow the article; people, member
numbers and phone numbers are synthetic (seeded, so every run produces the same ones).
``portal.devtools.demo`` loads this into the database.

"77 members" means 77 ``Member`` rows, all of them in the committee today, as in the article;
some transferred in 转入 after their branch was founded, none has transferred out.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from activities.models import ActivityKind, ActivityStatus, HonourLevel
from branches.models import BusinessDomain, Gender, LifecycleStage, MemberStatus, Region, RoleKind
from partnerships.models import PartnerKind, PartnershipKind
from portal.partners.models import Rating

D = dt.date

# --- Committee and framework ----------------------------------------------------------------

COMMITTEE = {
    "name": "投资公司党委",
    "short_name": "投资公司",
    "organisation": "投资公司",
    "founded_on": D(2019, 5, 20),
    "description": (
        "投资公司随公司成立于2019年，党委下设7个党支部，党员分散在长三角、珠三角、京津冀和"
        "成渝地区的十余个投资项目上。党委以“136”联建共建模式把分散的支部和属地单位连在一起。"
    ),
}

FRAMEWORK = {
    "name": "“136”党建联建共建模式",
    "name_en": "The “136” joint Party-building model",
    "main_line": "围绕“投建营退”全产业链精益管理",
    "main_line_en": "Lean management of the whole invest–build–operate–exit chain",
    "main_line_description": (
        "党建共建服务于投资项目的全生命周期：项目履约、运营回款和提质增效都需要属地政府、"
        "合作单位和居民的支持，联建共建为此搭平台、通渠道、解难题。"
    ),
    "main_line_description_en": (
        "Joint Party building serves the whole life of an investment project: delivery, "
        "operation and payment collection all need the support of local government, partners "
        "and residents, and joint building gives them a shared platform and channel."
    ),
}

GOALS = [
    {
        "code": "G1",
        "title": "夯实基层党建工作基础",
        "title_en": "Strengthen the foundations of grassroots Party building",
        "description": "共享党建资源，相互对标找差距，让分散在项目上的小支部也有活力。",
        "description_en": (
            "Share Party-building resources and benchmark against each other so that small, "
            "scattered project branches stay active."
        ),
    },
    {
        "code": "G2",
        "title": "推动项目生产经营",
        "title_en": "Advance project production and operations",
        "description": "围绕项目建设打通与属地部门、参建单位的壁垒，保障施工、安全和回款目标。",
        "description_en": (
            "Remove barriers with local departments and contractors so that construction, "
            "safety and payment-collection targets are met."
        ),
    },
    {
        "code": "G3",
        "title": "提升企业品牌影响力",
        "title_en": "Raise the company's brand influence locally",
        "description": "让支部成为学习基地、攻坚堡垒和服务群众的平台，在项目所在地树立口碑。",
        "description_en": (
            "Make each branch a place of learning, a stronghold for hard tasks and a service "
            "point for residents, building the company's reputation where it works."
        ),
    },
]

MEASURES = [
    {
        "code": "M1",
        "title": "理论联学",
        "title_en": "Joint theory study",
        "subtitle": "夯实思想根基",
        "subtitle_en": "Lay firm ideological foundations",
        "description": (
            "与结对单位一起办学习大课堂、进社区进学校宣讲、参观红色教育基地、书记互讲党课。"
        ),
        "description_en": (
            "Study classes with paired units, talks in communities and schools, visits to red "
            "education bases and secretaries giving Party lectures to each other's branches."
        ),
    },
    {
        "code": "M2",
        "title": "组织联建",
        "title_en": "Joint organisation building",
        "subtitle": "拓展党建融合载体",
        "subtitle_en": "Widen the platforms for integrated Party building",
        "description": "组建党建联盟、支部结对、红色党员服务队，开展反诈宣传、消防演练等共建活动。",
        "description_en": (
            "Party-building alliances, branch pairings and red volunteer teams, with joint "
            "anti-fraud talks, fire drills and similar activities."
        ),
    },
    {
        "code": "M3",
        "title": "工作联动",
        "title_en": "Joint work",
        "subtitle": "共筑和谐营商环境",
        "subtitle_en": "Build a harmonious business environment together",
        "description": (
            "以党建为纽带搭建信息渠道：银企座谈、部长会客厅、园区联席会议，为企业解难题。"
        ),
        "description_en": (
            "Use Party ties as information channels: bank–enterprise forums, the minister's "
            "reception room and joint park meetings that solve problems for companies."
        ),
    },
    {
        "code": "M4",
        "title": "业绩联创",
        "title_en": "Joint performance",
        "subtitle": "凝聚攻坚克难合力",
        "subtitle_en": "Pool strength to overcome hard tasks",
        "description": (
            "党员责任区、先锋岗、突击队和每日碰头会，把党建落到履约、安全、运营和回款上。"
        ),
        "description_en": (
            "Member duty zones, vanguard posts, shock teams and daily stand-ups that turn Party "
            "work into delivery, safety, operation and payment collection."
        ),
    },
    {
        "code": "M5",
        "title": "责任联担",
        "title_en": "Shared social responsibility",
        "subtitle": "用爱心回馈社会",
        "subtitle_en": "Give back to society with care",
        "description": "关爱孤寡老人、留守儿童和困境儿童，义诊、防汛救灾、高考服务等志愿行动。",
        "description_en": (
            "Care for lonely elderly people, left-behind and vulnerable children; free clinics, "
            "flood relief, exam-day services and other volunteer work."
        ),
    },
    {
        "code": "M6",
        "title": "底线联守",
        "title_en": "Shared integrity",
        "subtitle": "增强廉洁自律意识",
        "subtitle_en": "Strengthen integrity and self-discipline",
        "description": "与政府、总承包方共签廉洁协议，联合监督，开展党纪教育、廉政观影和节日提醒。",
        "description_en": (
            "Integrity agreements with government and general contractors, joint supervision, "
            "Party-discipline education, integrity films and festival reminders."
        ),
    },
]

# --- Project sites and branches -------------------------------------------------------------


@dataclass(frozen=True)
class SiteSpec:
    name: str
    city: str
    region: str
    domain: str
    stage: str
    description: str


SITES = [
    SiteSpec(
        "杭州春南安置房东区项目",
        "杭州",
        Region.YANGTZE_DELTA,
        BusinessDomain.RESETTLEMENT,
        LifecycleStage.OPERATE,
        "富阳区春江街道的安置房东区，已竣工交付，进入运营维保期。",
    ),
    SiteSpec(
        "杭州春南安置房西区项目",
        "杭州",
        Region.YANGTZE_DELTA,
        BusinessDomain.RESETTLEMENT,
        LifecycleStage.OPERATE,
        "与东区同期建设的安置房西区，两区合计交付新房两千余户。",
    ),
    SiteSpec(
        "资阳骏兴棚改项目",
        "资阳",
        Region.CHENGDU_CHONGQING,
        BusinessDomain.RESETTLEMENT,
        LifecycleStage.OPERATE,
        "棚户区改造安置小区，运营期与物业中心共同做好绿化管护。",
    ),
    SiteSpec(
        "资阳雁江区松涛安置小区项目",
        "资阳",
        Region.CHENGDU_CHONGQING,
        BusinessDomain.RESETTLEMENT,
        LifecycleStage.OPERATE,
        "松涛镇的自主运营安置小区，与歇马社区共建共治。",
    ),
    SiteSpec(
        "成都东部新区市政道路项目",
        "成都",
        Region.CHENGDU_CHONGQING,
        BusinessDomain.MUNICIPAL,
        LifecycleStage.BUILD,
        "新区路网及配套管线工程，正在施工。",
    ),
    SiteSpec(
        "峄城区学校建设项目",
        "枣庄",
        Region.OTHER,
        BusinessDomain.SCHOOL,
        LifecycleStage.OPERATE,
        "峄城区新建中小学校舍，按绩效考核分期回收投资款。",
    ),
    SiteSpec(
        "肇庆医学院新校区项目",
        "肇庆",
        Region.PEARL_DELTA,
        BusinessDomain.SCHOOL,
        LifecycleStage.OPERATE,
        "医学院新校区的投资建设项目，已交付使用。",
    ),
    SiteSpec(
        "肇庆高新区分布式光伏项目",
        "肇庆",
        Region.PEARL_DELTA,
        BusinessDomain.NEW_ENERGY,
        LifecycleStage.BUILD,
        "利用园区厂房屋顶建设的分布式光伏电站。",
    ),
    SiteSpec(
        "宿迁激光智造小镇项目",
        "宿迁",
        Region.YANGTZE_DELTA,
        BusinessDomain.INDUSTRIAL_PARK,
        LifecycleStage.OPERATE,
        "以激光装备产业为主题的特色小镇，提供园区综合服务。",
    ),
    SiteSpec(
        "宿城区智慧停车项目",
        "宿迁",
        Region.YANGTZE_DELTA,
        BusinessDomain.MUNICIPAL,
        LifecycleStage.OPERATE,
        "城区公共停车设施的智能化建设与运营。",
    ),
    SiteSpec(
        "雄安新区市政配套项目",
        "保定",
        Region.JING_JIN_JI,
        BusinessDomain.MUNICIPAL,
        LifecycleStage.INVEST,
        "处于投资决策阶段，由公司机关直接跟进。",
    ),
    SiteSpec(
        "曹妃甸港区码头项目",
        "唐山",
        Region.JING_JIN_JI,
        BusinessDomain.PORT,
        LifecycleStage.INVEST,
        "港口建设项目，正在开展前期论证。",
    ),
]


@dataclass(frozen=True)
class RoleSpec:
    """A dated office held by the branch's member number ``index`` (0-based)."""

    index: int
    role: str
    starts_on: dt.date
    ends_on: dt.date | None = None


@dataclass(frozen=True)
class BranchSpec:
    key: str
    name: str
    short_name: str
    established_on: dt.date
    sites: tuple[str, ...]
    size: int
    posts: tuple[str, ...]
    roles: tuple[RoleSpec, ...]


SECRETARY, DEPUTY = RoleKind.SECRETARY, RoleKind.DEPUTY_SECRETARY
ORGANISATION, PUBLICITY = RoleKind.ORGANISATION, RoleKind.PUBLICITY
DISCIPLINE, OFFICER = RoleKind.DISCIPLINE, RoleKind.AFFAIRS_OFFICER

_PROJECT_POSTS = (
    "项目公司总经理",
    "工程部经理",
    "财务经理",
    "安全总监",
    "综合办公室主任",
    "商务经理",
    "运营主管",
    "技术负责人",
    "造价工程师",
    "安全员",
    "资料员",
    "现场工程师",
)

BRANCHES = [
    BranchSpec(
        key="jg",
        name="机关党支部",
        short_name="机关",
        established_on=D(2019, 7, 1),
        sites=("雄安新区市政配套项目", "曹妃甸港区码头项目"),
        size=15,
        posts=(
            "党委副书记、纪委书记",
            "党群工作部主任",
            "投资发展部经理",
            "财务资金部经理",
            "纪检监察专员",
            "人力资源部主管",
            "投资发展部主管",
            "运营管理部经理",
            "法务合规专员",
            "财务资金部主管",
            "综合办公室文秘",
            "工程管理部主管",
        ),
        roles=(
            RoleSpec(0, SECRETARY, D(2019, 7, 1)),
            RoleSpec(1, ORGANISATION, D(2019, 7, 1)),
            RoleSpec(2, PUBLICITY, D(2019, 7, 1)),
            RoleSpec(4, DISCIPLINE, D(2019, 7, 1)),
            RoleSpec(10, OFFICER, D(2022, 7, 1)),
        ),
    ),
    BranchSpec(
        key="hz",
        name="杭州项目公司党支部",
        short_name="杭州",
        established_on=D(2020, 4, 15),
        sites=("杭州春南安置房东区项目", "杭州春南安置房西区项目"),
        size=14,
        posts=_PROJECT_POSTS,
        roles=(
            # 换届 in April 2023: the first secretary stayed on as discipline member.
            RoleSpec(0, SECRETARY, D(2023, 4, 21)),
            RoleSpec(5, SECRETARY, D(2020, 4, 15), D(2023, 4, 20)),
            RoleSpec(5, DISCIPLINE, D(2023, 4, 21)),
            RoleSpec(1, ORGANISATION, D(2020, 4, 15)),
            RoleSpec(2, PUBLICITY, D(2020, 4, 15)),
            RoleSpec(3, OFFICER, D(2021, 3, 1)),
        ),
    ),
    BranchSpec(
        key="zy",
        name="资阳项目公司党支部",
        short_name="资阳",
        established_on=D(2020, 9, 10),
        sites=("资阳骏兴棚改项目",),
        size=9,
        posts=_PROJECT_POSTS,
        roles=(
            RoleSpec(0, SECRETARY, D(2020, 9, 10)),
            RoleSpec(1, ORGANISATION, D(2020, 9, 10)),
            RoleSpec(2, PUBLICITY, D(2020, 9, 10)),
        ),
    ),
    BranchSpec(
        key="sc",
        name="四川项目公司党支部",
        short_name="四川",
        established_on=D(2021, 3, 18),
        sites=("资阳雁江区松涛安置小区项目", "成都东部新区市政道路项目"),
        size=10,
        posts=_PROJECT_POSTS,
        roles=(
            RoleSpec(0, SECRETARY, D(2021, 3, 18)),
            RoleSpec(1, ORGANISATION, D(2021, 3, 18)),
            RoleSpec(2, PUBLICITY, D(2021, 3, 18)),
            RoleSpec(3, DISCIPLINE, D(2021, 3, 18)),
        ),
    ),
    BranchSpec(
        key="yc",
        name="峄城项目公司党支部",
        short_name="峄城",
        established_on=D(2021, 6, 1),
        sites=("峄城区学校建设项目",),
        size=8,
        posts=_PROJECT_POSTS,
        roles=(
            # 换届 in June 2024: the first secretary stepped down and stays an ordinary member.
            RoleSpec(7, SECRETARY, D(2021, 6, 1), D(2024, 5, 31)),
            RoleSpec(0, SECRETARY, D(2024, 6, 1)),
            RoleSpec(1, ORGANISATION, D(2021, 6, 1)),
            RoleSpec(2, PUBLICITY, D(2021, 6, 1)),
        ),
    ),
    BranchSpec(
        key="zq",
        name="肇庆项目公司党支部",
        short_name="肇庆",
        established_on=D(2021, 11, 8),
        sites=("肇庆医学院新校区项目", "肇庆高新区分布式光伏项目"),
        size=10,
        posts=_PROJECT_POSTS,
        roles=(
            RoleSpec(0, SECRETARY, D(2021, 11, 8)),
            RoleSpec(1, ORGANISATION, D(2021, 11, 8)),
            RoleSpec(2, PUBLICITY, D(2021, 11, 8)),
            RoleSpec(3, DISCIPLINE, D(2021, 11, 8)),
        ),
    ),
    BranchSpec(
        key="sq",
        name="宿迁项目公司党支部",
        short_name="宿迁",
        established_on=D(2022, 3, 22),
        sites=("宿迁激光智造小镇项目", "宿城区智慧停车项目"),
        size=11,
        posts=_PROJECT_POSTS,
        roles=(
            RoleSpec(0, SECRETARY, D(2022, 3, 22)),
            RoleSpec(1, ORGANISATION, D(2022, 3, 22)),
            RoleSpec(2, PUBLICITY, D(2022, 3, 22)),
            RoleSpec(3, DISCIPLINE, D(2022, 3, 22)),
            RoleSpec(4, OFFICER, D(2023, 2, 1)),
        ),
    ),
]

BRANCH_KEYS = [b.key for b in BRANCHES]
TOTAL_MEMBERS = 77
assert sum(b.size for b in BRANCHES) == TOTAL_MEMBERS

# --- Members (synthetic) --------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝"
)
MALE_GIVEN = (
    "伟",
    "强",
    "磊",
    "军",
    "勇",
    "杰",
    "涛",
    "斌",
    "浩",
    "鹏",
    "建国",
    "志强",
    "海涛",
    "俊杰",
    "文博",
    "晓东",
    "国栋",
    "宏伟",
    "明辉",
    "立新",
    "子豪",
    "宇航",
    "振华",
    "建华",
    "永刚",
    "家乐",
    "天佑",
    "博文",
    "德明",
    "一鸣",
)
FEMALE_GIVEN = (
    "静",
    "敏",
    "丽",
    "婷",
    "芳",
    "燕",
    "娟",
    "雪",
    "慧",
    "琳",
    "晓燕",
    "丽娟",
    "佳怡",
    "雨婷",
    "思琪",
    "秀英",
    "美玲",
    "欣然",
    "文静",
    "梦瑶",
)
_MOBILE_PREFIXES = (
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "186",
    "187",
    "188",
    "189",
    "199",
)

#: 同名 is common: these names are given on purpose to two members of different branches.
SHARED_NAMES = {("hz", 4): ("张伟", Gender.MALE), ("sq", 6): ("张伟", Gender.MALE)}
SHARED_NAMES |= {("jg", 7): ("王静", Gender.FEMALE), ("zq", 5): ("王静", Gender.FEMALE)}

#: Probationary members 预备党员 (branch, index) and how many months before the current month
#: they joined: their dates follow "today" so that they are still within the probation year.
PROBATIONARY = {("hz", 13): 3, ("sc", 9): 7, ("sq", 10): 2, ("zq", 9): 10, ("jg", 13): 5}

#: Members who transferred in 转入 later than their branch was founded.
TRANSFERS_IN = {("sq", 8): D(2024, 3, 1), ("hz", 12): D(2025, 7, 15), ("zy", 8): D(2023, 10, 9)}


@dataclass(frozen=True)
class MemberSpec:
    branch_key: str
    index: int
    member_number: str
    name: str
    gender: str
    status: str
    joined_party_on: dt.date
    post: str
    phone: str
    active_from: dt.date


def synthetic_mobile(rng: random.Random) -> str:
    """An 11-digit mainland mobile number (1[3-9]x…); made up, never a real person's record."""
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return D(year, month + 1, 1)


def members(today: dt.date) -> list[MemberSpec]:
    """The 77 members, the same on every run (only probationary dates follow the month)."""
    rng = random.Random("136-demo-members")  # noqa: S311 - synthetic data, not security
    month_start = today.replace(day=1)
    used_names: set[tuple[str, str]] = set()
    used_phones: set[str] = set()
    result: list[MemberSpec] = []
    number = 0
    for branch in BRANCHES:
        role_holders = {r.index for r in branch.roles}
        for index in range(branch.size):
            number += 1
            shared = SHARED_NAMES.get((branch.key, index))
            if shared:
                name, gender = shared
            else:
                while True:
                    gender = Gender.MALE if rng.random() < 0.7 else Gender.FEMALE
                    given = rng.choice(MALE_GIVEN if gender == Gender.MALE else FEMALE_GIVEN)
                    name = rng.choice(SURNAMES) + given
                    if (branch.key, name) not in used_names and name not in {
                        n for n, _g in SHARED_NAMES.values()
                    }:
                        break
            used_names.add((branch.key, name))
            phone = synthetic_mobile(rng)
            while phone in used_phones:
                phone = synthetic_mobile(rng)
            used_phones.add(phone)

            probation_months = PROBATIONARY.get((branch.key, index))
            if probation_months is not None:
                status = MemberStatus.PROBATIONARY
                joined = _months_before(month_start, probation_months) + dt.timedelta(days=14)
                active_from = joined
            else:
                status = MemberStatus.FULL
                joined = D(rng.randint(1992, 2021), rng.randint(1, 12), rng.choice((1, 15, 28)))
                transferred_in = TRANSFERS_IN.get((branch.key, index))
                if transferred_in:
                    active_from = transferred_in
                elif index in role_holders:
                    active_from = branch.established_on
                else:
                    active_from = branch.established_on + dt.timedelta(days=rng.randint(0, 500))
                joined = min(joined, active_from)
            if index == 0:
                post = "支部书记、" + branch.posts[0]
            elif index < len(branch.posts):
                post = branch.posts[index]
            else:  # the junior posts at the end of the list are held by several people
                post = branch.posts[-1 - (index - len(branch.posts)) % 4]
            result.append(
                MemberSpec(
                    branch_key=branch.key,
                    index=index,
                    member_number=f"TZ{number:04d}",
                    name=name,
                    gender=gender,
                    status=status,
                    joined_party_on=joined,
                    post=post,
                    phone=phone,
                    active_from=active_from,
                )
            )
    return result


# --- Partner organisations and partnerships -------------------------------------------------


@dataclass(frozen=True)
class ContactSpec:
    name: str
    title: str
    phone: str
    email: str = ""


@dataclass(frozen=True)
class PartnerSpec:
    name: str
    kind: str
    city: str
    has_party_organisation: bool
    notes: str = ""
    #: the first is the partner's default contact (asked first to confirm an activity)
    contacts: tuple[ContactSpec, ...] = ()


CHUNJIANG = "杭州市富阳区春江街道"
FUCHUNWAN = "富春湾集团"
HZ_COURT = "杭州市富阳区人民法院"
HZ_HOSPITAL = "杭州市富阳区第二人民医院"
HZ_POLICE = "杭州市公安局富阳区分局春江派出所"
CHUNNAN_COMMUNITY = "春江街道春南社区"
EAST_CONTRACTOR = "春南安置房东区施工总承包项目部"
WEST_CONTRACTOR = "春南安置房西区施工总承包项目部"
HZ_POWER = "国网杭州市富阳区供电公司"
CHINA_MOBILE = "中国移动宿迁宿城党支部"
XIEMA = "资阳市雁江区松涛镇歇马社区"
ABC = "中国农业银行宿迁分行"
SUCHENG_ZONE = "宿城经济开发区管理委员会"
SUCHENG_UNION = "宿迁市宿城区总工会"
ZQ_COLLEGE = "肇庆医学院"
ZQ_SOCIAL_WORK = "肇庆市端州区城东街道社工站"
YOUTH_LEAGUE = "共青团江苏省委"
YC_SCHOOL = "枣庄市峄城区实验学校"
ZQ_HOUSING = "肇庆市住房和城乡建设局"
ZQ_CONTRACTOR = "肇庆医学院新校区项目施工总承包部"
JX_PROPERTY = "骏兴小区物业服务中心"

HZ_ALLIANCE_UNITS = (
    CHUNJIANG,
    FUCHUNWAN,
    HZ_COURT,
    HZ_HOSPITAL,
    HZ_POLICE,
    CHUNNAN_COMMUNITY,
    EAST_CONTRACTOR,
    WEST_CONTRACTOR,
    HZ_POWER,
)

PARTNERS = [
    PartnerSpec(
        CHUNJIANG,
        PartnerKind.SUBDISTRICT,
        "杭州",
        True,
        "项目所在街道，党建联盟牵头单位之一。",
        (
            ContactSpec("俞晓燕", "街道党建办主任", "0571-63301826", "yuxiaoyan@example.com"),
            ContactSpec("何建平", "街道党建办干事", "13758122460"),
        ),
    ),
    PartnerSpec(
        FUCHUNWAN,
        PartnerKind.STATE_ENTERPRISE,
        "杭州",
        True,
        "富春湾新城的开发建设平台公司，安置房项目的业主方。",
        (ContactSpec("方志刚", "党群工作部副部长", "13867120935", "fangzhigang@example.com"),),
    ),
    PartnerSpec(HZ_COURT, PartnerKind.COURT, "杭州", True, "联盟成员，提供法律服务进工地。"),
    PartnerSpec(
        HZ_HOSPITAL,
        PartnerKind.HOSPITAL,
        "杭州",
        True,
        "联盟成员，承担工友健康服务。",
        (ContactSpec("钱玉兰", "医院党委办公室主任", "0571-63256712"),),
    ),
    PartnerSpec(
        HZ_POLICE,
        PartnerKind.POLICE,
        "杭州",
        True,
        "联盟成员，负责工地周边治安与反诈宣传。",
        (ContactSpec("沈国强", "派出所教导员", "0571-63312110"),),
    ),
    PartnerSpec(
        CHUNNAN_COMMUNITY,
        PartnerKind.COMMUNITY,
        "杭州",
        True,
        "安置房居民所在社区。",
        (ContactSpec("王丽萍", "社区党委书记", "13605718246"),),
    ),
    PartnerSpec(EAST_CONTRACTOR, PartnerKind.CONTRACTOR, "杭州", True, "东区项目党支部。"),
    PartnerSpec(WEST_CONTRACTOR, PartnerKind.CONTRACTOR, "杭州", True, "西区项目党支部。"),
    PartnerSpec(HZ_POWER, PartnerKind.STATE_ENTERPRISE, "杭州", True, "保障交付前的供电接入。"),
    PartnerSpec(
        CHINA_MOBILE,
        PartnerKind.STATE_ENTERPRISE,
        "宿迁",
        True,
        "结对支部，支持园区和停车项目的智慧化建设。",
        (ContactSpec("孙海波", "支部书记", "13951168240"),),
    ),
    PartnerSpec(
        XIEMA,
        PartnerKind.COMMUNITY,
        "资阳",
        True,
        "松涛安置小区所在社区，与四川项目公司共建红色党员服务队。",
        (ContactSpec("刘德芳", "社区党委书记", "13881926473"),),
    ),
    PartnerSpec(
        ABC,
        PartnerKind.BANK,
        "宿迁",
        True,
        "“畅融面对面”银企座谈的合作银行。",
        (ContactSpec("陈思远", "普惠金融部客户经理", "0527-84256630"),),
    ),
    PartnerSpec(
        SUCHENG_ZONE,
        PartnerKind.DEVELOPMENT_ZONE,
        "宿迁",
        True,
        "激光智造小镇所在开发区，联合举办“部长会客厅”。",
        (ContactSpec("周振华", "招商服务局副局长", "13815893027"),),
    ),
    PartnerSpec(SUCHENG_UNION, PartnerKind.UNION, "宿迁", True, "园区职工权益维护和招工服务。"),
    PartnerSpec(
        ZQ_COLLEGE,
        PartnerKind.SCHOOL,
        "肇庆",
        True,
        "公司投资建设的高校，联合开展义诊和理论宣讲。",
        (ContactSpec("黄丽娟", "党委办公室副主任", "0758-2716935"),),
    ),
    PartnerSpec(
        ZQ_SOCIAL_WORK,
        PartnerKind.SOCIAL_WORK,
        "肇庆",
        False,
        "连续多年与肇庆项目公司一起走访孤寡老人和留守儿童。",
        (ContactSpec("梁雨婷", "社工站站长", "13729860514"),),
    ),
    PartnerSpec(
        YOUTH_LEAGUE, PartnerKind.YOUTH_LEAGUE, "南京", True, "“梦想智造+”关爱青少年计划。"
    ),
    PartnerSpec(
        YC_SCHOOL,
        PartnerKind.SCHOOL,
        "枣庄",
        True,
        "公司投资建设的学校，校企共建。",
        (ContactSpec("孔德明", "校长办公室主任", "13561073398"),),
    ),
    PartnerSpec(ZQ_HOUSING, PartnerKind.GOVERNMENT, "肇庆", True, "廉洁风险防控三方协议的政府方。"),
    PartnerSpec(
        ZQ_CONTRACTOR, PartnerKind.CONTRACTOR, "肇庆", True, "廉洁风险防控三方协议的施工方。"
    ),
    PartnerSpec(
        JX_PROPERTY,
        PartnerKind.ENTERPRISE,
        "资阳",
        False,
        "骏兴小区的物业服务单位。",
        (ContactSpec("罗建军", "物业服务中心经理", "13980652317"),),
    ),
]


@dataclass(frozen=True)
class PartnershipSpec:
    title: str
    kind: str
    branch_key: str | None
    starts_on: dt.date
    ends_on: dt.date | None
    #: partner name -> the day it joined
    partners: dict[str, dt.date]
    commitments: str


def _soon(today: dt.date) -> dt.date:
    """An end date 2–7 weeks ahead that changes at most twice a month (stable within a day)."""
    if today.day <= 15:
        nxt = _months_before(today, -1)
        return nxt - dt.timedelta(days=1) + dt.timedelta(days=14)
    return _months_before(today, -2) - dt.timedelta(days=1)


HZ_ALLIANCE = "春南区域化党建联盟"
SQ_MOBILE_PAIRING = "宿迁项目公司党支部—中国移动宿城党支部结对共建"
SC_XIEMA_PAIRING = "四川项目公司党支部—歇马社区支部共建"
ZQ_TRIPARTITE = "肇庆医学院项目廉洁风险防控三方协议"
ZQ_SOCIAL_PAIRING = "肇庆项目公司党支部—城东街道社工站结对共建"
ZQ_COLLEGE_PAIRING = "肇庆项目公司党支部—肇庆医学院校企共建"
YC_SCHOOL_PAIRING = "峄城项目公司党支部—峄城区实验学校结对共建"
ZY_GREEN = "骏兴小区绿化建管共建"
SQ_JOINT_MEETING = "激光智造小镇联席会议机制"
HZ_FIRST_PAIRING = "杭州项目公司党支部—春江街道结对共建"


def partnerships(today: dt.date) -> list[PartnershipSpec]:
    return [
        PartnershipSpec(
            HZ_FIRST_PAIRING,
            PartnershipKind.PAIRING,
            "hz",
            D(2020, 6, 18),
            D(2021, 5, 19),
            {CHUNJIANG: D(2020, 6, 18)},
            "建设期的街道结对，2021年并入区域化党建联盟。",
        ),
        PartnershipSpec(
            HZ_ALLIANCE,
            PartnershipKind.ALLIANCE,
            "hz",
            D(2021, 5, 20),
            None,
            {
                CHUNJIANG: D(2021, 5, 20),
                FUCHUNWAN: D(2021, 5, 20),
                CHUNNAN_COMMUNITY: D(2021, 5, 20),
                EAST_CONTRACTOR: D(2021, 5, 20),
                WEST_CONTRACTOR: D(2021, 5, 20),
                HZ_POLICE: D(2021, 9, 1),
                HZ_COURT: D(2022, 3, 15),
                HZ_HOSPITAL: D(2022, 3, 15),
                HZ_POWER: D(2022, 11, 10),
            },
            "每季度召开联席会；工地问题清单共商共解；法律、医疗、治安服务进工地；"
            "交付阶段共同做好群众服务。",
        ),
        PartnershipSpec(
            SQ_MOBILE_PAIRING,
            PartnershipKind.PAIRING,
            "sq",
            D(2023, 3, 10),
            None,
            {CHINA_MOBILE: D(2023, 3, 10)},
            "支部共学共建；园区网络和智慧停车平台联合运维；每半年交流一次数字化服务需求。",
        ),
        PartnershipSpec(
            SC_XIEMA_PAIRING,
            PartnershipKind.PAIRING,
            "sc",
            D(2023, 2, 20),
            None,
            {XIEMA: D(2023, 2, 20)},
            "共建红色党员服务队；每季度至少一次进小区服务；共同推进自主运营小区治理。",
        ),
        PartnershipSpec(
            ZQ_TRIPARTITE,
            PartnershipKind.TRIPARTITE,
            "zq",
            D(2023, 4, 10),
            D(2027, 12, 31),
            {ZQ_HOUSING: D(2023, 4, 10), ZQ_CONTRACTOR: D(2023, 4, 10)},
            "三方共享廉政风险信息，重要环节联合监督，发现问题共同处置并相互通报。",
        ),
        PartnershipSpec(
            ZQ_SOCIAL_PAIRING,
            PartnershipKind.PAIRING,
            "zq",
            D(2022, 12, 1),
            _soon(today),
            {ZQ_SOCIAL_WORK: D(2022, 12, 1)},
            "每逢节日共同走访孤寡老人和留守儿童；协议期满前商议续签。",
        ),
        PartnershipSpec(
            ZQ_COLLEGE_PAIRING,
            PartnershipKind.PAIRING,
            "zq",
            D(2022, 6, 1),
            None,
            {ZQ_COLLEGE: D(2022, 6, 1)},
            "理论宣讲进校园；联合义诊；校园设施运营维保沟通机制。",
        ),
        PartnershipSpec(
            YC_SCHOOL_PAIRING,
            PartnershipKind.PAIRING,
            "yc",
            D(2021, 9, 1),
            D(2024, 8, 31),
            {YC_SCHOOL: D(2021, 9, 1)},
            "家风家教宣讲、节日慰问；配合学校做好绩效考核。",
        ),
        PartnershipSpec(
            ZY_GREEN,
            PartnershipKind.OTHER,
            "zy",
            D(2022, 5, 1),
            None,
            {JX_PROPERTY: D(2022, 5, 1)},
            "按绿化养护标准共同巡查；党员认领绿化责任区；居民意见月度回访。",
        ),
        PartnershipSpec(
            SQ_JOINT_MEETING,
            PartnershipKind.OTHER,
            "sq",
            D(2023, 5, 8),
            None,
            {SUCHENG_ZONE: D(2023, 5, 8), SUCHENG_UNION: D(2023, 5, 8), ABC: D(2023, 6, 1)},
            "联席会议轮流承办；共用园区综合服务中心、权益维护中心等功能室；"
            "协助入园企业解决融资和招工问题。",
        ),
    ]


# --- Activities -----------------------------------------------------------------------------


#: Why the branch's own activities (study, integrity education) had no partner unit.
NO_PARTNER_REASON = "支部内部组织的活动，未邀请共建单位参加"
#: The caption of the sign-in sheet each submitted demo activity carries.
SIGN_IN_SHEET_CAPTION = "签到表"


@dataclass(frozen=True)
class ActivitySpec:
    branch_key: str | None  # None: the committee itself
    title: str
    kind: str
    measure: str
    goals: tuple[str, ...]
    day: dt.date
    start: tuple[int, int]
    hours: float
    location: str
    summary: str
    outcome: str = ""
    partners: tuple[str, ...] = ()
    partnership: str | None = None
    co_branches: tuple[str, ...] = ()
    attendees: int = 6
    #: only the secretaries (on the day) of the organising branches attend
    secretaries_only: bool = False
    external_participants: int = 0
    volunteers: int = 0
    beneficiaries: int = 0
    status: str = ActivityStatus.APPROVED
    review_comment: str = ""


A = ActivitySpec
K = ActivityKind

#: The events of the article, on plausible dates.
ARTICLE_ACTIVITIES = [
    A(
        "hz",
        "春南区域化党建联盟成立后首次联席会",
        K.MEETING,
        "M2",
        ("G1", "G2"),
        D(2023, 2, 16),
        (14, 30),
        2.5,
        "春江街道党群服务中心",
        "联盟九家单位围绕交付前的难点逐条碰情况，明确各自牵头事项和完成时限。",
        "形成12项问题清单，其中供电接入、周边道路两项由相关单位牵头跟进。",
        partners=HZ_ALLIANCE_UNITS,
        partnership=HZ_ALLIANCE,
        attendees=6,
        external_participants=18,
    ),
    A(
        "hz",
        "春南安置房东西区“每日碰头会”（竣工冲刺）",
        K.SITE_WORK,
        "M4",
        ("G2",),
        D(2023, 3, 6),
        (8, 0),
        1,
        "春南安置房西区项目部",
        "业主、总包和监理每天早上碰头，对照节点计划说问题、定责任人，当天问题当天闭环。",
        "冲刺期间累计纠偏事项80余项，主要节点均按期完成。",
        partners=(FUCHUNWAN, EAST_CONTRACTOR, WEST_CONTRACTOR),
        partnership=HZ_ALLIANCE,
        attendees=7,
        external_participants=14,
    ),
    A(
        "hz",
        "党的二十大精神进春南社区宣讲",
        K.LECTURE,
        "M1",
        ("G1", "G3"),
        D(2023, 3, 22),
        (9, 30),
        2,
        "春南社区居民活动室",
        "支部书记结合安置房建设讲身边变化，社区党员和居民代表参加。",
        "",
        partners=(CHUNNAN_COMMUNITY,),
        partnership=HZ_ALLIANCE,
        attendees=5,
        external_participants=45,
    ),
    A(
        "hz",
        "春南安置房竣工验收联合检查",
        K.SITE_WORK,
        "M4",
        ("G2",),
        D(2023, 6, 15),
        (9, 0),
        6,
        "春南安置房东区、西区",
        "党员先锋岗带队，与总包、业主逐栋检查质量、消防和配套设施。",
        "竣工验收一次通过。",
        partners=(FUCHUNWAN, EAST_CONTRACTOR, WEST_CONTRACTOR),
        partnership=HZ_ALLIANCE,
        attendees=8,
        external_participants=22,
    ),
    A(
        "hz",
        "春南安置房新房集中交付",
        K.SERVICE,
        "M4",
        ("G2", "G3"),
        D(2023, 9, 26),
        (8, 30),
        9,
        "春南安置房东区、西区",
        "联盟单位在交付现场设立党员服务点，帮助居民验房、办理水电和答疑。",
        "两区共交付新房2000余户，现场问题当场登记、限时整改。",
        partners=(CHUNJIANG, FUCHUNWAN, CHUNNAN_COMMUNITY, HZ_POWER),
        partnership=HZ_ALLIANCE,
        attendees=10,
        external_participants=60,
        volunteers=36,
        beneficiaries=2036,
    ),
    A(
        "hz",
        "以案说法进工地：廉洁工地专题讲座",
        K.LECTURE,
        "M6",
        ("G1", "G2"),
        D(2023, 11, 14),
        (15, 0),
        1.5,
        "春南安置房东区项目部会议室",
        "法院法官结合工程领域案例讲合同履约和廉洁风险，参建单位管理人员参加。",
        "",
        partners=(HZ_COURT, EAST_CONTRACTOR, WEST_CONTRACTOR),
        partnership=HZ_ALLIANCE,
        attendees=6,
        external_participants=30,
    ),
    A(
        "hz",
        "暴雨防汛抢险志愿行动",
        K.SERVICE,
        "M5",
        ("G3",),
        D(2024, 6, 20),
        (6, 0),
        14,
        "春江街道春南片区",
        "暴雨红色预警后，党员和工人志愿者组成防汛队伍，连夜转移物资、疏通排水、值守低洼点。",
        "200余名志愿者连续作战，片区未发生人员伤亡，获富春湾集团赠送锦旗。",
        partners=(CHUNJIANG, FUCHUNWAN, CHUNNAN_COMMUNITY),
        partnership=HZ_ALLIANCE,
        attendees=11,
        external_participants=40,
        volunteers=216,
        beneficiaries=1500,
    ),
    A(
        "hz",
        "参观廉政教育基地",
        K.VISIT,
        "M6",
        ("G1",),
        D(2024, 4, 18),
        (13, 30),
        3,
        "杭州市廉政教育基地",
        "党员和联盟单位代表一起参观展陈，重温入党誓词。",
        "",
        partners=(CHUNJIANG, FUCHUNWAN),
        partnership=HZ_ALLIANCE,
        attendees=8,
        external_participants=6,
    ),
    A(
        "zy",
        "骏兴小区绿化养护联合巡查",
        K.SUPERVISION,
        "M4",
        ("G2", "G3"),
        D(2023, 5, 11),
        (9, 0),
        3,
        "资阳骏兴小区",
        "支部党员与物业中心对照养护标准逐片检查，补植、修剪和病虫害防治列出清单。",
        "整改事项18项，月底前全部完成。",
        partners=(JX_PROPERTY,),
        partnership=ZY_GREEN,
        attendees=5,
        external_participants=6,
    ),
    A(
        "zy",
        "绿化责任区党员认领暨居民意见回访",
        K.SERVICE,
        "M4",
        ("G2", "G3"),
        D(2023, 8, 17),
        (16, 0),
        2,
        "资阳骏兴小区中心花园",
        "党员认领绿化责任区，和物业人员一道上门听取居民对绿化和配套的意见。",
        "回访住户120户，满意度明显提升。",
        partners=(JX_PROPERTY,),
        partnership=ZY_GREEN,
        attendees=6,
        external_participants=8,
        volunteers=12,
        beneficiaries=120,
    ),
    A(
        "zy",
        "家教家风主题宣讲进社区",
        K.LECTURE,
        "M1",
        ("G1", "G3"),
        D(2023, 10, 19),
        (19, 0),
        1.5,
        "骏兴小区党群服务站",
        "以好家风故事为主线，面向小区居民开展宣讲。",
        "",
        partners=(JX_PROPERTY,),
        attendees=4,
        external_participants=55,
    ),
    A(
        "sc",
        "“红色党员服务队”成立暨反诈知识科普",
        K.LECTURE,
        "M2",
        ("G1", "G3"),
        D(2023, 4, 12),
        (9, 30),
        2,
        "歇马社区党群服务中心",
        "与社区共同组建党员服务队，并请民警讲解常见电信诈骗手法。",
        "服务队首批队员24人，发放反诈宣传资料300余份。",
        partners=(XIEMA,),
        partnership=SC_XIEMA_PAIRING,
        attendees=7,
        external_participants=70,
        volunteers=24,
        beneficiaries=300,
    ),
    A(
        "sc",
        "松涛安置小区消防演练",
        K.DRILL,
        "M2",
        ("G1", "G2"),
        D(2023, 11, 9),
        (10, 0),
        2,
        "松涛安置小区",
        "服务队和社区、物业一起组织疏散演练，示范灭火器和消防栓的使用。",
        "",
        partners=(XIEMA,),
        partnership=SC_XIEMA_PAIRING,
        attendees=6,
        external_participants=85,
        volunteers=15,
    ),
    A(
        "sc",
        "高考“爱心驿站”与爱心送考车",
        K.SERVICE,
        "M5",
        ("G3",),
        D(2024, 6, 7),
        (7, 0),
        11,
        "资阳市雁江区考点外",
        "在考点外设爱心驿站，提供饮水、文具和休息处，并安排免费送考车。",
        "两天服务考生和家长400余人次，送考车接送60余人次。",
        partners=(XIEMA,),
        partnership=SC_XIEMA_PAIRING,
        attendees=8,
        external_participants=10,
        volunteers=26,
        beneficiaries=460,
    ),
    A(
        "yc",
        "家风家教宣讲进校园",
        K.LECTURE,
        "M1",
        ("G1", "G3"),
        D(2023, 4, 20),
        (15, 0),
        1.5,
        "峄城区实验学校报告厅",
        "面向家长和教师讲家风家教，与校方交流校舍使用情况。",
        "",
        partners=(YC_SCHOOL,),
        partnership=YC_SCHOOL_PAIRING,
        attendees=5,
        external_participants=120,
    ),
    A(
        "yc",
        "“六一”儿童节慰问",
        K.CARE,
        "M4",
        ("G2", "G3"),
        D(2024, 5, 31),
        (10, 0),
        2,
        "峄城区实验学校",
        "为学生送去图书和文体用品，与校方座谈校舍维保需求。",
        "校方对运营维保服务给予好评，为年度绩效考核打下基础。",
        partners=(YC_SCHOOL,),
        partnership=YC_SCHOOL_PAIRING,
        attendees=5,
        external_participants=25,
        beneficiaries=380,
    ),
    A(
        "yc",
        "学校项目绩效考核迎检与回款对接",
        K.MEETING,
        "M4",
        ("G2",),
        D(2024, 9, 12),
        (9, 0),
        4,
        "峄城区教育和体育局会议室",
        "配合主管部门完成年度绩效考核，逐项核对运营指标和付费节点。",
        "考核顺利通过，投资款按时回收，回款完成率在股份公司排名第一。",
        partners=(YC_SCHOOL,),
        attendees=4,
        external_participants=9,
    ),
    A(
        "zq",
        "春节前走访孤寡老人和留守儿童",
        K.CARE,
        "M5",
        ("G3",),
        D(2023, 1, 12),
        (14, 0),
        4,
        "端州区城东街道",
        "与社工站一起入户走访，送去年货和御寒用品。",
        "",
        partners=(ZQ_SOCIAL_WORK,),
        partnership=ZQ_SOCIAL_PAIRING,
        attendees=6,
        external_participants=4,
        volunteers=10,
        beneficiaries=32,
    ),
    A(
        "zq",
        "签订《廉洁风险防控三方协议书》",
        K.SIGNING,
        "M6",
        ("G1", "G2"),
        D(2023, 4, 10),
        (10, 0),
        1.5,
        "肇庆医学院新校区项目部",
        "项目公司、住建部门和总承包部签约，约定风险信息共享和联合监督。",
        "建立三方联防联控工作机制。",
        partners=(ZQ_HOUSING, ZQ_CONTRACTOR),
        partnership=ZQ_TRIPARTITE,
        attendees=5,
        external_participants=12,
    ),
    A(
        "zq",
        "联合肇庆医学院进社区义诊",
        K.SERVICE,
        "M5",
        ("G3",),
        D(2023, 10, 21),
        (8, 30),
        4,
        "端州区城东街道社区广场",
        "医学院医护志愿者为居民和工友量血压、测血糖、提供用药咨询。",
        "服务群众260余人次。",
        partners=(ZQ_COLLEGE, ZQ_SOCIAL_WORK),
        partnership=ZQ_COLLEGE_PAIRING,
        attendees=6,
        external_participants=22,
        volunteers=28,
        beneficiaries=265,
    ),
    A(
        "zq",
        "春节前走访孤寡老人和留守儿童（第二年）",
        K.CARE,
        "M5",
        ("G3",),
        D(2024, 1, 30),
        (14, 0),
        4,
        "端州区城东街道",
        "延续上一年的做法，与社工站再次入户走访并了解老人就医需求。",
        "",
        partners=(ZQ_SOCIAL_WORK,),
        partnership=ZQ_SOCIAL_PAIRING,
        attendees=7,
        external_participants=4,
        volunteers=12,
        beneficiaries=36,
    ),
    A(
        "zq",
        "党的二十届三中全会精神宣讲进校园",
        K.LECTURE,
        "M1",
        ("G1", "G3"),
        D(2024, 9, 25),
        (15, 0),
        2,
        "肇庆医学院新校区",
        "支部书记与医学院师生党员交流学习体会。",
        "",
        partners=(ZQ_COLLEGE,),
        partnership=ZQ_COLLEGE_PAIRING,
        attendees=5,
        external_participants=80,
    ),
    A(
        "sq",
        "与中国移动宿城党支部结对共建签约暨智慧园区交流",
        K.SIGNING,
        "M2",
        ("G1", "G2"),
        D(2023, 3, 10),
        (10, 0),
        2,
        "宿迁激光智造小镇综合服务中心",
        "两支部签订共建协议，围绕园区网络和智慧停车平台交流需求。",
        "确定首批3项数字化合作事项。",
        partners=(CHINA_MOBILE,),
        partnership=SQ_MOBILE_PAIRING,
        attendees=6,
        external_participants=8,
    ),
    A(
        "sq",
        "“畅融面对面”银企交流座谈会",
        K.MEETING,
        "M3",
        ("G2", "G3"),
        D(2023, 6, 16),
        (14, 30),
        3,
        "宿迁激光智造小镇综合服务中心",
        "邀请农行与入园激光企业面对面，介绍普惠贷款产品，现场对接融资需求。",
        "12家企业提出融资需求，其中5家当月获得授信。",
        partners=(ABC, SUCHENG_ZONE),
        partnership=SQ_JOINT_MEETING,
        attendees=5,
        external_participants=34,
    ),
    A(
        "sq",
        "“部长会客厅”走进激光智造小镇",
        K.MEETING,
        "M3",
        ("G2", "G3"),
        D(2023, 9, 14),
        (15, 0),
        2.5,
        "宿迁激光智造小镇综合服务中心",
        "与开发区管委会联合举办，部门负责人现场回应企业在用工、政策兑现方面的问题。",
        "收集企业诉求21条，落实专人跟踪。",
        partners=(SUCHENG_ZONE,),
        partnership=SQ_JOINT_MEETING,
        attendees=5,
        external_participants=40,
    ),
    A(
        "sq",
        "小镇联席会议：工会与中小企业主共商招工",
        K.MEETING,
        "M3",
        ("G2",),
        D(2024, 3, 21),
        (14, 0),
        2,
        "园区权益维护中心",
        "工会、开发区和中小企业主轮值召开联席会议，共用园区服务中心的功能室。",
        "推出联合招聘会，帮助企业招工90余人。",
        partners=(SUCHENG_UNION, SUCHENG_ZONE),
        partnership=SQ_JOINT_MEETING,
        attendees=4,
        external_participants=26,
        beneficiaries=93,
    ),
    A(
        "sq",
        "“梦想智造+”为事实孤儿打造温馨小窝",
        K.CARE,
        "M5",
        ("G3",),
        D(2024, 5, 25),
        (9, 0),
        6,
        "宿城区受助儿童家中",
        "响应团省委号召，党员和青年志愿者为受助孩子改造房间、添置书桌和床品。",
        "完成4户困境儿童的小窝改造。",
        partners=(YOUTH_LEAGUE,),
        attendees=6,
        volunteers=18,
        beneficiaries=4,
    ),
    A(
        "jg",
        "支部书记党课互讲",
        K.LECTURE,
        "M1",
        ("G1",),
        D(2023, 7, 1),
        (9, 0),
        3,
        "投资公司机关会议室（视频连线各项目）",
        "各支部书记轮流登台讲党课，结合项目难题交流支部工作方法。",
        "",
        co_branches=("hz", "zy", "sc", "yc", "zq", "sq"),
        secretaries_only=True,
    ),
    A(
        "jg",
        "党纪学习教育读书班",
        K.STUDY,
        "M6",
        ("G1",),
        D(2024, 5, 16),
        (9, 0),
        7,
        "投资公司机关会议室",
        "集中研读《中国共产党纪律处分条例》，分组讨论工程领域的廉洁风险点。",
        "",
        attendees=12,
    ),
    A(
        "jg",
        "“廉政放映厅”观看警示教育片",
        K.STUDY,
        "M6",
        ("G1",),
        D(2024, 6, 27),
        (16, 0),
        2,
        "投资公司机关会议室",
        "组织观看警示教育片，观后谈认识、找差距。",
        "",
        attendees=11,
    ),
    A(
        None,
        "中秋国庆节日廉洁提醒",
        K.SUPERVISION,
        "M6",
        ("G1",),
        D(2023, 9, 25),
        (10, 0),
        1,
        "视频会议",
        "党委向各支部和共建单位发出节日廉洁提醒，重申节日期间纪律要求。",
        "",
        secretaries_only=True,
    ),
    A(
        None,
        "春节前节日廉洁提醒",
        K.SUPERVISION,
        "M6",
        ("G1",),
        D(2024, 2, 1),
        (10, 0),
        1,
        "视频会议",
        "党委书记与各支部书记集体谈话，部署节前廉洁自查。",
        "",
        secretaries_only=True,
    ),
]

# --- Generated activities: every month from 2023-01 to the current month ---------------------

FIRST_MONTH = D(2023, 1, 1)

#: partners a branch works with routinely (and the partnership that covers them)
_ROUTINE_PARTNERS: dict[str, list[tuple[str, str | None]]] = {
    "jg": [],
    "hz": [
        (CHUNJIANG, HZ_ALLIANCE),
        (CHUNNAN_COMMUNITY, HZ_ALLIANCE),
        (HZ_POLICE, HZ_ALLIANCE),
        (HZ_HOSPITAL, HZ_ALLIANCE),
    ],
    "zy": [(JX_PROPERTY, ZY_GREEN)],
    "sc": [(XIEMA, SC_XIEMA_PAIRING)],
    "yc": [(YC_SCHOOL, YC_SCHOOL_PAIRING)],
    "zq": [(ZQ_COLLEGE, ZQ_COLLEGE_PAIRING), (ZQ_SOCIAL_WORK, ZQ_SOCIAL_PAIRING)],
    "sq": [(CHINA_MOBILE, SQ_MOBILE_PAIRING), (SUCHENG_ZONE, SQ_JOINT_MEETING)],
}


def _study_topic(day: dt.date) -> str:
    if day < D(2023, 4, 1) or D(2024, 1, 1) <= day < D(2024, 4, 1):
        return "党的二十大精神"
    if day < D(2024, 1, 1):
        return "习近平新时代中国特色社会主义思想主题教育"
    if day < D(2024, 8, 1):
        return "党纪学习教育"
    if D(2025, 3, 1) <= day < D(2025, 8, 1):
        return "中央八项规定精神学习教育"
    if day >= D(2025, 11, 1):
        return "党的二十届四中全会精神"
    return "党的二十届三中全会精神"


@dataclass(frozen=True)
class _Template:
    theme: str
    kind: str
    goals: tuple[str, ...]
    place: str
    summary: str
    outcome: str = ""
    with_partner: bool = True


_TEMPLATES: dict[str, list[_Template]] = {
    "M1": [
        _Template(
            "主题党日：联学{topic}",
            K.STUDY,
            ("G1",),
            "{branch}党员活动室",
            "原文学习后分组交流，结合项目当前重点工作谈打算。",
        ),
        _Template(
            "{topic}宣讲进基层",
            K.LECTURE,
            ("G1", "G3"),
            "{partner}",
            "支部宣讲员用身边事讲学习体会，共建单位党员一同参加。",
        ),
    ],
    "M2": [
        _Template(
            "共建支部联合组织生活会",
            K.MEETING,
            ("G1",),
            "{partner}",
            "双方支部互相通报党建工作，交流“三会一课”做法，约定下阶段共建事项。",
        ),
        _Template(
            "红色党员服务队进小区：反诈与安全宣传",
            K.SERVICE,
            ("G1", "G3"),
            "{partner}",
            "党员服务队走进小区发放反诈手册，现场答疑并排查楼道消防隐患。",
            "发放宣传资料200余份。",
        ),
    ],
    "M3": [
        _Template(
            "共建单位工作联席会",
            K.MEETING,
            ("G2",),
            "{room}",
            "与共建单位通报项目进展，梳理需要协调的事项并明确责任人。",
            "协调事项逐项销号。",
        ),
        _Template(
            "运营服务需求对接会",
            K.MEETING,
            ("G2", "G3"),
            "{partner}",
            "听取共建单位和使用方对运营服务的意见，商定整改和回访安排。",
        ),
    ],
    "M4": [
        _Template(
            "党员先锋岗安全质量巡查",
            K.SITE_WORK,
            ("G2",),
            "{site}",
            "党员先锋岗带队检查安全、质量和文明施工，问题拍照建档、限期整改。",
            "发现问题均已闭环。",
            with_partner=False,
        ),
        _Template(
            "运营回款专项推进会",
            K.MEETING,
            ("G2",),
            "{room}",
            "对照年度回款计划逐笔梳理，党员分片包干跟进付费节点。",
            "",
            with_partner=False,
        ),
    ],
    "M5": [
        _Template(
            "志愿服务进社区",
            K.SERVICE,
            ("G3",),
            "{partner}",
            "党员志愿者与共建单位一道开展便民服务，为居民义务维修、清理公共区域。",
        ),
        _Template(
            "走访慰问困难群众",
            K.CARE,
            ("G3",),
            "{partner}",
            "与共建单位一起入户走访困难家庭，送去慰问品并记录实际需求。",
        ),
    ],
    "M6": [
        _Template(
            "廉洁提醒与廉政警示教育",
            K.STUDY,
            ("G1",),
            "{branch}党员活动室",
            "学习典型案例通报，党员逐一签订廉洁承诺，明确节点期间的纪律要求。",
            "",
            with_partner=False,
        ),
        _Template(
            "廉洁工地联合检查",
            K.SUPERVISION,
            ("G1", "G2"),
            "{site}",
            "与共建单位联合检查分包结算、材料验收等关键环节的廉洁风险。",
            "形成检查记录，问题纳入整改台账。",
        ),
    ],
}

_MEASURE_CODES = [m["code"] for m in MEASURES]
#: the most external participants, volunteers and beneficiaries an activity of a kind has
_COUNTS = {
    K.STUDY: (10, 0, 0),
    K.LECTURE: (60, 0, 0),
    K.MEETING: (20, 0, 0),
    K.SERVICE: (10, 30, 150),
    K.CARE: (4, 12, 30),
    K.SITE_WORK: (12, 0, 0),
    K.SUPERVISION: (8, 0, 0),
}


def month_starts(first: dt.date, today: dt.date) -> list[dt.date]:
    months = []
    day = first
    while day <= today:
        months.append(day)
        day = _months_before(day, -1)
    return months


def _in_force(partnership_title: str | None, day: dt.date, today: dt.date) -> bool:
    if partnership_title is None:
        return True
    spec = next(p for p in partnerships(today) if p.title == partnership_title)
    return spec.starts_on <= day and (spec.ends_on is None or day <= spec.ends_on)


def monthly_activities(today: dt.date) -> list[ActivitySpec]:
    """Two routine activities a month from 2023-01 to the current month (today's month too).

    Each month draws from its own seed, so earlier months never change when today moves on.
    Statuses follow the review cycle: older months approved; last month one returned and one
    submitted; this month one submitted (or a draft when held today) and one draft.
    """
    site_of = {b.key: b.sites[0] for b in BRANCHES}
    short_of = {b.key: b.short_name for b in BRANCHES}
    months = month_starts(FIRST_MONTH, today)
    result: list[ActivitySpec] = []
    for number, month in enumerate(months):
        rng = random.Random(f"136-demo-{month:%Y-%m}")  # noqa: S311 - synthetic data
        age = len(months) - 1 - number  # 0 = the current month
        for slot in range(2):
            branch_key = BRANCH_KEYS[(2 * number + slot) % len(BRANCH_KEYS)]
            measure = _MEASURE_CODES[(2 * number + slot * 3) % len(_MEASURE_CODES)]
            templates = _TEMPLATES[measure]
            if branch_key == "jg":  # the office branch has no construction site of its own
                templates = [t for t in templates if "{site}" not in t.place] or templates
            template = rng.choice(templates)
            day = month.replace(day=rng.randint(1, 24))
            if age == 0:
                day = min(day, today)
            partners_in_force = [
                (name, title)
                for name, title in _ROUTINE_PARTNERS[branch_key]
                if _in_force(title, day, today)
            ]
            partner, partnership = (None, None)
            if template.with_partner and partners_in_force:
                partner, partnership = rng.choice(partners_in_force)
            external_max, volunteer_max, beneficiary_max = _COUNTS[template.kind]
            status, comment = ActivityStatus.APPROVED, ""
            if age == 0:
                held_before_today = day < today
                status = (
                    ActivityStatus.SUBMITTED
                    if slot == 0 and held_before_today
                    else ActivityStatus.DRAFT
                )
            elif age == 1:
                status = ActivityStatus.RETURNED if slot == 0 else ActivityStatus.SUBMITTED
                if status == ActivityStatus.RETURNED:
                    comment = "请补充签到表照片，并写明参加的共建单位人数。"
            room = (
                "投资公司机关会议室"
                if branch_key == "jg"
                else f"{short_of[branch_key]}项目部会议室"
            )
            place = template.place.format(
                branch=short_of[branch_key],
                partner=partner or "",
                site=site_of[branch_key],
                room=room,
            )
            result.append(
                ActivitySpec(
                    branch_key=branch_key,
                    title=f"{month.year}年{month.month}月 "
                    + template.theme.format(topic=_study_topic(day)),
                    kind=template.kind,
                    measure=measure,
                    goals=template.goals,
                    day=day,
                    start=rng.choice(((9, 0), (14, 30), (15, 0))),
                    hours=rng.choice((1.5, 2, 3)),
                    location=place
                    or ("机关驻地社区" if branch_key == "jg" else f"{site_of[branch_key]}周边社区"),
                    summary=template.summary,
                    outcome=template.outcome,
                    partners=(partner,) if partner else (),
                    partnership=partnership,
                    attendees=rng.randint(4, 9),
                    external_participants=rng.randint(2, external_max) if partner else 0,
                    volunteers=rng.randint(3, volunteer_max) if volunteer_max else 0,
                    beneficiaries=rng.randint(10, beneficiary_max) if beneficiary_max else 0,
                    status=status,
                    review_comment=comment,
                )
            )
    return result


def review_cases(today: dt.date) -> list[ActivitySpec]:
    """An activity of 杭州 returned to its secretary (``demo_hz``) about a week ago, whatever
    the month: the to-do home always has a returned activity to show. One row, whose dates
    follow today (as the pairing that ends soon does)."""
    day = today - dt.timedelta(days=9)
    return [
        A(
            "hz",
            "春南社区“党员服务日”便民服务",
            K.SERVICE,
            "M5",
            ("G3",),
            day,
            (9, 0),
            3,
            "春南安置房东区小区广场",
            "联合社区为新入住居民提供水电报修登记、社保咨询和义诊服务。",
            partners=(CHUNNAN_COMMUNITY,),
            partnership=HZ_ALLIANCE,
            attendees=5,
            external_participants=6,
            volunteers=12,
            beneficiaries=80,
            status=ActivityStatus.RETURNED,
            review_comment="请补充活动照片，并写明服务群众人数的统计方式。",
        )
    ]


# --- The partners' side: confirmations, evaluations, a correction (issue 16) -----------------

#: Of the approved activities with a partner unit that has a contact on the roster, the share
#: the partner confirmed (情况属实); the others were never asked (未邀请). Submitted and
#: returned ones were asked when submitted and wait for the answer (待确认). The synthetic
#: group (``portal.devtools.synthetic``) follows the same proportions.
CONFIRMED_SHARE = 0.85
#: Whom a branch asks about one activity: the default contact of each of its first partner
#: units that have a contact, at most this many.
ASKED_PER_ACTIVITY = 2
#: When two units were asked, how often the second answers as well (the first always does).
SECOND_ANSWER_SHARE = 0.6
#: How the confirming partners evaluate the joint work: mostly 满意, some 基本满意.
RATING_WEIGHTS = {Rating.SATISFIED: 8, Rating.FAIR: 2}
#: How often a confirming partner adds a sentence to the evaluation, and gives its own unit's
#: head count.
RATING_COMMENT_SHARE = 0.4
HEAD_COUNT_SHARE = 0.5
RATING_COMMENTS = {
    Rating.SATISFIED: (
        "双方分工明确，活动组织得很扎实。",
        "居民反映很好，希望以后常态化开展。",
        "对接及时，解决了我们关心的问题。",
        "内容贴近实际，我单位党员收获很大。",
    ),
    Rating.FAIR: (
        "效果不错，建议提前一周沟通议程。",
        "时间安排稍紧，下次可以多留交流时间。",
        "希望下次邀请更多居民代表参加。",
    ),
}
#: Of the activities returned to their branch, the share a partner's correction sent back (the
#: demo tells one such story, ``CORRECTION``: some 2% of its confirmations; the synthetic
#: group's returns come from partners this often).
PARTNER_RETURN_SHARE = 0.4


@dataclass(frozen=True)
class CorrectionSpec:
    """An activity whose partner asked for a correction: the branch changed the record, asked
    again, and the partner confirmed it. The activity's spec holds the record as corrected."""

    title: str
    partner: str
    contact: str
    comment: str
    rating: str
    rating_comment: str
    partner_head_count: int


CORRECTION = CorrectionSpec(
    title="春江街道“邻里守望”消防安全演练",
    partner=CHUNJIANG,
    contact="俞晓燕",
    comment="街道参加的是6名网格员，记录里写成了16人；演练在东区3号楼北侧消防通道，不在小区广场。",
    rating=Rating.SATISFIED,
    rating_comment="演练组织得很细，居民参与度高。",
    partner_head_count=6,
)


def partner_cases(today: dt.date) -> list[ActivitySpec]:
    """Two recent activities of 杭州 whose dates follow today (as ``review_cases``): the one a
    partner asked to correct (``CORRECTION``: corrected, asked again, confirmed, now waiting
    for review), and one submitted a few days ago whose partner has not answered yet."""
    return [
        A(
            "hz",
            CORRECTION.title,
            K.DRILL,
            "M2",
            ("G1", "G3"),
            today - dt.timedelta(days=20),
            (9, 0),
            2,
            "春南安置房东区3号楼北侧消防通道",
            "与春江街道网格员一起演示灭火器和消防栓的使用，带居民熟悉疏散路线。",
            "排查楼道堆物12处，当场清理9处，其余约定三天内清理。",
            partners=(CHUNJIANG, CHUNNAN_COMMUNITY),
            partnership=HZ_ALLIANCE,
            attendees=6,
            external_participants=10,
            volunteers=8,
            beneficiaries=120,
            status=ActivityStatus.SUBMITTED,
        ),
        A(
            "hz",
            "春南安置房运营维保问题对接会",
            K.MEETING,
            "M3",
            ("G2",),
            today - dt.timedelta(days=5),
            (14, 30),
            2,
            "富春湾集团党群服务中心",
            "与业主方逐项梳理入住后的维保报修，商定责任分工和回访时间。",
            partners=(FUCHUNWAN,),
            partnership=HZ_ALLIANCE,
            attendees=4,
            external_participants=5,
            status=ActivityStatus.SUBMITTED,
        ),
    ]


# --- On-site sign-ins 现场签到 -----------------------------------------------------------------


@dataclass(frozen=True)
class GuestSignIn:
    """Somebody without a login on a demo sign-in: a partner unit's staff member (``unit`` is
    one of the activity's partners) or another guest (any other unit of the roster)."""

    name: str
    unit: str
    #: optional, as on the sign-in form; obviously made up (``demo_phone``)
    phone: str = ""
    #: added by the secretary (补录) rather than signed on their own phone
    by_hand: bool = False


@dataclass(frozen=True)
class SignInSpec:
    """The on-site sign-in of one demo activity (``branch_key``, ``title``). Its attending
    members are the activity's attendees (the loader's choice), signed in by scanning or typing
    the code, the last ``members_by_hand`` of them added by the secretary; ``guests`` are its
    external participants (their number is the activity's head count); ``member_guests`` are
    members of other branches (branch key, index) who came as guests. A closed sign-in's list
    is the activity's record with its 签到表 PDF; an open one waits for the activity."""

    branch_key: str
    title: str
    guests: tuple[GuestSignIn, ...] = ()
    member_guests: tuple[tuple[str, int], ...] = ()
    members_by_hand: int = 0
    closed: bool = True


def demo_phone(number: int) -> str:
    """An 11-digit mobile number that is obviously made up: 1380000 and four digits."""
    return f"1380000{number:04d}"


#: The demo's upcoming activity: a two-day training of the 杭州 alliance that starts this
#: morning, its sign-in opened yesterday; a demo login (``demo_hz``) can show its live QR code
#: and sign in on a phone the day ``load_demo`` runs and the next (the sign-in takes sign-ins
#: from ``SIGNIN_OPENS_MINUTES`` before the start to the end of the second day).
UPCOMING_TITLE = "春南区域化党建联盟党务干部培训班"


def upcoming(today: dt.date) -> list[ActivitySpec]:
    """The demo's one activity that has not ended: a draft whose dates follow today."""
    return [
        A(
            "hz",
            UPCOMING_TITLE,
            K.LECTURE,
            "M1",
            ("G1",),
            today,
            (8, 30),
            33,  # to 17:30 tomorrow
            "富春湾集团党群服务中心",
            "联盟成员单位党务干部集中培训两天：党支部标准化建设、党费收缴和发展党员流程，"
            "交流共建项目台账的做法。",
            partners=(CHUNJIANG, FUCHUNWAN, CHUNNAN_COMMUNITY),
            partnership=HZ_ALLIANCE,
            status=ActivityStatus.DRAFT,
        )
    ]


def sign_ins(today: dt.date) -> list[SignInSpec]:
    """The recent activities of 杭州 held with an on-site sign-in (the one returned to its
    secretary, and the one waiting for 富春湾集团's answer), and the upcoming one's open sheet."""
    returned = review_cases(today)[0]
    waiting = partner_cases(today)[1]
    return [
        SignInSpec(
            "hz",
            returned.title,
            guests=(
                GuestSignIn("王丽萍", CHUNNAN_COMMUNITY, demo_phone(1)),
                GuestSignIn("陈晓敏", CHUNNAN_COMMUNITY),
                GuestSignIn("周建新", CHUNNAN_COMMUNITY, demo_phone(2)),
                GuestSignIn("吴佳怡", CHUNNAN_COMMUNITY),
                GuestSignIn("许文博", HZ_HOSPITAL, demo_phone(3)),
                GuestSignIn("蒋雨婷", HZ_HOSPITAL, by_hand=True),
            ),
            member_guests=(("jg", 2),),
            members_by_hand=1,
        ),
        SignInSpec(
            "hz",
            waiting.title,
            guests=(
                GuestSignIn("方志刚", FUCHUNWAN, demo_phone(4)),
                GuestSignIn("李国栋", FUCHUNWAN),
                GuestSignIn("赵雪", FUCHUNWAN, demo_phone(5)),
                GuestSignIn("孙立新", EAST_CONTRACTOR, demo_phone(6)),
                GuestSignIn("马海涛", EAST_CONTRACTOR, by_hand=True),
            ),
            members_by_hand=1,
        ),
        SignInSpec("hz", UPCOMING_TITLE, closed=False),
    ]


# --- Honours --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HonourSpec:
    branch_key: str
    title: str
    level: str
    awarding_body: str
    awarded_on: dt.date
    #: titles of the activities that earned it (of the same branch)
    activities: tuple[str, ...]
    description: str


HONOURS = [
    HonourSpec(
        "hz",
        "2023年度杭州市建设工程西湖杯奖（优质工程）",
        HonourLevel.MUNICIPAL,
        "杭州市建筑业协会",
        D(2024, 3, 28),
        (
            "春南安置房东西区“每日碰头会”（竣工冲刺）",
            "春南安置房竣工验收联合检查",
            "春南安置房新房集中交付",
        ),
        "春南安置房项目获评市级优质工程。",
    ),
    HonourSpec(
        "zy",
        "资阳市2023年“绿化模范小区”",
        HonourLevel.MUNICIPAL,
        "资阳市绿化委员会",
        D(2023, 12, 15),
        ("骏兴小区绿化养护联合巡查", "绿化责任区党员认领暨居民意见回访"),
        "骏兴棚改安置小区的绿化建管获市级认可。",
    ),
    HonourSpec(
        "hz",
        "锦旗“抗洪涝展现新担当 央地情绘就新蓝海”",
        HonourLevel.PARTNER,
        FUCHUNWAN,
        D(2024, 7, 5),
        ("暴雨防汛抢险志愿行动",),
        "富春湾集团为感谢防汛抢险赠送的锦旗。",
    ),
]

# --- Demo logins ----------------------------------------------------------------------------

#: One fixed password for every demo login, documented in the README and printed by
#: ``load_demo``; it passes Django's password validators. Demo logins never exist unless
#: DEMO_USERS is on (or ``--with-users`` is given).
DEMO_PASSWORD = "Demo-2024-136!"  # noqa: S105 - a published demo password


@dataclass(frozen=True)
class DemoUserSpec:
    username: str
    display_name: str
    #: "admin" / "staff" for the committee office, or a branch key for its current secretary
    role: str


DEMO_USERS = [
    DemoUserSpec("demo_admin", "演示·党委管理员", "admin"),
    DemoUserSpec("demo_staff", "演示·党委工作人员", "staff"),
    DemoUserSpec("demo_hz", "杭州项目公司党支部书记", "hz"),
    DemoUserSpec("demo_sq", "宿迁项目公司党支部书记", "sq"),
    DemoUserSpec("demo_zq", "肇庆项目公司党支部书记", "zq"),
]
