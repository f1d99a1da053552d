"""The runner: run directory layout, checkpoints, failure with partial results, reloading."""

import json

import pandas as pd
import pytest

import sim
from sim import runner
from sim.kernel.clock import TwinModel
from sim.kernel.errors import ChainError, OutputError, RunError

SCENARIO = {"name": "probe", "months": 2, "merchant_credit": {}}


def probe_case(ctx):
    """A tiny case: a counter per mode on the real engine, seeded from the case's seed tree."""
    for mode in ctx.config.modes:
        model = TwinModel(ctx.config.start_datetime, ctx.config.horizon_hours, ctx.seeds, mode)
        draws = []
        model.every(24, lambda m=model, d=draws: d.append(float(m.rng.random())))
        model.run(progress=False)
        ctx.recorder.event("merchant_credit", mode, 0.0, "start")
        ctx.recorder.kpi("merchant_credit", mode, 0, "mean_draw", sum(draws) / len(draws))
        ctx.recorder.total("merchant_credit", mode, "mean_draw", sum(draws) / len(draws))
    ctx.recorder.claim("merchant_credit", "probe", ">= 0", 1.0, True)


def failing_case(ctx):
    ctx.recorder.event("merchant_credit", "innovated", 1.0, "before-crash")
    ctx.recorder.total("merchant_credit", "innovated", "partial", 1)
    raise ChainError("anvil exited with code 1: boom")


@pytest.fixture
def use_case(monkeypatch):
    def install(fn):
        monkeypatch.setattr(runner, "runner_for", lambda case: fn)

    return install


def test_run_writes_the_run_directory(tmp_path, use_case):
    use_case(probe_case)
    result = sim.run_scenario(SCENARIO, seed=3, out=tmp_path, progress=False)
    assert result.status == "ok"
    assert result.run_dir.parent == tmp_path and result.run_dir.name.startswith("probe-")
    assert result.run_dir.name.endswith("-3")
    names = {p.name for p in result.run_dir.iterdir()}
    assert {
        "manifest.json",
        "summary.json",
        "kpis.parquet",
        "events.parquet",
        "report.html",
    } <= names
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["status"] == "ok" and manifest["seed"] == 3
    assert manifest["config"]["merchant_credit"]["merchants"] == 2000
    assert manifest["versions"]["numpy"]
    assert set(result.kpis) == {
        "merchant_credit.innovated.mean_draw",
        "merchant_credit.traditional.mean_draw",
    }
    assert result.claims[0]["claim"] == "probe"


def test_same_seed_same_kpis_and_different_seed_differs(tmp_path, use_case):
    use_case(probe_case)
    a = sim.run_scenario(SCENARIO, seed=3, out=tmp_path, progress=False)
    b = sim.run_scenario(SCENARIO, seed=3, out=tmp_path, progress=False)
    c = sim.run_scenario(SCENARIO, seed=4, out=tmp_path, progress=False)
    assert a.run_dir != b.run_dir
    assert a.kpis == b.kpis
    assert a.kpis != c.kpis
    # both modes saw the same random stream (common random numbers)
    assert (
        a.kpis["merchant_credit.innovated.mean_draw"]
        == a.kpis["merchant_credit.traditional.mean_draw"]
    )


def test_failed_run_keeps_partial_results_and_reason(tmp_path, use_case):
    use_case(failing_case)
    with pytest.raises(ChainError):
        sim.run_scenario(SCENARIO, out=tmp_path, progress=False)
    (run_dir,) = tmp_path.iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert "ChainError: anvil exited with code 1: boom" in manifest["error"]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["kpis"] == {
        "merchant_credit.innovated.partial": 1
    }
    assert list(pd.read_parquet(run_dir / "events.parquet")["kind"]) == ["before-crash"]
    assert "partial" in (run_dir / "report.html").read_text()
    assert sim.load_results(run_dir).status == "failed"


def test_load_results_round_trip_and_errors(tmp_path, use_case):
    use_case(probe_case)
    result = sim.run_scenario(SCENARIO, out=tmp_path, progress=False)
    loaded = sim.load_results(result.run_dir)
    assert loaded.kpis == result.kpis
    assert set(loaded.kpi_series()["mode"]) == {"innovated", "traditional"}
    assert len(loaded.events()) == 2
    with pytest.raises(RunError, match="not a run directory"):
        sim.load_results(tmp_path / "nope")


def test_config_object_with_overrides(tmp_path, use_case):
    use_case(probe_case)
    config = sim.load_scenario(SCENARIO)
    result = sim.run_scenario(config, overrides=["months=1"], out=tmp_path, progress=False)
    assert result.manifest["config"]["months"] == 1


def test_a_report_that_cannot_be_written_fails_the_run(tmp_path, use_case, monkeypatch):
    use_case(probe_case)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("sim.report.write_report", broken)
    with pytest.raises(OutputError, match=r"report\.html not written: OSError"):
        sim.run_scenario(SCENARIO, out=tmp_path, progress=False)
    (run_dir,) = tmp_path.iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert "No space left on device" in manifest["error"]
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "failed"
    assert not (run_dir / "report.html").exists()


def test_a_run_without_report_has_the_same_results_and_draws_nothing(tmp_path):
    """``report=False`` (sweeps, ``yinqi run --no-report``) skips report.html and the figures,
    a real case's included, and nothing else: same summary, KPI series and events."""
    scenario = {
        "name": "noreport",
        "months": 2,
        "supply_chain": {
            "ledger": {"adapter": "fake"},
            "population": {"tier1_count": 6, "tier2_count": 6},
        },
    }
    drawn = sim.run_scenario(scenario, seed=5, out=tmp_path / "a", progress=False)
    bare = sim.run_scenario(scenario, seed=5, out=tmp_path / "b", progress=False, report=False)
    assert drawn.report_path.is_file() and any((drawn.run_dir / "figures").iterdir())
    assert not bare.report_path.exists() and not (bare.run_dir / "figures").exists()
    assert bare.manifest["report"] is False and drawn.manifest["report"] is True
    assert bare.kpis == drawn.kpis and bare.claims == drawn.claims
    for name in ("kpis.parquet", "events.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(bare.run_dir / name), pd.read_parquet(drawn.run_dir / name)
        )
