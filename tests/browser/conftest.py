"""Fixtures for the console's browser tests: one real `twiliokit serve --emulator` per test
process, one headless Chromium per test module, a fresh browser context per test.

Without Chromium the tests are skipped, except under ``CI=true`` where that is a failure
(``scripts/ensure-chromium.sh`` installs it, as ``scripts/ensure-postgres.sh`` does PostgreSQL).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import (
    Browser,
    Page,
    Playwright,
    StorageState,
    expect,
    sync_playwright,
)

from tests.browser.console_server import (
    ConsoleServer,
    chromium_missing,
    launch_chromium,
    running_console,
)
from tests.browser.flows import sign_in

#: How long an expectation waits for the page (a loaded two-core machine is slow).
EXPECT_TIMEOUT_MS = 15_000


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


@pytest.fixture(scope="session")
def _chromium() -> None:
    """Chromium is installed (skipped otherwise; under CI a failure)."""
    reason = chromium_missing()
    if reason is None:
        return
    if _ci():
        pytest.fail(f"CI must run the browser tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def console_server(
    _chromium: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConsoleServer]:
    """`twiliokit serve --emulator` on a free port, a SQLite ledger, the emulator's clock
    frozen, the demo contact's greeting recorded."""
    with running_console(tmp_path_factory.mktemp("console")) as server:
        yield server


# Playwright's sync API keeps an asyncio loop marked running in this thread while its driver
# is up, which would break every later test in the process that calls asyncio.run (pytest
# moves on to other modules in the same worker): so the driver, the browser and the shared
# sign-in live for one module at a time.
@pytest.fixture(scope="module")
def _playwright(_chromium: None) -> Iterator[Playwright]:
    """Playwright's driver for the module."""
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(_playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    chromium = launch_chromium(_playwright)
    yield chromium
    chromium.close()


@contextlib.contextmanager
def _new_page(browser: Browser, state: StorageState | None = None) -> Iterator[Page]:
    context = browser.new_context(storage_state=state)
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, console_server: ConsoleServer) -> Iterator[Page]:
    """A page in a fresh context: no cookies, no session."""
    with _new_page(browser) as fresh:
        yield fresh


@pytest.fixture(scope="module")
def _session(browser: Browser, console_server: ConsoleServer) -> StorageState:
    """The cookies of one sign-in with the service's token, shared by the signed-in tests
    (signing in is tested on its own)."""
    with _new_page(browser) as fresh:
        sign_in(fresh, console_server)
        return fresh.context.storage_state()


@pytest.fixture
def signed_in(browser: Browser, _session: StorageState) -> Iterator[Page]:
    """A page in a fresh context holding a signed-in session."""
    with _new_page(browser, _session) as fresh:
        yield fresh
