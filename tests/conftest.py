"""The shared cast every view is tested with.

Committee A has branches A1 and A2; committee B is somebody else's. The users:

* ``secretary_a1`` — current secretary of branch A1 (the owner of A1's records)
* ``secretary_a2`` — current secretary of branch A2 (the outsider to A1's records)
* ``former_secretary_a1`` — was A1's secretary until last year: grants nothing now
* ``staff_a`` — committee staff of A;  ``admin_a`` — committee admin of A
* ``admin_b`` — committee admin of committee B;  ``superuser`` — sees every committee
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models import Model
from django.test import Client, override_settings
from django.test.client import ClientHandler
from django.utils import timezone

from branches.models import Branch, Committee, CommitteeRoleKind, Member, RoleKind
from branches.services import branch_role_assign, committee_role_grant
from tests import factories

T = TypeVar("T")


def _redis_database_of_this_worker(url: str, worker: str) -> str:
    """``url`` with the Redis database number of xdist worker ``worker`` ("gw0", "gw1" …):
    the base database plus one plus the worker's number (of Redis's 16)."""
    number = int(worker.removeprefix("gw"))
    match = re.fullmatch(r"(?P<server>[a-z]+://[^/]*)(?:/(?P<db>\d*))?(?P<rest>[?#].*)?", url)
    if match is None:
        raise ValueError(f"cannot tell the Redis database of {url!r}")
    base = int(match["db"] or 0)
    return f"{match['server']}/{(base + 1 + number) % 16}{match['rest'] or ''}"


def pytest_configure(config: pytest.Config) -> None:
    """Each pytest-xdist worker gets a database of its own from pytest-django; here it also
    gets a Redis database of its own (cache, broker, results), so that one worker's cached
    lockouts, queued tasks and real workers never meet another's. Subprocesses (the real
    Celery workers) inherit it through the environment."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    config.pluginmanager.register(XdistGroupingCheck(), "xdist-grouping-check")
    from django.conf import settings

    from portal.celery import app

    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        if os.environ.get(name, "").startswith(("redis://", "rediss://")):
            os.environ[name] = _redis_database_of_this_worker(os.environ[name], worker)
    if settings.REDIS_URL:
        settings.REDIS_URL = _redis_database_of_this_worker(settings.REDIS_URL, worker)
        settings.CELERY_RESULT_BACKEND = settings.REDIS_URL
        settings.CACHES["default"]["LOCATION"] = settings.REDIS_URL
        app.conf.result_backend = settings.REDIS_URL
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        settings.CELERY_BROKER_URL = _redis_database_of_this_worker(
            settings.CELERY_BROKER_URL, worker
        )
        app.conf.broker_url = settings.CELERY_BROKER_URL


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """The cast's logins are hashed for every test: a deliberately slow hasher costs seconds."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _import_staging_dir(tmp_path_factory) -> Iterator[None]:
    """Import previews stage their rosters in a folder of the test run, not in ``var/``."""
    with override_settings(IMPORT_STAGING_DIR=tmp_path_factory.mktemp("import-staging")):
        yield


@pytest.fixture(autouse=True, scope="session")
def _partner_links_not_rate_limited() -> Iterator[None]:
    """Every test client asks from 127.0.0.1, and the cache outlives a test: the pages behind
    partner links (and the on-site sign-in's public pages) would count the whole run's
    requests against one per-minute limit. The tests of the limits set their own
    (tests/partners/test_public_pages.py, tests/signin/test_pages.py)."""
    with override_settings(
        PARTNER_LINK_RATE_PER_MINUTE=1_000_000,
        SIGNIN_RATE_PER_MINUTE=1_000_000,
        SIGNIN_CODE_RATE_PER_MINUTE=1_000_000,
    ):
        yield


@pytest.fixture(autouse=True, scope="session")
def _one_middleware_chain_for_every_test_client() -> Iterator[None]:
    """A new test ``Client`` builds the whole middleware chain at its first request (WhiteNoise
    then scans the static files): some 17 ms, more than the request, for each of the hundreds
    of clients the tests make. The chain is built once and handed to every client, as a server
    process builds it once; a changed setting (``settings`` fixture, ``override_settings``)
    throws it away, so a test with other settings gets a chain built with them."""
    chains: dict[bool, tuple] = {}
    build = ClientHandler.load_middleware

    def load_middleware(handler: ClientHandler, is_async: bool = False) -> None:
        if is_async not in chains:
            build(handler, is_async)
            chains[is_async] = (
                handler._view_middleware,
                handler._template_response_middleware,
                handler._exception_middleware,
                handler._middleware_chain,
            )
        (
            handler._view_middleware,
            handler._template_response_middleware,
            handler._exception_middleware,
            handler._middleware_chain,
        ) = chains[is_async]

    def forget(**kwargs) -> None:
        chains.clear()

    setting_changed.connect(forget, dispatch_uid="tests-forget-middleware-chain")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClientHandler, "load_middleware", load_middleware)
        yield
    setting_changed.disconnect(dispatch_uid="tests-forget-middleware-chain")


def services_required() -> bool:
    """In CI, or whenever the real services are configured, a missing one fails the run."""
    return os.environ.get("CI", "").lower() == "true" or bool(
        os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL")
    )


def require_postgresql(why: str = "the test needs PostgreSQL") -> None:
    """Skip (locally, saying so) or fail (in CI, or with the services configured) a test that
    only PostgreSQL can run: ``why`` says what SQLite cannot do."""
    from django.db import connection

    if connection.vendor != "postgresql":
        reason = f"{why}: set DATABASE_URL=postgres://… (CI does)"
        if services_required():
            pytest.fail(f"{reason}; this test must run against PostgreSQL here.")
        pytest.skip(f"NOT TESTED: {reason}")


@pytest.fixture
def tasks_in_process() -> Iterator[None]:
    """Celery tasks run in this process, as ``make run``'s do: with a broker configured (CI
    sets REDIS_URL) they would wait in Redis for a worker the test does not start. A module
    whose every test needs it uses it as ``pytestmark = pytest.mark.usefixtures(...)`` or an
    autouse fixture of its own that asks for it."""
    from portal.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = eager


#: The phone cookie (``portal.signin``) every test client made here carries: a sign-in pass
#: made with ``signin_pass`` is good on any of them, as on the phone it was made for.
SIGNIN_TEST_DEVICE = "test-phone-0001"


def phone_client(**defaults: Any) -> Client:
    """A test client with the phone cookie ``SIGNIN_TEST_DEVICE``."""
    client = Client(**defaults)
    client.cookies["signin_device"] = SIGNIN_TEST_DEVICE
    return client


def signin_pass(sheet, method: str = "scan") -> str:
    """A sign-in pass of ``sheet`` for the test clients' phone (``SIGNIN_TEST_DEVICE``)."""
    from portal.signin.tokens import make_pass

    return make_pass(sheet, method, SIGNIN_TEST_DEVICE)


@dataclass
class Cast:
    committee_a: Committee
    committee_b: Committee
    branch_a1: Branch
    branch_a2: Branch
    branch_b1: Branch
    member_a1: Member
    member_a2: Member
    member_b1: Member
    secretary_a1: AbstractBaseUser
    secretary_a2: AbstractBaseUser
    former_secretary_a1: AbstractBaseUser
    staff_a: AbstractBaseUser
    admin_a: AbstractBaseUser
    admin_b: AbstractBaseUser
    superuser: AbstractBaseUser

    def client_for(self, user: AbstractBaseUser | None) -> Client:
        client = phone_client()
        if user is not None:
            client.force_login(user)
        return client

    def fresh(self) -> Cast:
        """The same rows read again: a test may change its objects in memory (or in the
        database, undone after it) without the next test seeing it."""
        return read_again(self)


def read_again(rows: T) -> T:
    """A copy of the dataclass ``rows`` whose model instances are read again from the database
    (one query per model): what a test changed in memory is gone, as the database's changes
    are after the test. Other values are kept as they are."""
    fields = {f.name: getattr(rows, f.name) for f in dataclasses.fields(rows)}
    by_model: dict[type, set] = {}
    for value in fields.values():
        if isinstance(value, Model):
            by_model.setdefault(type(value), set()).add(value.pk)
    read = {model: model._base_manager.in_bulk(pks) for model, pks in by_model.items()}
    return dataclasses.replace(
        rows,
        **{
            name: read[type(value)][value.pk]
            for name, value in fields.items()
            if isinstance(value, Model)
        },
    )


def secretary(branch: Branch, username: str, *, starts_on, ends_on=None) -> AbstractBaseUser:
    user = factories.UserFactory(username=username)
    member = factories.MemberFactory(branch=branch, user=user, name=f"{username}本人")
    branch_role_assign(
        branch=branch, member=member, role=RoleKind.SECRETARY, starts_on=starts_on, ends_on=ends_on
    )
    return user


def build_cast() -> Cast:
    """The cast's rows, made now (in the caller's transaction)."""
    today = timezone.localdate()
    committee_a = factories.CommitteeFactory(name="投资公司党委", short_name="投资公司")
    committee_b = factories.CommitteeFactory(name="另一公司党委", short_name="另一公司")
    branch_a1 = factories.BranchFactory(
        committee=committee_a, name="杭州项目公司党支部", sort_order=1
    )
    branch_a2 = factories.BranchFactory(
        committee=committee_a, name="宿迁项目公司党支部", sort_order=2
    )
    branch_b1 = factories.BranchFactory(committee=committee_b, name="外单位党支部")

    former = secretary(
        branch_a1,
        "former_secretary_a1",
        starts_on=today - dt.timedelta(days=1200),
        ends_on=today - dt.timedelta(days=400),
    )
    secretary_a1 = secretary(branch_a1, "secretary_a1", starts_on=today - dt.timedelta(days=399))
    secretary_a2 = secretary(branch_a2, "secretary_a2", starts_on=today - dt.timedelta(days=30))

    staff_a = factories.UserFactory(username="staff_a")
    committee_role_grant(user=staff_a, committee=committee_a, role=CommitteeRoleKind.STAFF)
    admin_a = factories.UserFactory(username="admin_a")
    committee_role_grant(user=admin_a, committee=committee_a, role=CommitteeRoleKind.ADMIN)
    admin_b = factories.UserFactory(username="admin_b")
    committee_role_grant(user=admin_b, committee=committee_b, role=CommitteeRoleKind.ADMIN)
    superuser = factories.UserFactory(username="root", is_superuser=True, is_staff=True)

    return Cast(
        committee_a=committee_a,
        committee_b=committee_b,
        branch_a1=branch_a1,
        branch_a2=branch_a2,
        branch_b1=branch_b1,
        member_a1=factories.MemberFactory(branch=branch_a1, name="张伟", phone="13812345678"),
        member_a2=factories.MemberFactory(branch=branch_a2, name="李娜", phone="13987654321"),
        member_b1=factories.MemberFactory(branch=branch_b1, name="王芳", phone="13700001111"),
        secretary_a1=secretary_a1,
        secretary_a2=secretary_a2,
        former_secretary_a1=former,
        staff_a=staff_a,
        admin_a=admin_a,
        admin_b=admin_b,
        superuser=superuser,
    )


@pytest.fixture
def cast(request: pytest.FixtureRequest, db) -> Cast:
    """The cast: read again from the module's shared one where ``pytest_collection_modifyitems``
    gave the test ``module_cast``, made afresh otherwise."""
    if "module_cast" in request.fixturenames:
        return request.getfixturevalue("module_cast").fresh()
    return build_cast()


#: Fixtures built on the cast that a module sharing its cast also shares (their module-scoped
#: twins, defined beside them, where the module sees one): ``dash``
#: (tests/dashboards/conftest.py), ``world`` (tests/activities/test_list.py).
MODULE_SHARED = {"dash": "module_dash", "world": "module_world"}

TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server", "django_db_serialized_rollback"}


def _uses_the_database(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(
        names & {"db", *TRANSACTIONAL_FIXTURES}
    )


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("available_apps") is not None
    ):
        return True
    return bool(set(getattr(item, "fixturenames", ())) & TRANSACTIONAL_FIXTURES)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The cast is made once per module where that changes nothing a test could see: where
    every test that touches the database asks for the cast (none counts rows without it) and
    none is transactional (they commit and flush; the shared cast lives in a transaction).
    Elsewhere each test makes its own, as before. Making the cast is most of a small test's
    time, and most tests are small."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(str(item.path), []).append(item)
        marker = item.get_closest_marker("django_db")
        if (marker is not None and marker.kwargs.get("serialized_rollback")) or (
            "django_db_serialized_rollback" in getattr(item, "fixturenames", ())
        ):
            raise pytest.UsageError(
                f"{item.nodeid} asks for serialized_rollback: no test needs it (the permission "
                "groups are made on post_migrate, after every flush), and its flush leaves the "
                "next transactional test an empty database. Use transaction=True alone."
            )
    for module_items in modules.values():
        database_items = [item for item in module_items if _uses_the_database(item)]
        with_cast = [item for item in database_items if "cast" in item.fixturenames]
        if not with_cast or len(with_cast) != len(database_items):
            continue
        if any(_is_transactional(item) for item in database_items):
            continue
        for item in with_cast:
            # Set up before the test's own atomic, in this order. A twin's rows stay for the
            # rest of the module once made: a test without them must not count rows.
            twins = [
                twin
                for name, twin in MODULE_SHARED.items()
                if name in item.fixturenames
                and item.session._fixturemanager.getfixturedefs(twin, item)
            ]
            item.fixturenames[:0] = ["module_cast", *twins]


class XdistGroupingCheck:
    """Under ``--dist loadgroup`` pytest-xdist puts a grouped test's group into its node id
    ("…::test@browser") and schedules by it. pytest 9.2 made that change a no-op without an
    error (pytest-dev/pytest-xdist#1386): the groups then ran spread over processes, the real
    workers beside each other and every module-wide fixture built once per process. Checked on
    each worker after xdist's own hook, so that such a combination stops the run."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]):
        if not config.getvalue("loadgroup"):
            return
        for item in items:
            marker = item.get_closest_marker("xdist_group")
            if marker is not None and "@" not in item.nodeid.rsplit("]", 1)[-1]:
                raise pytest.UsageError(
                    f"pytest-xdist did not group {item.nodeid} ({marker.args or marker.kwargs}): "
                    "this pytest and pytest-xdist do not work together under --dist loadgroup "
                    "(see the pin of pytest in pyproject.toml)."
                )


@contextmanager
def rows_for_the_scope(django_db_blocker) -> Iterator[None]:
    """For a module- or session-scoped fixture whose rows its tests only read: they are made
    inside a transaction that stays open for the fixture's scope and is rolled back at its end.
    Each test (``db``) runs in a savepoint inside it, so what a test changes is undone after it
    as usual. Not for transactional tests (``transaction=True``, ``live_server``): they commit
    and flush, which an open transaction forbids."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def module_cast(_fast_password_hashing, django_db_setup, django_db_blocker) -> Iterator[Cast]:
    """The cast, made once for a module (see ``rows_for_the_scope``). It is set up ahead of the
    test's other fixtures (``pytest_collection_modifyitems``), so it asks for the fast password
    hasher itself: its logins were hashed with PBKDF2's million rounds in the first module of a
    process (seconds). A module opts in with

    @pytest.fixture
    def cast(module_cast, db):
        return module_cast.fresh()
    """
    with rows_for_the_scope(django_db_blocker):
        yield build_cast()
