"""Case 3 — IoT equipment leasing: sensors → MQTT broker → device monitor → bank.

Both modes run on the same fleet and the same random streams: the innovated mode (by default
usage-based rent + real MQTT telemetry through the embedded amqtt broker) against the
traditional one (fixed rent + site inspections). Components start and stop inside the call; a
broker failure raises :class:`~sim.kernel.errors.BrokerError` after the months already finished
have been recorded.

What differs between the modes (everything else — fleet, lessees, applicants, projects,
shocks, random numbers — is shared) are the channels of ``equipment_leasing.channels``, each a
behaviour of agents in response to the product:

* **price_response**: lessees take a spot job when its margin beats the rent it adds under their
  tariff (fixed: 0; linear; all-units declining block: negative just below a tier threshold).
* **selection**: applicants for free machines choose the cheapest offered tariff at their expected
  hours and lease only if the margin covers it; the lessor screens them.
* **monitoring**: telemetry shows idling, relocation, misuse and faults the day they happen
  (inspections only on visit days); GPS finds a machine moved away.
* **remote_lock**: lessees in difficulty weigh a lock (loss of use soon) instead of a distant
  repossession when they choose to pay, pay partly or stop.
* **redeployment**: idle machines the lessor finds go to other customers via the dealer network.

With ``decomposition.enabled`` the run also splits the innovation effect by channel
(:mod:`sim.cases.equipment_leasing.decomposition`, on the in-memory telemetry fake).
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
