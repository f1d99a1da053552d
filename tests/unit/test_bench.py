"""Regression benchmarks: bands, failure on drift, --update re-baselining, bad bench files."""

import textwrap

import pytest
import yaml
from test_runner import probe_case

from sim import cli, runner
from sim.bench import Check, load_bench, run_bench, update_bench
from sim.kernel.errors import ScenarioError


@pytest.fixture
def bench_file(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "runner_for", lambda case: probe_case)
    (tmp_path / "probe.yaml").write_text("name: probe\nmonths: 1\nmerchant_credit: {}\n")
    path = tmp_path / "bench.yaml"
    path.write_text(
        textwrap.dedent("""\
        # golden KPI bands
        benchmarks:
          - name: probe
            scenario: probe.yaml
            seed: 1
            kpis:
              merchant_credit.innovated.mean_draw: {expected: 0.0, tolerance: 0.01}
        """)
    )
    return path


def test_check_band_logic():
    assert Check("b", "k", 0.5, 0.1, 0.55).ok
    assert not Check("b", "k", 0.5, 0.1, 0.65).ok
    assert not Check("b", "k", 0.5, 0.1, None).ok
    assert not Check("b", "k", 0.5, 0.1, float("nan")).ok


def test_drift_fails_then_update_rebaselines(bench_file, tmp_path, capsys):
    out = ["--out", str(tmp_path / "runs"), "-q"]
    assert cli.main(["bench", str(bench_file), *out]) == 1
    assert "FAIL probe: merchant_credit.innovated.mean_draw" in capsys.readouterr().out
    assert cli.main(["bench", str(bench_file), "--update", *out]) == 0
    assert bench_file.read_text().startswith("# golden KPI bands")
    expected = yaml.safe_load(bench_file.read_text())["benchmarks"][0]["kpis"]
    assert 0 < expected["merchant_credit.innovated.mean_draw"]["expected"] < 1
    assert cli.main(["bench", str(bench_file), *out]) == 0
    assert "bench: 1 within band, 0 out of band" in capsys.readouterr().out


def test_update_keeps_tolerances(bench_file, tmp_path):
    checks = run_bench(bench_file, tmp_path / "runs")
    update_bench(bench_file, checks)
    band = load_bench(bench_file).benchmarks[0].kpis["merchant_credit.innovated.mean_draw"]
    assert band.tolerance == 0.01


def test_bad_bench_files(tmp_path, bench_file):
    bad = tmp_path / "bad.yaml"
    bad.write_text("benchmarks:\n  - name: x\n    scenario: s.yaml\n    seed: -1\n    kpis: {}\n")
    with pytest.raises(ScenarioError, match=r"benchmarks\.0\.seed: -1"):
        load_bench(bad)
    with pytest.raises(ScenarioError, match="no benchmark named 'nope'"):
        run_bench(bench_file, tmp_path / "runs", only="nope")
