"""Distributional benchmarks: the test's false-alarm rate and power, paired vs Welch, --update with
its diff, a shifted behaviour caught, a seed-set change passed, wall-time warnings, bad files."""

import textwrap

import numpy as np
import pytest
import yaml

from sim import cli, runner
from sim.bench import Golden, kpi_test, load_bench, run_bench, seed_split_false_alarms
from sim.kernel.clock import TwinModel
from sim.kernel.errors import ScenarioError

KPI = "merchant_credit.innovated.default_rate"


def hazard_case(ctx):
    """A tiny behaviour: 300 borrowers default when their draw is below 10 × the hazard."""
    hazard = ctx.config.merchant_credit.health.failure_rate_annual * 10
    for mode in ctx.config.modes:
        model = TwinModel(ctx.config.start_datetime, ctx.config.horizon_hours, ctx.seeds, mode)
        rate = float((model.rng.random(300) < hazard).mean())
        ctx.recorder.total("merchant_credit", mode, "default_rate", rate)


@pytest.fixture
def bench_file(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "runner_for", lambda case: hazard_case)
    (tmp_path / "probe.yaml").write_text("name: probe\nmonths: 1\nmerchant_credit: {}\n")
    path = tmp_path / "bench.yaml"
    path.write_text(
        textwrap.dedent(f"""\
        # golden KPI distributions
        alpha: 0.01
        benchmarks:
          - name: probe
            group: quick
            scenario: probe.yaml
            seeds: [1, 2, 3, 4, 5, 6]
            kpis:
              {KPI}: {{}}
        """)
    )
    return path


def golden(values):
    values = np.asarray(values, dtype=float)
    return Golden(values=tuple(values), mean=values.mean(), sd=values.std(ddof=1))


def test_false_alarm_rate_and_power_of_the_welch_test():
    rng = np.random.default_rng(7)
    alpha, n = 0.01, 6
    unit = Golden(values=(0.0,) * n, mean=0.0, sd=1.0)
    shift = kpi_test(unit, [0.0] * n, paired=False, alpha=alpha).detectable
    assert 2.0 < shift < 3.0  # minimum detectable effect in sds for n = 6 per side, alpha 1%
    alarms = sum(
        not kpi_test(golden(rng.normal(0, 1, n)), list(rng.normal(0, 1, n)), False, alpha).ok
        for _ in range(1500)
    )
    detected = sum(
        not kpi_test(golden(rng.normal(0, 1, n)), list(rng.normal(shift, 1, n)), False, alpha).ok
        for _ in range(400)
    )
    assert 0.003 <= alarms / 1500 <= 0.02
    assert 0.6 <= detected / 400 <= 0.92


def test_paired_test_uses_the_common_seeds():
    rng = np.random.default_rng(3)
    base = rng.normal(0, 1, 6)
    gold = golden(base)
    assert kpi_test(gold, list(base), paired=True, alpha=0.01).p_value == 1.0
    shifted = kpi_test(gold, list(base + 0.3 + rng.normal(0, 0.01, 6)), paired=True, alpha=0.01)
    assert not shifted.ok and shifted.method == "paired"
    # the same shift between unpaired samples of sd 1 is noise
    assert kpi_test(gold, list(base + 0.3), paired=False, alpha=0.01).ok
    tolerant = Golden(values=gold.values, mean=gold.mean, sd=gold.sd, tolerance=0.5)
    assert kpi_test(tolerant, list(base + 0.3), paired=True, alpha=0.01).ok
    assert not kpi_test(gold, [float("nan")] * 6, paired=True, alpha=0.01).ok


def test_update_then_shift_fails_and_seed_change_passes(bench_file, tmp_path, capsys):
    out = ["--out", str(tmp_path / "runs"), "-q"]
    assert cli.main(["bench", str(bench_file), *out]) == 1  # no golden yet
    assert cli.main(["bench", str(bench_file), "--update", *out]) == 0
    printed = capsys.readouterr().out
    assert f"update probe: {KPI} mean none (sd none) -> " in printed
    assert bench_file.read_text().startswith("# golden KPI distributions")
    gold = load_bench(bench_file).benchmarks[0]
    assert len(gold.kpis[KPI].values) == 6 and gold.wall_time_s is not None
    assert cli.main(["bench", str(bench_file), *out]) == 0
    assert "bench: 1 KPIs unchanged, 0 changed" in capsys.readouterr().out
    hazard = ["--set", "merchant_credit.health.failure_rate_annual=0.024"]  # default 0.02, +20%
    assert cli.main(["bench", str(bench_file), *hazard, *out]) == 1
    assert f"FAIL probe: {KPI}" in capsys.readouterr().out
    assert cli.main(["bench", str(bench_file), "--seeds", "41,42,43,44,45,46", *out]) == 0
    assert "welch p" in capsys.readouterr().out


def test_wall_time_slowdown_is_a_warning_not_a_failure(bench_file, tmp_path, capsys):
    run_out = tmp_path / "runs"
    assert cli.main(["bench", str(bench_file), "--update", "--out", str(run_out), "-q"]) == 0
    data = yaml.safe_load(bench_file.read_text())
    data["benchmarks"][0]["wall_time_s"] = 1e-6
    bench_file.write_text(yaml.safe_dump(data))
    assert cli.main(["bench", str(bench_file), "--out", str(run_out), "-q"]) == 0
    assert "WARNING slower than tolerance: probe" in capsys.readouterr().out
    timing = run_bench(bench_file, run_out).timings[0]
    assert timing.slow and timing.measured_s > 0


def test_bad_bench_files_and_arguments(tmp_path, bench_file, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("benchmarks:\n- {name: x, scenario: s.yaml, seeds: [1, 1], kpis: {a.b.c: {}}}\n")
    with pytest.raises(ScenarioError, match=r"seeds: \[1, 1\] has repeats"):
        load_bench(bad)
    bad.write_text(
        "benchmarks:\n  - name: x\n    scenario: s.yaml\n    seeds: [1, 2]\n"
        "    kpis: {a.b.c: {values: [1.0, 2.0, 3.0]}}\n"
    )
    with pytest.raises(ScenarioError, match="3 values for 2 seeds"):
        load_bench(bad)
    with pytest.raises(ScenarioError, match="no benchmark named 'nope'"):
        run_bench(bench_file, tmp_path / "runs", only="nope")
    with pytest.raises(ScenarioError, match="no benchmark in group 'full'"):
        run_bench(bench_file, tmp_path / "runs", group="full")
    assert cli.main(["bench", str(bench_file), "--seeds", "1,x"]) == 2
    assert "--seeds: '1,x' must be comma-separated integers" in capsys.readouterr().err


def test_seed_split_false_alarms_on_one_behaviour():
    rng = np.random.default_rng(11)
    values = {f"k{i}": list(rng.lognormal(0, 0.5, 8)) for i in range(3)}
    alarms, comparisons = seed_split_false_alarms(values, size=3, alpha=0.05)
    assert comparisons == 56 * 10
    assert 0 < alarms / comparisons < 0.1  # skewed KPIs: near the nominal 5%, not far above
