"""Case 3 channels at scenario level, on the in-memory telemetry fake (small fleet, one year).

Each channel switched off from the innovated mode changes the KPIs it should; with every channel
off the innovated mode is the traditional mode; the decomposition table adds up.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from agents.equipment_leasing.schema import CHANNELS
from sim import run_scenario
from sim.cases.equipment_leasing.decomposition import EFFECT_KPIS, Decomposition

DEVICES = 40


def scenario(
    modes: list[str],
    channels: dict[str, bool],
    decompose: bool = False,
    workers: int = 2,
    early_returns: bool = True,
) -> dict:
    return {
        "name": "leasing-channels",
        "months": 12,
        "seed": 5,
        "modes": modes,
        "equipment_leasing": {
            "fleet": {"devices": DEVICES},
            # a demand slump puts lessees in difficulty, so the repayment channels show
            "demand": {"sector_shocks": [{"start_day": 60, "end_day": 270, "magnitude": -0.4}]},
            "telemetry": {"adapter": "fake"},
            "channels": channels,
            "decomposition": {"enabled": decompose, "workers": workers},
            "bank": {"early_return_offer": early_returns},
        },
    }


@cache
def totals(mode: str, off: str = "", early_returns: bool = True) -> dict[str, Any]:
    channels = {c: c != off for c in CHANNELS}
    config = scenario([mode], channels, early_returns=early_returns)
    result = run_scenario(config, out=_tmp(), progress=False)
    assert result.status == "ok"
    prefix = f"equipment_leasing.{mode}."
    return {k.removeprefix(prefix): v for k, v in result.kpis.items() if k.startswith(prefix)}


@cache
def _tmp() -> Path:
    return Path(tempfile.mkdtemp(prefix="leasing-channels-"))


def test_switching_the_price_response_off_changes_hours_and_rent() -> None:
    full, fixed = totals("innovated"), totals("innovated", "price_response")
    assert full["utilisation"] != fixed["utilisation"]
    assert full["rental_income_cny"] != fixed["rental_income_cny"]


def test_switching_the_lock_off_removes_locks_and_more_lessees_stop_paying() -> None:
    # without early returns: lessees that could hand an idle machine back never get to arrears
    full = totals("innovated", early_returns=False)
    no_lock = totals("innovated", "remote_lock", early_returns=False)
    assert full["remote_locks"] > 0 and no_lock["remote_locks"] == 0
    assert no_lock["repayment_stops"] > full["repayment_stops"]


def test_switching_redeployment_off_stops_the_dealer_calls_and_lowers_fleet_hours() -> None:
    full, none = totals("innovated"), totals("innovated", "redeployment")
    assert full["calls"] > 0 and none["calls"] == 0
    assert full["fleet_utilisation"] > none["fleet_utilisation"]
    assert full["early_returns"] > 0 and none["early_returns"] == 0


def test_early_returns_keep_lessees_of_idle_machines_out_of_default_in_a_slump() -> None:
    full, kept = totals("innovated"), totals("innovated", early_returns=False)
    assert full["early_returns"] > 0 and kept["early_returns"] == 0
    assert full["leases"] > kept["leases"]  # returned machines go to new lessees
    assert full["defaults"] < kept["defaults"]


def test_switching_monitoring_off_brings_the_inspectors_back() -> None:
    full, visits = totals("innovated"), totals("innovated", "monitoring")
    assert full["messages_handled"] > 0 and full["inspections"] == 0
    assert visits["messages_handled"] == 0 and visits["inspections"] > 0
    assert full["default_rate"] != visits["default_rate"] or full["lgd"] != visits["lgd"]


def test_switching_selection_off_leaves_new_lessees_one_tariff_and_changes_rent_and_hours() -> None:
    full, one = totals("innovated"), totals("innovated", "selection")
    assert one["usage_tariff_share"] == 1.0  # the block tariff only
    assert 0 < full["usage_tariff_share"] < 1  # busy applicants pick the fixed rent
    assert full["rental_income_cny"] != one["rental_income_cny"]
    assert full["utilisation"] != one["utilisation"]


def test_with_every_channel_off_the_innovated_mode_is_the_traditional_mode() -> None:
    result = run_scenario(
        scenario(["traditional"], {c: False for c in CHANNELS}), out=_tmp(), progress=False
    )
    bare = run_scenario(
        scenario(["innovated"], {c: False for c in CHANNELS}), out=_tmp(), progress=False
    )
    trad = {k.split(".", 2)[2]: v for k, v in result.kpis.items()}
    inn = {k.split(".", 2)[2]: v for k, v in bare.kpis.items()}
    assert inn == pytest.approx(trad, nan_ok=True)


def test_the_decomposition_adds_up() -> None:
    base = {k: 1.0 for k in EFFECT_KPIS}
    full = {k: 2.0 for k in EFFECT_KPIS}
    only = {"a": {k: 1.3 for k in EFFECT_KPIS}, "b": {k: 1.5 for k in EFFECT_KPIS}}
    without = {"a": {k: 1.6 for k in EFFECT_KPIS}, "b": {k: 1.9 for k in EFFECT_KPIS}}
    effects = Decomposition(base, full, only, without).effects()
    for k in EFFECT_KPIS:
        assert effects["on_a"][k] == pytest.approx(0.3) and effects["off_b"][k] == pytest.approx(
            0.1
        )
        assert effects["interaction"][k] == pytest.approx(0.2)


def test_the_run_reports_a_decomposition_that_adds_up() -> None:
    result = run_scenario(
        scenario(["innovated", "traditional"], {}, decompose=True), out=_tmp(), progress=False
    )
    k = result.kpis
    for kpi in EFFECT_KPIS:
        inn, trad = (
            k[f"equipment_leasing.innovated.{kpi}"],
            k[f"equipment_leasing.traditional.{kpi}"],
        )
        if inn is None or trad is None:  # nan (no defaults in a mode) is saved as null
            continue
        total = inn - trad
        assert k[f"equipment_leasing.total_effect.{kpi}"] == pytest.approx(total)
        ones = sum(k[f"equipment_leasing.on_{c}.{kpi}"] for c in CHANNELS)
        assert ones + k[f"equipment_leasing.interaction.{kpi}"] == pytest.approx(total)
    assert any("channel_decomposition" in str(f) for f in result.run_dir.rglob("*.png"))


def test_the_decomposition_is_the_same_in_the_run_process_and_on_forked_workers() -> None:
    tables = []
    for workers in (1, 2):
        result = run_scenario(
            scenario(["innovated", "traditional"], {}, decompose=True, workers=workers),
            out=_tmp(),
            progress=False,
        )
        tables.append(
            {k: v for k, v in result.kpis.items() if k.split(".")[1].startswith(("on_", "off_"))}
        )
    assert len(tables[0]) == 2 * len(CHANNELS) * len(EFFECT_KPIS)
    assert tables[0] == tables[1]
