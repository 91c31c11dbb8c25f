"""Browser tests: Playwright's sync API driving Debian's Chromium, never a downloaded browser.

Needs the Debian packages ``chromium`` and ``fonts-noto-cjk`` and the Python package
``playwright`` (a dev dependency). When one is missing the tests skip with the install command,
except in CI or when DATABASE_URL / REDIS_URL are set (``services_required()``): then they fail.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connections

from tests.conftest import services_required

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page

# Playwright's sync API keeps an asyncio event loop on this thread, so Django would refuse the
# test's (synchronous) ORM calls with SynchronousOnlyOperation although no async code runs here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CJK_FONT_DIR = Path("/usr/share/fonts/opentype/noto")
INSTALL_COMMAND = "apt-get install -y chromium fonts-noto-cjk"
# The machine has no network but package registries: without these Chromium keeps trying to
# reach Google's services. --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


def missing_requirements() -> list[str]:
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright (make test installs it)")
    if not CHROMIUM.is_file():
        missing.append(f"{CHROMIUM} (Debian package chromium)")
    if not any(CJK_FONT_DIR.glob("NotoSansCJK*")):
        missing.append("the Chinese fonts (Debian package fonts-noto-cjk)")
    return missing


@pytest.fixture(scope="session")
def browser_requirements() -> None:
    missing = missing_requirements()
    if missing:
        reason = (
            "BROWSER TESTS NOT RUN: missing " + "; ".join(missing) + f". As root: {INSTALL_COMMAND}"
        )
        if services_required():
            pytest.fail(reason + " (CI=true or a service URL is set, so this must not skip)")
        pytest.skip(reason)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests (marked ``browser``) share one Chromium (``chromium``): under
    pytest-xdist they run as one group, on one process, one after the other — except a test
    that names a group of its own (the phone walk's three parts, the longest: each then runs
    beside the others, on whichever process is free, with its process's Chromium)."""
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group("browser"))


#: Every context (a test's browser "profile"): a phone screen at one image pixel per CSS
#: pixel (a 3× phone costs nine times the pixels in every screenshot and paint and shows no
#: layout that 1× does not: the pages are laid out in CSS pixels), asking for English.
CONTEXT = {
    "viewport": PHONE,
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-US",
    "timezone_id": "Asia/Shanghai",
}


class _OneChromium:
    """The process's Playwright and Chromium: started by the first fixture that needs them,
    stopped when the last lets go. Two Playwright sync sessions cannot run on one thread."""

    users = 0
    playwright: Any = None
    browser: Browser | None = None


@contextmanager
def shared_chromium() -> Iterator[Browser]:
    """Chromium for as long as the block runs, shared with every other block running."""
    from playwright.sync_api import sync_playwright

    if _OneChromium.users == 0:
        _OneChromium.playwright = sync_playwright().start()
        _OneChromium.browser = _OneChromium.playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    _OneChromium.users += 1
    try:
        yield _OneChromium.browser
    finally:
        _OneChromium.users -= 1
        if _OneChromium.users == 0:
            connections.close_all()  # those opened while Playwright's loop ran
            _OneChromium.browser.close()
            _OneChromium.playwright.stop()
            _OneChromium.browser = _OneChromium.playwright = None


@pytest.fixture(scope="package")
def chromium(browser_requirements: None) -> Iterator[Browser]:
    """One Chromium for all the browser tests; each test has a context of its own (its own
    cookies, storage and cache), which is what a new browser gave it, at a fraction of the
    cost. A browser test elsewhere defines a module-scoped ``chromium`` with
    ``shared_chromium()`` (tests/reminders/test_phone.py).

    Package scope: Playwright's sync API marks its event loop running on this thread while it
    runs, and Django then hands this thread database connections of that loop's context
    (asgiref's ``Local``). Stopping it after the last browser test gives the tests that follow
    on the same process the connections they had (the browser tests run together:
    ``pytest_collection_modifyitems`` above).
    """
    with shared_chromium() as browser:
        yield browser


def new_phone_context(browser: Browser, live_server: Any, **options: Any) -> BrowserContext:
    """A context whose ``close()`` first lets its pages go and waits for what they send on the
    way out: the activity form saves its draft when the page is hidden (a fetch that outlives
    the page). Answered after the test, such a request met the next test's flush of the
    database ("database table is locked" on SQLite)."""
    context = browser.new_context(base_url=live_server.url, **{**CONTEXT, **options})
    context.set_default_timeout(15_000)
    in_flight: set[Any] = set()
    context.on("request", lambda request: in_flight.add(request))
    context.on("requestfinished", lambda request: in_flight.discard(request))
    context.on("requestfailed", lambda request: in_flight.discard(request))
    close = context.close

    def close_when_settled(**kwargs: Any) -> None:
        from playwright.sync_api import Error as PlaywrightError

        try:
            for page in context.pages:
                if not page.is_closed():
                    # Hidden, then gone: the page sends its last requests (a page already on
                    # its way out refuses to go).
                    with suppress(PlaywrightError):
                        page.goto("about:blank")
            waiter = next((page for page in context.pages if not page.is_closed()), None)
            deadline = time.monotonic() + 10
            while in_flight and waiter is not None and time.monotonic() < deadline:
                waiter.wait_for_timeout(25)  # Playwright delivers the request events meanwhile
        finally:
            close(**kwargs)

    context.close = close_when_settled  # type: ignore[method-assign]
    return context


@pytest.fixture
def browser_page(chromium: Browser, transactional_db: None, live_server: Any) -> Iterator[Page]:
    """A fresh phone-sized page (390 × 844) whose browser asks for English, like many phones.

    ``page.goto(path)`` with a path starting with "/" opens it on the live server. The live
    server sees only committed rows, so these tests run on a transactional database (flushed
    after each test; post_migrate then makes the permission groups again).

    At the end the screen the test left is saved as ``$SCREENSHOT_DIR/<test>.png`` (the
    visible part; a test saves whole pages it looks at with ``screenshot``).
    """
    context = new_phone_context(chromium, live_server)
    page = context.new_page()
    try:
        yield page
        screenshots = os.environ.get("SCREENSHOT_DIR")
        if screenshots:
            Path(screenshots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(screenshots) / f"{_test_name()}.png"))
    finally:
        context.close()


def _test_name() -> str:
    current = os.environ.get("PYTEST_CURRENT_TEST", "browser-test")
    return current.split(" ")[0].replace("/", "_").replace("::", "-")


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page | Locator, str], Path | None]:
    """``screenshot(page, "review-queue")`` saves the whole page as a test artefact (a
    locator instead of the page: just that element).

    Files go to ``$SCREENSHOT_DIR/<test name>/NN-<step>.png`` (``make test`` sets
    SCREENSHOT_DIR to var/screenshots); without SCREENSHOT_DIR nothing is written.
    """
    root = os.environ.get("SCREENSHOT_DIR")
    folder = Path(root) / re.sub(r"[^\w.-]+", "_", request.node.name) if root else None
    if folder is not None:  # an earlier run's steps would pass for this run's
        for old in folder.glob("[0-9][0-9]-*.png"):
            old.unlink()
    taken = 0

    def take(target: Page | Locator, step: str) -> Path | None:
        nonlocal taken
        if folder is None:
            return None
        taken += 1
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{taken:02d}-{step}.png"
        if hasattr(target, "goto"):  # a page: all of it, one image pixel per CSS pixel
            target.screenshot(path=str(path), full_page=True, scale="css")
        else:  # an element: just its box
            target.screenshot(path=str(path), scale="css")
        return path

    return take
