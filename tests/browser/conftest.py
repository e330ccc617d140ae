"""Browser tests: the real server (as production runs it) driven by headless Chromium through Playwright.

Playwright drives Debian's `chromium` package (`make browser-tools` installs it): its own browser download
is not used. Without Chromium these tests fail, saying how to install it; they are never skipped.
"""

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.live_server import live_server

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Headless, as root, offline: no sandbox (root), no GPU, no background updates or first-run pages.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

type OpenPage = Callable[..., Awaitable[Page]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One xdist worker runs them all: one server, one browser."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(autouse=True)
def _clean(clean_database: None) -> None:
    """Every browser test starts from empty tables."""


@pytest.fixture(scope="session")
def server(test_database: str) -> Iterator[str]:
    with live_server(test_database) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing ({CHROMIUM}): the browser tests need it. Install it with `make browser-tools` "
            "(apt-get install -y chromium), or point CHROMIUM at a Chromium binary.",
        )
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def open_page(browser: Browser, server: str) -> AsyncIterator[OpenPage]:
    """open_page(path, javascript=True, width=1200): a page of a fresh browser context, at `path`."""
    contexts = []

    async def open_(path: str = "/", *, javascript: bool = True, width: int = 1200) -> Page:
        context = await browser.new_context(
            base_url=server, java_script_enabled=javascript, viewport={"width": width, "height": 900}
        )
        contexts.append(context)
        page = await context.new_page()
        await page.goto(path)
        return page

    yield open_
    for context in contexts:
        await context.close()


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go: SCREENSHOT_DIR (`make screenshot` says docs/), else a temporary folder."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def api(server: str) -> AsyncIterator[httpx.AsyncClient]:
    """The REST API of the same server: how the tests stock the shop."""
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        yield client
