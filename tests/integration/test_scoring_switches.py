"""Case 2's new behaviours switched off give the old behaviour's KPIs (real sklearn model).

The expected values are the merchant_credit_small golden before collateral binding and
discouraged borrowers existed (commit 15cd457, seed 101, 600 merchants, 12 months).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import run_scenario

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]
#: The benchmark's 12 months: the shocks that start after day 365 are left out (none would act).
SMALL = [
    "months=12",
    "merchant_credit.merchants=600",
    "merchant_credit.shocks.platform_traffic=[]",
    "merchant_credit.shocks.rate_rise=[]",
    "merchant_credit.shocks.property_price=[]",
]
OFF = [
    "merchant_credit.population.mortgage_share_max=0",
    "merchant_credit.population.owner_equity_support_share=0",
    "merchant_credit.behaviour.request_sales_months=null",
    "merchant_credit.behaviour.knows_outcome_probability=0",
    "merchant_credit.behaviour.rejected_learn=false",
]
OLD = {
    "innovated.default_share_cumulative": 0.015385,
    "traditional.default_share_cumulative": 0.032258,
    "innovated.approval_rate_decisions": 0.58296,
    "innovated.limit_utilisation": 0.23202,
    "innovated.npl_ratio_end": 0.061004,
    "traditional.limit_utilisation": 0.058030,
    "traditional.approval_rate_decisions": 0.210884,
}


def _run(tmp_path: Path, overrides: list[str]) -> dict[str, float]:
    run = run_scenario(
        ROOT / "scenarios" / "merchant_credit.yaml",
        seed=101,
        overrides=SMALL + overrides,
        out=tmp_path,
        progress=False,
    )
    assert run.status == "ok"
    return {k.removeprefix("merchant_credit."): v for k, v in run.kpis.items()}


def test_every_switch_off_reproduces_the_old_kpis(tmp_path: Path) -> None:
    kpis = _run(tmp_path / "off", OFF)
    for name, old in OLD.items():
        assert kpis[name] == pytest.approx(old, abs=1e-6), name
    assert kpis["traditional.seekers_discouraged_share"] == 0
    assert kpis["traditional.request_bound_share"] == 0
