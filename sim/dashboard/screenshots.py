"""Screenshots of the dashboard's main views for ``docs/``
(``python -m sim.dashboard.screenshots``), taken from the shipped code: a demo store (a small
case-1 scenario, two finished runs) is made in a temporary folder, served by ``yinqi dashboard``
and driven in headless Chromium.

Writes ``docs/dashboard_form.png`` (the generated form with an invalid value),
``dashboard_progress.png``, ``dashboard_run.png`` (a finished run's KPI charts),
``dashboard_runs.png`` (the run store, one run opened), ``dashboard_claims.png`` and
``dashboard_compare.png``. Needs the dev dependency ``playwright`` and Debian's ``chromium``.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from sim.dashboard.launch import dashboard_process
from sim.kernel.errors import ComponentError

if TYPE_CHECKING:
    from playwright.sync_api import Page, ViewportSize

log = logging.getLogger(__name__)
#: The premade runs use the in-memory ledger; the form's "quick" switch does the same.
FAKE_LEDGER = "supply_chain.ledger.adapter=fake"
DEMO = """\
name: demo
description: Small case-1 demo for the dashboard screenshots (6 months; runs use the fake ledger).
months: 6
seed: 1
supply_chain:
  population:
    tier1_count: 12
    tier2_count: 12
"""
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}
#: Solara's page scrolls inside its own container, so long views need a tall window instead.
TALL: ViewportSize = {"width": 1400, "height": 1500}


def _demo_store(root: Path) -> None:
    from sim.runner import run_scenario

    (root / "demo.yaml").write_text(DEMO, encoding="utf-8")
    for seed in (1, 2):
        run_scenario(
            root / "demo.yaml", seed=seed, overrides=[FAKE_LEDGER], out=root, progress=False
        )


def _pick(page: Page, css: str, option: str) -> None:
    page.locator(css).click()
    page.locator(".menuable__content__active").get_by_text(option, exact=True).click()


def _shoot(page: Page, out: Path, name: str) -> None:
    page.wait_for_timeout(500)  # let a closing menu and the chart images settle
    page.screenshot(path=str(out / name), full_page=True)
    log.info("wrote %s", out / name)


def take(out: Path, root: Path) -> list[Path]:
    """Serve the demo store in ``root`` and write the screenshots into ``out``."""
    from playwright.sync_api import expect, sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise ComponentError("chromium is not installed (make chromium installs it with apt)")
    names = []
    with (
        dashboard_process(
            root, root / "dashboard.log", while_starting=lambda: _demo_store(root)
        ) as url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(120_000)
        expect.set_options(timeout=120_000)
        page.goto(url)
        _pick(page, ".yq-scenario", str(root / "demo.yaml"))
        page.get_by_role("button", name="▸ supply_chain").click()
        page.get_by_role("button", name="▸ population").click()
        field = page.locator(".yq-f-supply_chain-population-tier1_count input")
        field.fill("0")
        field.press("Enter")
        expect(page.locator(".yq-invalid")).to_be_visible()
        _shoot(page, out, "dashboard_form.png")
        field.fill("20")
        field.press("Enter")
        expect(page.locator(".yq-invalid")).to_have_count(0)
        page.get_by_text("quick: every").click()
        expect(page.locator(".yq-command")).to_contain_text("adapter=fake")
        page.locator(".yq-run").click()
        expect(page.locator(".yq-running")).to_contain_text("supply_chain/")
        _shoot(page, out, "dashboard_progress.png")
        expect(page.locator(".yq-run-done")).to_be_visible()
        page.get_by_role("button", name="▾ supply_chain").click()
        page.set_viewport_size(TALL)
        _shoot(page, out, "dashboard_run.png")
        page.get_by_role("tab", name="Runs").click()
        expect(page.get_by_role("tab", name="Totals")).to_be_visible()
        _shoot(page, out, "dashboard_runs.png")
        page.get_by_role("tab", name="Claims").click()
        _shoot(page, out, "dashboard_claims.png")
        page.get_by_role("tab", name="Compare").click()
        runs = sorted(p.name for p in root.glob("demo-*-[12]"))
        _pick(page, ".yq-compare-a", runs[0])
        _pick(page, ".yq-compare-b", runs[1])
        expect(page.get_by_role("columnheader", name="B - A")).to_be_visible()
        _shoot(page, out, "dashboard_compare.png")
        browser.close()
        names = sorted(out.glob("dashboard_*.png"))
    return names


def main(argv: list[str] | None = None) -> int:
    """Write the screenshots; exit 0, or 3 when the browser or the server failed."""
    parser = argparse.ArgumentParser(prog="python -m sim.dashboard.screenshots")
    parser.add_argument("--out", type=Path, default=Path("docs"), help="folder of the PNGs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="yinqi-dashboard-") as tmp:
        try:
            written = take(args.out.resolve(), Path(tmp))
        except ComponentError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 3
    print("\n".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
