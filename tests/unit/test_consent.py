"""Data-consent withdrawal (merchant_credit.shocks.consent_withdrawal), on the fake scorer.

Merchants who withdraw consent fall back to the traditional desk's view (collateral and
statements, the branch's delay) for the window and come back to the data path after it; the
traditional mode is unaffected; same seed, same KPIs.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from agents.merchant_credit.consent import ConsentShocks, withdrawing
from agents.merchant_credit.schema import ConsentWithdrawal
from sim import load_scenario
from sim.cases import CaseContext, runner_for
from sim.kernel.errors import ScenarioError
from sim.kernel.rng import SeedTree
from sim.recorder import Recorder

WINDOW = {"start_day": 30, "end_day": 200, "magnitude": 0.6}
PREFIX = "merchant_credit."


def scenario(windows: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    return {
        "name": "consent",
        "months": 9,
        "seed": 17,
        "modes": ["innovated", "traditional"],
        "merchant_credit": {
            "merchants": 400,
            "scoring": {"adapter": "fake", "training_merchants": 300},
            "shocks": {"consent_withdrawal": list(windows)},
        },
    }


@cache
def run(windows: tuple[tuple[tuple[str, Any], ...], ...] = ()) -> tuple[dict[str, Any], Path]:
    """KPI totals of the case (both modes) through its real wiring, and the run's folder."""
    config = load_scenario(scenario(tuple(dict(w) for w in windows)))
    run_dir = Path(tempfile.mkdtemp(prefix="consent-"))
    recorder = Recorder(run_dir, config.start_datetime)
    seeds = SeedTree(config.seed).child("merchant_credit")
    case = config.merchant_credit
    runner_for("merchant_credit")(CaseContext(config, case, seeds, recorder, run_dir, False))
    recorder.save()
    return dict(recorder.totals), run_dir


def shocked() -> tuple[dict[str, Any], Path]:
    return run((tuple(WINDOW.items()),))


def test_the_withdrawing_merchants_are_a_share_of_the_consenting_ones() -> None:
    consent = np.arange(100) % 4 != 0
    window = ConsentWithdrawal(start_day=0, end_day=9, magnitude=0.2)
    first = withdrawing(window, consent, SeedTree(5), 0)
    assert first.sum() == 15 and not (first & ~consent).any()
    assert np.array_equal(first, withdrawing(window, consent, SeedTree(5), 0))
    assert not np.array_equal(first, withdrawing(window, consent, SeedTree(5), 1))
    assert withdrawing(window, np.zeros(10, dtype=bool), SeedTree(5), 0).sum() == 0


def test_withdrawn_on_follows_the_windows() -> None:
    consent = np.ones(50, dtype=bool)
    windows = (
        ConsentWithdrawal(start_day=5, end_day=10, magnitude=0.2),
        ConsentWithdrawal(start_day=8, end_day=12, magnitude=0.2),
    )
    shocks = ConsentShocks(windows, consent, SeedTree(2))
    assert shocks.withdrawn_on(4).sum() == 0 and shocks.withdrawn_on(5).sum() == 10
    assert shocks.withdrawn_on(9).sum() == int((shocks.masks[0] | shocks.masks[1]).sum())
    assert np.array_equal(shocks.withdrawn_on(11), shocks.masks[1])
    assert shocks.withdrawn_on(12).sum() == 0


@pytest.mark.parametrize("magnitude", [0.0, 1.2])
def test_a_share_outside_0_1_is_refused_with_the_value_and_the_rule(magnitude: float) -> None:
    with pytest.raises(ScenarioError, match=rf"magnitude: {magnitude} must be a merchant share"):
        load_scenario(scenario(({**WINDOW, "magnitude": magnitude},)))


def test_withdrawn_merchants_apply_on_the_branch_path_during_the_window_only() -> None:
    _, run_dir = shocked()
    events = pd.read_parquet(run_dir / "events.parquet")
    apps = events[(events["kind"] == "application") & (events["mode"] == "innovated")]
    day = apps["t_hours"] / 24
    on_data = apps["detail"].astype(str).str.contains('"data_path": true')
    inside = (day >= WINDOW["start_day"]) & (day < WINDOW["end_day"])
    _, base_dir = run()
    base = pd.read_parquet(base_dir / "events.parquet")
    base_apps = base[(base["kind"] == "application") & (base["mode"] == "innovated")]
    base_on_data = base_apps["detail"].astype(str).str.contains('"data_path": true')
    base_inside = (base_apps["t_hours"] / 24 >= WINDOW["start_day"]) & (
        base_apps["t_hours"] / 24 < WINDOW["end_day"]
    )
    assert on_data[inside].mean() < base_on_data[base_inside].mean() - 0.2
    assert on_data[~inside].any()


def test_the_data_driven_bank_approves_less_and_the_traditional_mode_is_unaffected() -> None:
    (base, _), (out, _) = run(), shocked()
    inn = PREFIX + "innovated."
    assert out[inn + "approval_rate"] < base[inn + "approval_rate"]
    assert out[inn + "seekers_obtained_share"] < base[inn + "seekers_obtained_share"]
    trad = {k: v for k, v in base.items() if ".traditional." in k}
    assert trad and trad == {k: v for k, v in out.items() if ".traditional." in k}


def test_same_seed_same_kpis_under_a_withdrawal() -> None:
    first, _ = shocked()
    run.cache_clear()
    assert shocked()[0] == first
