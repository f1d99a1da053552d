"""The golden benchmarks hold on this checkout: each watched KPI's distribution over its seed set.

Quick group (fake adapters, tiny sizes) in the default suite: the goldens hold, a +20% funding
rate is caught, a change of seed set alone is not. The full group (real components) and the quick
group on ten new seeds are `slow`.
"""

from pathlib import Path

import pytest

from sim.bench import load_bench, run_bench

BENCH = Path(__file__).resolve().parents[2] / "scenarios" / "benchmarks.yaml"
SUPPLY = "supply_chain_quick"


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
    # the bank's funding rate +20% (300 -> 360 bps): the programme's price moves on every seed
    shift = ("supply_chain.bank.pricing.funding_rate_bps=360",)
    result = run_bench(BENCH, tmp_path, only=SUPPLY, extra=shift)
    assert "supply_chain.innovated.financing_cost_annual_pct" in {c.kpi for c in result.failed}


def test_a_new_seed_set_alone_passes(tmp_path):
    result = run_bench(BENCH, tmp_path, only=SUPPLY, seeds=(61, 62, 63, 64))
    assert not result.failed, failures(result)
    assert {c.test.method for c in result.checks} == {"welch"}


@pytest.mark.slow
def test_full_goldens_hold_on_real_components(tmp_path):
    result = run_bench(BENCH, tmp_path, group="full")
    assert result.checks and not result.failed, failures(result)


@pytest.mark.slow
def test_quick_goldens_hold_on_a_larger_new_seed_set(tmp_path):
    seeds = tuple(range(70, 80))
    result = run_bench(BENCH, tmp_path, group="quick", seeds=seeds)
    assert not result.failed, failures(result)
