"""Partner confirmation. The pages behind partner links use the scene of
``tests/partners/scene.py`` (``scene``). The branch's side: an activity of branch A1 held
with 春江街道 (whose default contact 张三 has an e-mail address) and 富春湾集团 (李四, without
one), submitted by A1's secretary; e-mail to the test outbox, tasks run in this process."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

from activities import services as activity_services
from activities.models import Activity, ActivityAction, ActivityStatus
from tests import factories
from tests.conftest import Cast
from tests.partners.scene import Scene, build_scene

#: An address the branch's pages and e-mails build partner links with.
BASE = "https://dj.example.cn"
#: A partner link's URL in a page or an e-mail: its token is the last path segment.
LINK = re.compile(r"https?://[^\s\"<]+/p/(?:u/)?(?P<token>[A-Za-z0-9_-]{32})/")


@pytest.fixture(autouse=True)
def _mail_and_language(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.PORTAL_BASE_URL = BASE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _tasks_in_process(tasks_in_process):
    """The e-mail tasks run in this process (``tasks_in_process``)."""


@pytest.fixture
def chunjiang(cast):
    return factories.PartnerFactory(committee=cast.committee_a, name="春江街道")


@pytest.fixture
def fuchunwan(cast):
    return factories.PartnerFactory(committee=cast.committee_a, name="富春湾集团")


@pytest.fixture
def zhang(chunjiang):
    """春江街道's default contact, with an e-mail address."""
    return factories.ContactFactory(
        partner=chunjiang, name="张三", is_primary=True, email="zhangsan@cj.example.cn"
    )


@pytest.fixture
def wang(chunjiang):
    """Another contact of 春江街道, not its default."""
    return factories.ContactFactory(partner=chunjiang, name="王五", email="")


@pytest.fixture
def li(fuchunwan):
    """富春湾集团's only contact, without an e-mail address (not marked default)."""
    return factories.ContactFactory(partner=fuchunwan, name="李四", email="")


def new_activity(cast, *, partners, status=ActivityStatus.SUBMITTED, **fields) -> Activity:
    """An activity of branch A1 held with ``partners``, created by its secretary, member_a1
    attending, submitted (or left a draft)."""
    activity = factories.ActivityFactory(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        created_by=cast.secretary_a1,
        partners=partners,
        attendees=[cast.member_a1],
        title=fields.pop("title", "春江社区理论联学"),
        **fields,
    )
    if status != ActivityStatus.DRAFT:
        activity_services.activity_transition(
            activity, action=ActivityAction.SUBMITTED, by=cast.secretary_a1
        )
    activity.refresh_from_db()
    return activity


@pytest.fixture
def activity(cast, chunjiang, fuchunwan, zhang, wang, li):
    return new_activity(cast, partners=[chunjiang, fuchunwan])


def tokens_in(text: str) -> list[str]:
    return [match["token"] for match in LINK.finditer(text)]


def mailed_tokens() -> list[str]:
    return [token for message in mail.outbox for token in tokens_in(message.body)]


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """Each test starts with an empty request count (the limit counts per minute)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def scene(cast: Cast, settings, tmp_path) -> Scene:
    """Branch A1's submitted activity with 春江街道社区, a photo, a sign-in sheet and a PDF,
    its members and contact with distinctive names (``tests/partners/scene.py``)."""
    settings.MEDIA_ROOT = tmp_path
    return build_scene(cast)
