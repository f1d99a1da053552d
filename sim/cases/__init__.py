"""Registry of product cases: scenario key → ``module:function`` run entry point (lazy import)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from sim.cases.base import CaseContext, CaseRunner

if TYPE_CHECKING:
    from sim.cases.kpi_glossary import Kpi

CASES: dict[str, str] = {
    "supply_chain": "sim.cases.supply_chain:run",
    "merchant_credit": "sim.cases.merchant_credit:run",
    "equipment_leasing": "sim.cases.equipment_leasing:run",
}


def glossary(case: str | None = None) -> dict[str, dict[str, Kpi]]:
    """Every case's KPI glossary (case -> KPI name -> :class:`Kpi`), or only ``case``'s.

    The one source of KPI definitions, units and good directions that the report,
    ``docs/glossary.md``, the README and the dashboard read. Each entry is the definition text
    (a ``str``) with ``.unit``, ``.good`` (``higher``/``lower``/``neutral``) and ``.label``;
    ``Kpi.as_dict()`` gives plain JSON.

    Raises:
        KeyError: for a case that is not registered.
    """
    names = list(CASES) if case is None else [case]
    unknown = [name for name in names if name not in CASES]
    if unknown:
        raise KeyError(f"case {unknown[0]!r} is not one of {list(CASES)}")
    out: dict[str, dict[str, Kpi]] = {}
    for name in names:
        module = importlib.import_module(CASES[name].partition(":")[0] + ".kpis")
        out[name] = dict(module.GLOSSARY)
    return out


def runner_for(case: str) -> CaseRunner:
    """The run function of ``case``; imported only when the case is configured."""
    try:
        module_name, _, attr = CASES[case].partition(":")
    except KeyError:
        raise KeyError(f"no runner registered for case {case!r}") from None
    runner: CaseRunner = getattr(importlib.import_module(module_name), attr)
    return runner


__all__ = ["CASES", "CaseContext", "CaseRunner", "glossary", "runner_for"]
