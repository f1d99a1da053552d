"""yinqi-twin: a digital twin of bank–enterprise co-created financial products.

Public API for notebooks and sweeps::

    import sim
    config = sim.load_scenario("scenarios/baseline.yaml")
    result = sim.run_scenario(config, seed=1)
    again = sim.load_results(result.run_dir)

The names are loaded on first use, so importing the kernel (``sim.kernel``) from the lower floors
does not pull in the application (runner, cases) above them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.config import ScenarioConfig, load_scenario
    from sim.kernel.errors import SimError
    from sim.runner import RunResult, load_results, run_scenario

_EXPORTS = {
    "RunResult": "sim.runner",
    "ScenarioConfig": "sim.config",
    "SimError": "sim.kernel.errors",
    "load_results": "sim.runner",
    "load_scenario": "sim.config",
    "run_scenario": "sim.runner",
}

__all__ = [
    "RunResult",
    "ScenarioConfig",
    "SimError",
    "load_results",
    "load_scenario",
    "run_scenario",
]


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'sim' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)
