"""Sweeps: points × seeds on worker processes and on a real Dask scheduler; reruns skip."""

import textwrap

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


@pytest.mark.model
def test_process_pool_sweep_then_skip(tmp_path, capsys):
    path = sweep_file(tmp_path)
    out = tmp_path / "out"
    assert cli.main(["sweep", str(path), "--out", str(out), "--workers", "2", "-q"]) == 0
    assert "sweep: 4 runs, 0 failed" in capsys.readouterr().out
    frame = run_sweep(path, out)  # everything finished: nothing re-runs
    assert len(frame) == 4 and set(frame["status"]) == {"ok"}
    assert sorted(frame["seed"]) == [1, 1, 2, 2]
    assert "merchant_credit.innovated.approval_rate" in frame.columns
    mtimes = {p.name: p.stat().st_mtime for p in (out / "runs").iterdir()}
    run_sweep(path, out)
    assert {p.name: p.stat().st_mtime for p in (out / "runs").iterdir()} == mtimes
    same_seed = frame[frame["seed"] == 1]
    assert same_seed["param:merchant_credit.innovated.pd_cutoff"].tolist() == [0.05, 0.1]


@pytest.mark.model
def test_dask_scheduler_sweep_matches_local(tmp_path):
    from distributed import LocalCluster

    path = sweep_file(tmp_path, "grid:\n  merchant_credit.innovated.pd_cutoff: [0.08]\n")
    local = run_sweep(path, tmp_path / "local", workers=1)
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_sweep(path, tmp_path / "dask", scheduler=cluster.scheduler_address)
    kpi = "merchant_credit.innovated.approval_rate"
    assert set(remote["status"]) == {"ok"}
    assert remote[kpi].tolist() == local[kpi].tolist()
