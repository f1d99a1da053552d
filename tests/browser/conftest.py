"""The dashboard served by ``yinqi dashboard`` in a subprocess, driven by Debian's Chromium.

A missing ``chromium`` is a set-up failure, never a skip. The store gets a tiny scenario (case 1,
8 suppliers, 2 months) and two finished runs of it (seeds 1 and 2, fake ledger) made in-process.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from sim.dashboard.launch import dashboard_process

#: The premade runs use the in-memory ledger; the form's "quick" switch does the same.
FAKE_LEDGER = "supply_chain.ledger.adapter=fake"
TINY = """\
name: tiny
description: tiny browser-test scenario (case 1)
months: 2
seed: 1
supply_chain:
  population:
    tier1_count: 4
    tier2_count: 4
"""


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium; the browser tests cannot run without it."""
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is not installed (make chromium installs it with apt)")
    return path


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run store: ``tiny.yaml`` (the ``dashboard`` fixture adds two runs of it)."""
    root = tmp_path_factory.mktemp("store")
    (root / "tiny.yaml").write_text(TINY, encoding="utf-8")
    return root


def _two_runs(root: Path) -> None:
    from sim.runner import run_scenario

    for seed in (1, 2):
        run_scenario(
            root / "tiny.yaml", seed=seed, overrides=[FAKE_LEDGER], out=root, progress=False
        )


@pytest.fixture(scope="session")
def dashboard(store: Path) -> Iterator[str]:
    """``yinqi dashboard --runs <store>`` on a free port, with two finished runs of ``tiny.yaml``
    (seeds 1 and 2, made while the server starts); its URL once it answers."""
    log = store.parent / "dashboard.log"
    with dashboard_process(store, log, while_starting=lambda: _two_runs(store)) as url:
        yield url


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Browser]:
    """Headless Chromium through Playwright."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, dashboard: str) -> Iterator[Page]:
    """A fresh page on the dashboard; asserts afterwards that it only asked 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    expect.set_options(timeout=30_000)  # a loaded machine renders slowly
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto(dashboard)
    page.get_by_text("Parameters").wait_for()
    yield page
    context.close()
    assert hosts <= {dashboard.split("/")[2]}, f"the page asked other hosts: {sorted(hosts)}"
