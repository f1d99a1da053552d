"""yinqi compare: paired-by-seed deltas and intervals, single runs, modes, bad input."""

import numpy as np
import pandas as pd
import pytest
from test_runner import probe_case

import sim
from sim import cli, runner
from sim.compare import compare, compare_modes, load_side, seed_bootstrap
from sim.kernel.errors import ScenarioError

SCENARIO = {"name": "probe", "months": 1, "merchant_credit": {}}
KPI = "merchant_credit.innovated.default_rate"


def write_sweep(folder, shift=0.0, seeds=range(20), points=(0, 1), extra=True, noise_seed=0):
    """A sweep table in the shape sim.sweep writes (plus provenance columns a newer sweep adds).

    The seed effect (common random numbers) is the same in every sweep; ``noise_seed`` adds a
    small independent part, ``shift`` moves the innovated default rate.
    """
    common = np.random.default_rng(99).normal(0.05, 0.02, size=(len(points), max(seeds) + 1))
    own = np.random.default_rng(noise_seed)
    rows = []
    for p in points:
        for s in seeds:
            rate = common[p, s] + shift + own.normal(0, 0.002)
            row = {"point": p, "seed": s, "param:x": p, "status": "ok", "error": None}
            row |= {"run_dir": f"r{p}-{s}", KPI: rate}
            row["merchant_credit.traditional.default_rate"] = common[p, s] + 0.04
            if extra:
                row |= {"scenario_hash": "abc", "replicate": s, "code_version": "deadbeef"}
            rows.append(row)
    rows.append({"point": 9, "seed": 0, "status": "failed", "error": "boom", KPI: None})
    folder.mkdir(parents=True)
    pd.DataFrame(rows).to_parquet(folder / "sweep.parquet", index=False)
    return folder


def row(comparison, kpi):
    return comparison.table.set_index("kpi").loc[kpi]


def test_seed_bootstrap_covers_the_mean_and_resamples_whole_seeds():
    rng = np.random.default_rng(1)
    values = rng.normal(1.0, 0.5, size=(40, 1))
    mean, low, high = seed_bootstrap(values, np.arange(40))
    assert low[0] < mean[0] < high[0]
    se = values.std(ddof=1) / np.sqrt(40)
    assert high[0] - low[0] == pytest.approx(2 * 1.96 * se, rel=0.2)
    # duplicating every row under the same seed adds no information: same interval width
    _, low2, high2 = seed_bootstrap(np.vstack([values, values]), np.tile(np.arange(40), 2))
    assert high2[0] - low2[0] == pytest.approx(high[0] - low[0], rel=0.15)
    _, one_low, _ = seed_bootstrap(values[:3], np.zeros(3))
    assert np.isnan(one_low[0])


def test_two_sweeps_pair_by_point_and_seed_and_find_a_shift(tmp_path):
    a = load_side(write_sweep(tmp_path / "a"), "A")
    b = load_side(write_sweep(tmp_path / "b", shift=0.01, noise_seed=1), "B")
    assert list(a.kpis.columns) == [KPI, "merchant_credit.traditional.default_rate"]
    result = row(compare(a, b), KPI)
    assert result.n_pairs == 40 and result.n_seeds == 20
    assert result.ci_low < 0.01 < result.ci_high and result.ci_low > 0 and result.significant
    # pairing removes the large common seed effect: the interval is far narrower than the sd
    assert result.ci_high - result.ci_low < 0.005


def test_same_behaviour_other_noise_is_not_significant(tmp_path):
    a = load_side(write_sweep(tmp_path / "a"), "A")
    b = load_side(write_sweep(tmp_path / "b", noise_seed=5, extra=False), "B")
    result = row(compare(a, b), KPI)
    assert result.ci_low < 0 < result.ci_high and not result.significant


def test_modes_within_a_sweep(tmp_path):
    modes = compare_modes(load_side(write_sweep(tmp_path / "a"), "A"))
    result = row(modes, "merchant_credit.default_rate")
    assert result.delta < 0 and result.significant
    assert (modes.label_a, modes.label_b) == ("traditional", "innovated")


def test_two_runs_plain_deltas_then_cli_outputs(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(runner, "runner_for", lambda case: probe_case)
    run_a = sim.run_scenario(SCENARIO, seed=1, out=tmp_path, progress=False).run_dir
    run_b = sim.run_scenario(SCENARIO, seed=2, out=tmp_path, progress=False).run_dir
    comparison = compare(load_side(run_a), load_side(run_b, "B"))
    result = row(comparison, "merchant_credit.innovated.mean_draw")
    assert np.isnan(result.ci_low) and result.delta != 0
    assert "no confidence interval" in comparison.note and "seeds differ: 1 vs 2" in comparison.note
    out = tmp_path / "cmp"
    assert cli.main(["compare", str(run_a), str(run_b), "--out", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    assert "merchant_credit.innovated.mean_draw" in printed and "no confidence interval" in printed
    table = pd.read_csv(out / "compare.csv")
    assert {"kpi", "mean_a", "mean_b", "delta", "ci_low", "ci_high"} <= set(table.columns)
    assert (out / "compare.png").read_bytes()[:4] == b"\x89PNG"
    assert cli.main(["compare", str(run_a), "--out", str(out), "-q"]) == 0
    assert "merchant_credit.mean_draw" in capsys.readouterr().out


def test_bad_input_exits_2_with_one_line(tmp_path, capsys):
    sweep = write_sweep(tmp_path / "a")
    (tmp_path / "empty").mkdir()
    other = tmp_path / "other"
    other.mkdir()
    pd.DataFrame(
        [{"point": 0, "seed": 0, "status": "ok", "supply_chain.innovated.gas_used": 1.0}]
    ).to_parquet(other / "sweep.parquet")
    for b, message in (
        (tmp_path / "missing", "no such file or directory"),
        (tmp_path / "empty", "not a run directory"),
        (other, "differ from A's"),
    ):
        assert cli.main(["compare", str(sweep), str(b), "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err
        assert message in err and str(b) in err and len(err.strip().splitlines()) == 1
    with pytest.raises(ScenarioError, match="no \\(point, seed\\) row in common"):
        compare(load_side(sweep), load_side(write_sweep(tmp_path / "c", seeds=range(30, 33))))
