"""The golden regression benchmarks hold on this checkout (real components, fixed seeds)."""

from pathlib import Path

from sim.bench import load_bench, run_bench

BENCH = Path(__file__).resolve().parents[2] / "scenarios" / "benchmarks.yaml"


def test_every_case_has_a_golden_benchmark():
    cases = {kpi.split(".")[0] for b in load_bench(BENCH).benchmarks for kpi in b.kpis}
    assert cases == {"merchant_credit", "supply_chain", "equipment_leasing"}


def test_golden_kpis_within_their_bands(tmp_path):
    checks = run_bench(BENCH, tmp_path)
    failed = [c for c in checks if not c.ok]
    assert checks and not failed, "\n".join(
        f"{c.benchmark}: {c.kpi} = {c.measured} not in {c.expected} ± {c.tolerance}" for c in failed
    )
