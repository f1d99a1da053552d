"""yinqi-twin: a digital twin of bank–enterprise co-created financial products.

Public API for notebooks and sweeps::

    import sim
    config = sim.load_scenario("scenarios/baseline.yaml")
    result = sim.run_scenario(config, seed=1)
    again = sim.load_results(result.run_dir)
"""

from sim.config import ScenarioConfig, load_scenario
from sim.errors import SimError
from sim.runner import RunResult, load_results, run_scenario

__all__ = [
    "RunResult",
    "ScenarioConfig",
    "SimError",
    "load_results",
    "load_scenario",
    "run_scenario",
]
