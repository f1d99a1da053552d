"""Case 1 scenario level on the fake ledger: every new behaviour switched off gives the old KPIs;
switched on, innovated suppliers can still fail when demand slumps."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

import sim
from sim.cases.supply_chain.kpis import GLOSSARY

SCENARIO: dict[str, Any] = {
    "name": "sc-switches",
    "start": "2025-01-01",
    "months": 6,
    "seed": 7,
    "modes": ["innovated", "traditional"],
    "supply_chain": {
        "ledger": {"adapter": "fake"},
        "population": {"tier1_count": 20, "tier2_count": 20},
        "adversaries": {"count": 2},
    },
}
OFF = {
    "population": {"demand": {"enabled": False}},
    "core": {"credit": {"enabled": False}, "terms": {"enabled": False}},
    "bank": {"pricing": {"risk_based": False}},
    "financing": {"price_gap": False},
}
# SCENARIO's KPIs from the code before these behaviours (commit 8205a0c)
OLD: dict[str, float] = {
    "innovated.approval_rate": 1.0,
    "innovated.applications": 232,
    "innovated.financed_volume_cny": 90157423.84,
    "innovated.financing_cost_annual_pct": 4.539081307171954,
    "innovated.financing_cycle_hours_p50": 0.5015115299858053,
    "innovated.supplier_failures": 0,
    "innovated.fraud_succeeded": 0,
    "innovated.tx_count": 885,
    "innovated.tx_reverted": 17,
    "innovated.financed_share_of_receivables": 0.9889368572727465,
    "traditional.approval_rate": 0.4117647058823529,
    "traditional.applications": 17,
    "traditional.financed_volume_cny": 4043077.76,
    "traditional.financing_cost_annual_pct": 7.983382780835998,
    "traditional.financing_cycle_hours_p50": 131.19026189824717,
    "traditional.fraud_succeeded": 3,
    "traditional.fraud_loss_cny": 1664189.9,
    "traditional.tx_count": 667,
    "traditional.tx_reverted": 20,
    "traditional.financed_share_of_receivables": 0.044340630344223565,
}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        out[key] = _merge(out.get(key, {}), value) if isinstance(value, dict) else value
    return out


def _kpis(tmp_path: Path, name: str, case: dict[str, Any], **top: Any) -> dict[str, Any]:
    scenario = {**SCENARIO, **top, "supply_chain": _merge(SCENARIO["supply_chain"], case)}
    result = sim.run_scenario(scenario, out=tmp_path / name, progress=False)
    return {k.removeprefix("supply_chain."): v for k, v in result.kpis.items()}


def test_every_behaviour_switched_off_gives_the_old_kpis(tmp_path: Path) -> None:
    off = _kpis(tmp_path, "off", OFF)
    for name, old in OLD.items():
        assert off[name] == pytest.approx(old, rel=1e-9), name
    on = _kpis(tmp_path, "on", {})
    assert on["innovated.payment_terms_days_mean"] > on["traditional.payment_terms_days_mean"]
    assert on["traditional.payment_terms_days_mean"] > off["traditional.payment_terms_days_mean"]
    assert on["innovated.programme_rate_bps_mean"] != 450
    undefined = {k.split(".", 1)[1] for k in on} - set(GLOSSARY)
    assert {k for k in undefined if not k.startswith("gas_per_")} == set()


def test_an_innovated_supplier_can_fail_when_demand_slumps(tmp_path: Path) -> None:
    lean = {"fund_operating_cycle": False, "cash_buffer_months": 1.0}  # a month of cash
    window = {"start_day": 10, "end_day": 365, "magnitude": -0.7}
    slump = {"population": {**lean, "demand": {"shocks": [window]}}}
    calm = _kpis(tmp_path, "calm", {"population": lean}, modes=["innovated"], months=9)
    hit = _kpis(tmp_path, "slump", slump, modes=["innovated"], months=9)
    assert hit["innovated.supplier_failures"] > calm["innovated.supplier_failures"]
