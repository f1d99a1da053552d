"""Sweep designs: ranges, lhs/sobol points (seeded, in range, stratified), run order, defaults."""

import textwrap

import numpy as np
import pandas as pd
import pytest

from sim.kernel.errors import ScenarioError
from sim.sweep import LEDGER_KEY, default_overrides, load_spec, plan, table
from sim.sweep_design import ParameterRange, unit_sample

SCENARIO = "name: sw\nmonths: 1\nmerchant_credit: {merchants: 60}\n"


def write(tmp_path, body, scenario=SCENARIO):
    (tmp_path / "s.yaml").write_text(scenario)
    path = tmp_path / "sweep.yaml"
    path.write_text("scenario: s.yaml\nseeds: [1, 2]\n" + textwrap.dedent(body))
    return path


LHS = """
design: lhs
points: 8
design_seed: 3
parameters:
  merchant_credit.innovated.pd_cutoff: {low: 0.02, high: 0.2, log: true}
  merchant_credit.merchants: {low: 40, high: 80, integer: true}
"""


def test_lhs_points_are_seeded_in_range_and_typed(tmp_path):
    spec = load_spec(write(tmp_path, LHS))
    points = spec.point_list()
    assert points == load_spec(write(tmp_path, LHS)).point_list()
    assert len(points) == 8
    cutoffs = [p["merchant_credit.innovated.pd_cutoff"] for p in points]
    sizes = [p["merchant_credit.merchants"] for p in points]
    assert all(0.02 <= c <= 0.2 for c in cutoffs)
    assert all(isinstance(n, int) and 40 <= n <= 80 for n in sizes)
    # Latin hypercube: one point per eighth of the log range
    strata = np.floor((np.log(cutoffs) - np.log(0.02)) / (np.log(0.2) - np.log(0.02)) * 8)
    assert sorted(strata.tolist()) == list(range(8))
    other = load_spec(write(tmp_path, LHS.replace("design_seed: 3", "design_seed: 4")))
    assert other.point_list() != points


def test_sobol_needs_a_power_of_two(tmp_path):
    spec = load_spec(write(tmp_path, LHS.replace("lhs", "sobol").replace("8", "6")))
    with pytest.raises(ScenarioError, match="points: 6 must be a power of 2"):
        spec.point_list()
    unit = unit_sample("sobol", 2, 16, seed=0)
    # a scrambled Sobol' set of 16 points fills each of the 16 column strata exactly once
    assert sorted(np.floor(unit[:, 0] * 16).tolist()) == list(range(16))


def test_integer_ranges_cover_both_ends_equally():
    rng = ParameterRange(low=1, high=4, integer=True)
    values = rng.from_unit(np.linspace(0, 1, 4001))
    counts = np.bincount(values.astype(int))[1:]
    assert counts.tolist()[0] == pytest.approx(1000, abs=2) and counts.sum() == 4001
    assert set(values) == {1, 2, 3, 4}


def test_log_range_is_log_uniform():
    rng = ParameterRange(low=1, high=100, log=True)
    assert rng.from_unit(np.array([0.0, 0.5, 1.0])) == pytest.approx([1, 10, 100])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("design: lhs\npoints: 4\n", "needs parameters"),
        ("design: sobol\nparameters: {a.b: {low: 0, high: 1}}\n", "needs parameters"),
        ("design: lhs\npoints: 4\nparameters: {a.b: {low: 2, high: 1}}\n", "low: 2.0 must be <"),
        ("design: lhs\npoints: 4\nparameters: {a.b: {low: 0, high: 1, log: true}}\n", "> 0"),
        (
            "design: lhs\npoints: 4\nparameters: {a.b: {low: 0, high: 1.5, integer: true}}\n",
            "whole",
        ),
        ("design: lhs\npoints: 0\nparameters: {a.b: {low: 0, high: 1}}\n", "points"),
        (
            "design: lhs\npoints: 4\nparameters: {a.b: {low: 0, high: 1}}\ngrid: {c: [1]}\n",
            "not grid",
        ),
        ("grid: {c: [1]}\npoints: 4\n", "need lhs|sobol"),
        ("design: zip\ngrid: {c: [1]}\n", "zip lists only"),
        ("design: latin\n", "design"),
        ("design: lhs\npoints: 4\nparameters: {a.b: {low: 0, high: 1, step: 2}}\n", "step"),
    ],
)
def test_bad_designs_say_what_is_wrong(tmp_path, body, message):
    with pytest.raises(ScenarioError, match=message):
        load_spec(write(tmp_path, body))


def test_plan_is_replicate_major_with_provenance(tmp_path):
    path = write(tmp_path, "grid:\n  merchant_credit.innovated.pd_cutoff: [0.05, 0.1, 0.15]\n")
    sweep = plan(load_spec(path), path.parent / "s.yaml")
    assert [(t.replicate, t.seed, t.point_id) for t in sweep.tasks] == [
        (0, 1, 0),
        (0, 1, 1),
        (0, 1, 2),
        (1, 2, 0),
        (1, 2, 1),
        (1, 2, 2),
    ]
    assert len({t.config_hash for t in sweep.tasks}) == 6
    assert len(sweep.scenario_hash) == 16 and sweep.code_version
    assert all(t.ledger is None for t in sweep.tasks)  # no case 1 in this scenario


SUPPLY = "name: sc\nmonths: 1\nsupply_chain: {population: {tier1_count: 5, tier2_count: 5}}\n"


def test_sweep_ledger_default_only_for_case_one_and_only_when_unset(tmp_path):
    path = write(tmp_path, "grid:\n  supply_chain.adversaries.count: [0, 1]\n", SUPPLY)
    scenario = path.parent / "s.yaml"
    sweep = plan(load_spec(path), scenario, ledger="fake")
    assert {t.ledger for t in sweep.tasks} == {"fake"}
    assert all(f"{LEDGER_KEY}=fake" in t.overrides for t in sweep.tasks)
    assert {t.ledger for t in plan(load_spec(path), scenario, ledger=None).tasks} == {"anvil"}
    assert {t.ledger for t in plan(load_spec(path), scenario).tasks} == {"revm"}  # the default
    chosen = (f"{LEDGER_KEY}=anvil",)
    assert default_overrides(scenario, chosen, "fake") == chosen
    as_point = write(tmp_path, f"grid:\n  {LEDGER_KEY}: [anvil, fake]\n", SUPPLY)
    assert [t.ledger for t in plan(load_spec(as_point), scenario, ledger="fake").tasks][:2] == [
        "anvil",
        "fake",
    ]
    merchant = write(tmp_path, "grid: {}\n")
    assert default_overrides(merchant.parent / "s.yaml", (), "fake") == ()


def test_a_stopped_sweep_table_holds_the_finished_runs_in_run_order(tmp_path):
    path = write(tmp_path, "grid:\n  merchant_credit.innovated.pd_cutoff: [0.05, 0.1, 0.15]\n")
    sweep = plan(load_spec(path), path.parent / "s.yaml")
    ok = {"status": "ok", "kpis": {"a.b.c": 1.0}, "error": None, "wall_time_s": 2.0}
    failed = {"status": "failed", "kpis": {}, "error": "ChainError: gone"}
    finished = {sweep.tasks[1].key: ok, sweep.tasks[0].key: ok, sweep.tasks[3].key: failed}
    frame = table(sweep, finished, tmp_path / "runs")
    assert frame["order"].tolist() == [0, 1, 3]
    assert frame["status"].tolist() == ["ok", "ok", "failed"]
    assert frame["error"].iloc[2] == "ChainError: gone" and pd.isna(frame["a.b.c"].iloc[2])
    assert set(frame["design"]) == {"grid"} and frame["wall_time_s"].iloc[0] == 2.0
