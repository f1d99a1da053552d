"""The dashboard in a real browser: it loads, a scenario runs from the form to its KPIs, an invalid
value shows the schema's message, two runs compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sim.dashboard import store as run_store

pytestmark = pytest.mark.browser


def _pick_scenario(page: Page, name: str) -> None:
    page.locator(".yq-scenario").click()
    page.get_by_role("option", name=name).click()
    expect(page.locator(".yq-f-name input")).to_have_value("tiny")


def _pick(page: Page, css: str, option: str) -> None:
    page.locator(css).click()
    page.locator(".menuable__content__active").get_by_text(option, exact=True).click()


def _fill(page: Page, path: str, value: str) -> None:
    field = page.locator(f".yq-f-{path.replace('.', '-')} input")
    field.fill(value)
    field.press("Enter")


def test_page_loads_with_the_three_views(page: Page) -> None:
    expect(page.get_by_role("heading", name="yinqi-twin dashboard")).to_be_visible()
    for tab in ("Run a scenario", "Runs", "Compare"):
        expect(page.get_by_role("tab", name=tab)).to_be_visible()
    expect(page.locator(".yq-f-months input")).to_be_visible()


def test_invalid_value_shows_the_schema_message(page: Page, store: Path) -> None:
    _pick_scenario(page, str(store / "tiny.yaml"))
    _fill(page, "months", "0")
    message = "months: 0 — Input should be greater than or equal to 1"
    expect(page.locator(".yq-invalid")).to_contain_text(message)
    expect(page.locator(".yq-f-months")).to_contain_text("Input should be greater than or equal")
    expect(page.locator(".yq-run")).to_be_disabled()
    _fill(page, "months", "2")
    expect(page.locator(".yq-invalid")).to_have_count(0)
    expect(page.locator(".yq-run")).to_be_enabled()


def test_small_scenario_runs_from_the_form_to_its_kpis(page: Page, store: Path) -> None:
    _pick_scenario(page, str(store / "tiny.yaml"))
    _fill(page, "seed", "11")
    expect(page.get_by_text("--set 'seed=11'")).to_be_visible()
    page.get_by_text("quick: every").click()
    expect(page.get_by_text("supply_chain.ledger.adapter=fake")).to_be_visible()
    page.locator(".yq-run").click()
    expect(page.locator(".yq-run-done")).to_be_visible(timeout=120_000)
    expect(page.locator(".yq-kpi-charts img").first).to_be_visible()
    made = [json.loads(p.read_text()) for p in store.glob("tiny-*/manifest.json")]
    finished = [m for m in made if m["seed"] == 11]
    assert len(finished) == 1 and finished[0]["status"] == "ok"
    assert finished[0]["config"]["supply_chain"]["ledger"]["adapter"] == "fake"


def test_two_runs_compare(page: Page, store: Path) -> None:
    names = [n for n in run_store.run_dirs(store) if n.endswith(("-1", "-2"))]
    assert len(names) == 2, names
    page.get_by_role("tab", name="Compare").click()
    _pick(page, ".yq-compare-a", names[0])
    _pick(page, ".yq-compare-b", names[1])
    deltas, note = run_store.compare(store / names[0], store / names[1])
    changed = deltas[deltas["B - A"] != 0]
    assert not changed.empty and "plain deltas" in note
    expect(page.get_by_text(f"{len(changed)} KPIs")).to_be_visible()
    expect(page.get_by_text(note, exact=False)).to_be_visible()
    expect(page.get_by_role("columnheader", name="B - A")).to_be_visible()
    first = changed.iloc[0]
    expect(page.get_by_role("cell", name=first["kpi"], exact=True).first).to_be_visible()
