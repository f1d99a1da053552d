"""Case 3 — IoT equipment leasing: sensors → MQTT broker → device monitor → bank.

Both modes run on the same fleet and the same random streams: the innovated mode (by default
usage-based rent + real MQTT telemetry through the embedded amqtt broker) against the
traditional one (fixed rent + site inspections). Components start and stop inside the call; a
broker failure raises :class:`~sim.kernel.errors.BrokerError` after the months already finished
have been recorded.

What differs between the modes (everything else — fleet, lessees, projects, shocks, random
numbers — is shared):

* **Rent**: tiered usage rent is revenue-neutral at the reference hours, cheaper in slack months
  (cash-flow relief → fewer arrears) but it puts a marginal price on every hour, so lessees take
  fewer low-margin spot jobs than under fixed rent (marginal rent 0).
* **What the bank sees**: telemetry shows idling, relocation, fuel misuse and faults the day they
  happen; inspections only on visit days, and a parked machine only after two visits.
* **What the bank can do**: calls on idle alerts (the maker's network may find the machine
  work), restructuring unless misuse was seen, remote lock (telemetry only), repossession that is
  faster and surer when the machine can be located by GPS.
"""

from __future__ import annotations

from agents.equipment_leasing.population import build_devices
from sim.cases.base import CaseContext
from sim.cases.equipment_leasing.decomposition import decompose, record_decomposition
from sim.cases.equipment_leasing.kpis import CASE, GLOSSARY, LeasingKpis
from sim.cases.equipment_leasing.report import record_claims
from sim.cases.equipment_leasing.wiring import run_mode


def run(ctx: CaseContext) -> None:
    """Run every configured mode on the same fleet and streams; record KPIs and claims."""
    ctx.recorder.define(CASE, GLOSSARY)
    devices = build_devices(ctx.case, ctx.seeds.child("population"))
    results: dict[str, LeasingKpis] = {}
    for mode in ctx.config.modes:
        results[mode] = run_mode(ctx, mode, devices)
    record_claims(ctx.recorder, results)
    both = {"innovated", "traditional"} <= set(results)
    if both and ctx.case.decomposition.enabled:
        base, full = results["traditional"].totals, results["innovated"].totals
        record_decomposition(ctx.recorder, decompose(ctx, devices, base, full))


__all__ = ["run"]
