"""Registry of product cases: scenario key → ``module:function`` run entry point (lazy import)."""

from __future__ import annotations

import importlib

from sim.cases.base import CaseContext, CaseRunner

CASES: dict[str, str] = {
    "supply_chain": "sim.cases.supply_chain:run",
    "merchant_credit": "sim.cases.merchant_credit:run",
    "equipment_leasing": "sim.cases.equipment_leasing:run",
}


def runner_for(case: str) -> CaseRunner:
    """The run function of ``case``; imported only when the case is configured."""
    try:
        module_name, _, attr = CASES[case].partition(":")
    except KeyError:
        raise KeyError(f"no runner registered for case {case!r}") from None
    runner: CaseRunner = getattr(importlib.import_module(module_name), attr)
    return runner


__all__ = ["CASES", "CaseContext", "CaseRunner", "runner_for"]
