"""Case 3 — IoT equipment leasing: sensors → MQTT broker → device monitor → bank.

Both modes run on the same fleet and the same random streams: the innovated mode (by default
usage-based rent + real MQTT telemetry through the embedded amqtt broker) against the
traditional one (fixed rent + site inspections). Components start and stop inside the call; a
broker failure raises :class:`~sim.kernel.errors.BrokerError` after the months already finished have
been recorded.

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

import logging
import time
from collections.abc import Sequence

from agents.leasing.market import Calendar, LeasingMarket
from agents.leasing.population import DeviceTraits, build_devices
from products.telemetry.fake import InMemoryTelemetry
from products.telemetry.inspection import InspectionTelemetry
from products.telemetry.monitor import Geofence, MonitorRules
from products.telemetry.mqtt import MqttTelemetry
from products.telemetry.port import AlertSink, DeviceSpec, TelemetryPort
from sim.cases.base import CaseContext
from sim.cases.equipment_leasing_kpis import ModeResult, record_claims, record_month, record_totals
from sim.config.equipment_leasing import EquipmentLeasingConfig, ModeConfig, RulesConfig
from sim.kernel.calendar import HOURS_PER_DAY
from sim.kernel.clock import TwinModel

log = logging.getLogger(__name__)
CASE = "equipment_leasing"


def monitor_rules(rules: RulesConfig) -> MonitorRules:
    """The scenario's rule section as the monitor's thresholds."""
    return MonitorRules(
        idle_hours=rules.idle_hours,
        geofence=Geofence(tuple(tuple(polygon) for polygon in rules.geofence)),
        fuel_min_engine_hours=rules.fuel_min_engine_hours,
        fault_codes=frozenset(rules.fault_codes),
        arrears_days=rules.arrears_days,
        arrears_idle_hours=rules.arrears_idle_hours,
        enabled=frozenset(rules.enabled),
    )


def build_port(
    cfg: EquipmentLeasingConfig, mode: ModeConfig, devices: Sequence[DeviceSpec], sink: AlertSink
) -> TelemetryPort:
    """The telemetry adapter a mode asks for (opened; close it, e.g. with ``with``)."""
    tel, rules = cfg.telemetry, monitor_rules(cfg.telemetry.rules)
    if mode.monitoring == "inspection":
        return InspectionTelemetry(devices, rules, sink, interval_days=cfg.inspection.interval_days)
    if tel.adapter == "fake":
        return InMemoryTelemetry(devices, rules, sink, tel.max_payload_bytes)
    return MqttTelemetry(
        devices,
        rules,
        sink,
        broker_url=tel.broker_url,
        max_payload_bytes=tel.max_payload_bytes,
        barrier_timeout_s=tel.barrier_timeout_s,
    ).open()


def run(ctx: CaseContext) -> None:
    """Run every configured mode on the same fleet and streams; record KPIs and claims."""
    cfg: EquipmentLeasingConfig = ctx.case
    devices = build_devices(cfg, ctx.seeds.child("population"))
    calendar = Calendar.build(ctx.config.start, ctx.config.horizon_days)
    results: dict[str, ModeResult] = {}
    for mode in ctx.config.modes:
        results[mode] = _run_mode(ctx, cfg, mode, devices, calendar)
    record_claims(ctx.recorder, results)


def _run_mode(
    ctx: CaseContext,
    cfg: EquipmentLeasingConfig,
    mode: str,
    devices: DeviceTraits,
    calendar: Calendar,
) -> ModeResult:
    started = time.perf_counter()
    mode_cfg: ModeConfig = getattr(cfg, mode)
    market = LeasingMarket(cfg, mode_cfg, devices, ctx.seeds.child("market"), calendar)
    model = TwinModel(
        ctx.config.start_datetime,
        ctx.config.horizon_hours,
        ctx.seeds.child("model", mode),
        label=f"{CASE}/{mode}",
    )
    result = ModeResult(mode=mode)
    with build_port(cfg, mode_cfg, market.device_specs(), market.bank) as port:
        market.attach(port)
        ctx.recorder.provenance(f"{CASE}.{mode}.telemetry", _describe(port, cfg, mode_cfg))

        def day_step() -> None:
            day = model.day
            market.step(day)
            _drain_events(ctx, mode, market)
            if calendar.is_month_end(day):
                record_month(ctx.recorder, mode, int(calendar.month_of_day[day]), market, result)

        model.every(HOURS_PER_DAY, day_step)
        model.run(progress=ctx.progress)
        stats = port.stats
    result.wall_seconds = time.perf_counter() - started
    # wall time is provenance, not a KPI: summary.json must be identical for the same seed
    ctx.recorder.provenance(f"{CASE}.{mode}.wall_seconds", round(result.wall_seconds, 3))
    record_totals(ctx.recorder, market, stats, result)
    log.info("%s/%s done in %.1f s", CASE, mode, result.wall_seconds)
    return result


def _drain_events(ctx: CaseContext, mode: str, market: LeasingMarket) -> None:
    events, market.bank.events = market.bank.events, []
    for e in events:
        ctx.recorder.event(CASE, mode, e.t_hours, e.kind, e.device, e.amount, **e.detail)


def _describe(
    port: TelemetryPort, cfg: EquipmentLeasingConfig, mode: ModeConfig
) -> dict[str, object]:
    if isinstance(port, MqttTelemetry):
        broker = port.broker_url or "embedded amqtt (child process)"
        return {
            "adapter": "mqtt",
            "broker": broker,
            "send_every_hours": cfg.telemetry.send_every_hours,
        }
    if isinstance(port, InspectionTelemetry):
        return {"adapter": "inspection", "interval_days": port.interval_days}
    return {"adapter": "fake", "pricing": mode.pricing}
