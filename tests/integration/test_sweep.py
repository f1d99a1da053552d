"""Sweeps: points × seeds on worker processes and on a real Dask scheduler; reruns skip."""

import textwrap

import pandas as pd
import pytest

from sim import cli
from sim.kernel.errors import ScenarioError
from sim.sweep import load_spec, plan, run_sweep


def sweep_file(tmp_path, grid="grid:\n  merchant_credit.innovated.pd_cutoff: [0.05, 0.1]\n"):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: sw\nmonths: 1\nmerchant_credit: {merchants: 60}\n")
    path = tmp_path / "sweep.yaml"
    path.write_text(
        "scenario: s.yaml\nseeds: [1, 2]\n"
        "overrides: [merchant_credit.scoring.training_merchants=300]\n" + textwrap.dedent(grid)
    )
    return path


def test_plan_expands_grid_zip_and_seeds(tmp_path):
    path = sweep_file(
        tmp_path,
        "grid:\n  merchant_credit.innovated.pd_cutoff: [0.05, 0.1]\n"
        "zip:\n  seed_note_a.x: [1, 2]\n  seed_note_b.y: [3, 4]\n",
    )
    spec = load_spec(path)
    points = spec.point_list()
    assert len(points) == 4
    assert points[1] == {
        "merchant_credit.innovated.pd_cutoff": 0.05,
        "seed_note_a.x": 2,
        "seed_note_b.y": 4,
    }


def test_plan_validates_every_point_before_running(tmp_path):
    path = sweep_file(tmp_path, "grid:\n  merchant_credit.innovated.pd_cutoff: [0.05, 7]\n")
    with pytest.raises(ScenarioError, match=r"merchant_credit\.innovated\.pd_cutoff: 7"):
        plan(load_spec(path), path.parent / "s.yaml")


def test_bad_sweep_files(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("scenario: s.yaml\nseeds: []\nzip: {a: [1], b: [1, 2]}\n")
    with pytest.raises(ScenarioError, match="seeds"):
        load_spec(path)


def test_keys_are_stable_and_distinct(tmp_path):
    path = sweep_file(tmp_path)
    first = [t.key for t in plan(load_spec(path), path.parent / "s.yaml").tasks]
    again = [t.key for t in plan(load_spec(path), path.parent / "s.yaml").tasks]
    assert first == again and len(set(first)) == 4


def comparable(frame):
    """The sweep table without what names where and how long (folders, wall time)."""
    return frame.drop(columns=["run_dir", "wall_time_s"]).reset_index(drop=True)


@pytest.mark.model
def test_same_table_whatever_workers_and_backend(tmp_path, capsys, monkeypatch):
    from distributed import LocalCluster

    # run keys include the code version; other commits landing during the test must not change it
    monkeypatch.setattr("sim.sweep._git_sha", lambda: "test-version")

    path = sweep_file(tmp_path)
    out = tmp_path / "two"
    assert cli.main(["sweep", str(path), "--out", str(out), "--workers", "2", "-q"]) == 0
    assert "sweep: 4 runs, 0 failed" in capsys.readouterr().out
    frame = pd.read_parquet(out / "sweep.parquet")
    assert set(frame["status"]) == {"ok"}
    assert frame["seed"].tolist() == [1, 1, 2, 2]  # replicate-major: every point's first seed
    assert frame["replicate"].tolist() == [0, 0, 1, 1] and frame["order"].tolist() == [0, 1, 2, 3]
    assert frame["param:merchant_credit.innovated.pd_cutoff"].tolist() == [0.05, 0.1] * 2
    assert frame["scenario_hash"].nunique() == 1 and frame["config_hash"].nunique() == 4
    assert frame["code_version"].nunique() == 1 and frame["wall_time_s"].gt(0).all()
    assert "merchant_credit.innovated.approval_rate" in frame.columns
    assert not list((out / "runs").glob("*/report.html"))  # sweeps draw nothing by default
    mtimes = {p.name: p.stat().st_mtime for p in (out / "runs").iterdir()}
    again = run_sweep(path, out)  # everything finished: nothing re-runs
    assert {p.name: p.stat().st_mtime for p in (out / "runs").iterdir()} == mtimes
    pd.testing.assert_frame_equal(comparable(again), comparable(frame))
    one = run_sweep(path, tmp_path / "one", workers=1)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        dask = run_sweep(path, tmp_path / "dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(comparable(one), comparable(frame))
    pd.testing.assert_frame_equal(comparable(dask), comparable(frame))


@pytest.mark.model
def test_reports_asked_for_rerun_finished_runs_without_one(tmp_path, monkeypatch):
    monkeypatch.setattr("sim.sweep._git_sha", lambda: "test-version")
    path = sweep_file(tmp_path, "grid:\n  merchant_credit.innovated.pd_cutoff: [0.05]\n")
    path.write_text(path.read_text().replace("seeds: [1, 2]", "seeds: [1]"))
    bare = run_sweep(path, tmp_path / "out", workers=1)
    run_dir = tmp_path / "out" / "runs" / bare["run_key"].iloc[0]
    assert not (run_dir / "report.html").exists()
    path.write_text(path.read_text() + "reports: true\n")
    drawn = run_sweep(path, tmp_path / "out", workers=1)
    assert (run_dir / "report.html").is_file() and any((run_dir / "figures").iterdir())
    pd.testing.assert_frame_equal(comparable(drawn), comparable(bare))


@pytest.mark.chain
def test_a_failed_run_is_a_row_and_the_sweep_goes_on(tmp_path, monkeypatch):
    scenario = tmp_path / "sc.yaml"
    scenario.write_text(
        "name: sc\nmonths: 1\nsupply_chain: {population: {tier1_count: 5, tier2_count: 5}, "
        "adversaries: {count: 0}}\n"
    )
    path = tmp_path / "sweep.yaml"
    path.write_text(
        "scenario: sc.yaml\nseeds: [7]\ngrid:\n  supply_chain.ledger.adapter: [anvil, revm]\n"
    )
    monkeypatch.setenv("ANVIL_PATH", str(tmp_path / "no-anvil"))  # workers inherit it
    frame = run_sweep(path, tmp_path / "out", workers=2)
    assert frame["status"].tolist() == ["failed", "ok"]
    assert "ChainError: ANVIL_PATH=" in frame["error"].iloc[0]
    assert frame["ledger"].tolist() == ["anvil", "revm"]
    assert frame["supply_chain.innovated.applications"].notna().iloc[1]


def test_sensitivity_command_on_the_twin(tmp_path, capsys):
    (tmp_path / "sc.yaml").write_text(
        "name: sc\nmonths: 1\nsupply_chain: {population: {tier1_count: 5, tier2_count: 5}, "
        "adversaries: {count: 0}}\n"
    )
    study = tmp_path / "study.yaml"
    study.write_text(
        "scenario: sc.yaml\nseeds: [3]\nmethod: morris\nsamples: 2\n"
        "overrides: [supply_chain.ledger.adapter=fake]\n"
        "parameters:\n  supply_chain.bank.pricing.funding_rate_bps: {low: 150, high: 450, "
        "integer: true}\n"
        "  supply_chain.core.term_days_mean: {low: 60, high: 120}\n"
        "kpis: [supply_chain.innovated.programme_rate_bps_mean]\n"
    )
    assert cli.main(["sensitivity", str(study), "--plan"]) == 0
    assert "morris: 2 parameters, 6 points × 1 seeds = 6 runs" in capsys.readouterr().out
    out = tmp_path / "out"
    assert cli.main(["sensitivity", str(study), "--out", str(out), "--workers", "2", "-q"]) == 0
    table = pd.read_csv(out / "sensitivity.csv").set_index("parameter")
    # the programme rate is funding + risk + capital + cost: the funding rate must move it
    assert table.loc["supply_chain.bank.pricing.funding_rate_bps", "mu_star"] > 0
    assert (out / "figures" / "morris_supply_chain.innovated.programme_rate_bps_mean.png").is_file()
    runs = pd.read_parquet(out / "sweep.parquet")
    assert len(runs) == 6 and set(runs["ledger"]) == {"fake"} and set(runs["design"]) == {"morris"}
    study.write_text(study.read_text().replace("samples: 2", "samples: 2\nlevels: 3"))
    assert cli.main(["sensitivity", str(study), "--out", str(out)]) == 2
    assert "levels: 3 must be even" in capsys.readouterr().err
