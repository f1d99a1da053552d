"""The golden benchmarks hold on this checkout: each watched KPI's distribution over its seed set.

Quick group (fake adapters, tiny sizes) in the default suite: the goldens hold, a +20% default
hazard is caught, a change of seed set alone is not. The full group (real components) is `slow`.
"""

from pathlib import Path

import pytest

from sim.bench import load_bench, run_bench

BENCH = Path(__file__).resolve().parents[2] / "scenarios" / "benchmarks.yaml"
LEASING = "equipment_leasing_quick"


def failures(result):
    return "\n".join(
        f"{c.benchmark}: {c.kpi} mean {c.test.mean} vs golden {c.test.golden_mean} "
        f"(p {c.test.p_value:.3g} < {c.test.alpha:.3g})"
        for c in result.failed
    )


def test_every_case_has_a_golden_benchmark_in_each_group():
    spec = load_bench(BENCH)
    for group in ("quick", "full"):
        chosen = [b for b in spec.benchmarks if b.group == group]
        cases = {kpi.split(".")[0] for b in chosen for kpi in b.kpis}
        assert cases == {"merchant_credit", "supply_chain", "equipment_leasing"}
        assert all(len(g.values) == len(b.seeds) for b in chosen for g in b.kpis.values())


def test_quick_goldens_hold(tmp_path):
    result = run_bench(BENCH, tmp_path, group="quick")
    assert result.checks and not result.failed, failures(result)
    assert all(t.measured_s > 0 for t in result.timings)


def test_a_shifted_behaviour_fails(tmp_path):
    # lessees' clients default on 20% more of their bills (bad_debt_share 0.03 -> 0.036)
    shift = ("equipment_leasing.lessee.bad_debt_share=0.036",)
    result = run_bench(BENCH, tmp_path, only=LEASING, extra=shift)
    assert result.failed, "a +20% bad-debt hazard went unnoticed"


def test_a_new_seed_set_alone_passes(tmp_path):
    result = run_bench(BENCH, tmp_path, only=LEASING, seeds=(61, 62, 63, 64))
    assert not result.failed, failures(result)
    assert {c.test.method for c in result.checks} == {"welch"}


@pytest.mark.slow
def test_full_goldens_hold_on_real_components(tmp_path):
    result = run_bench(BENCH, tmp_path, group="full")
    assert result.checks and not result.failed, failures(result)


@pytest.mark.slow
def test_full_merchant_default_hazard_plus_20_percent_fails(tmp_path):
    shift = ("merchant_credit.health.failure_rate_annual=0.024",)  # default 0.02
    result = run_bench(BENCH, tmp_path, only="merchant_credit_small", extra=shift)
    assert result.failed, "a +20% merchant failure hazard went unnoticed"
