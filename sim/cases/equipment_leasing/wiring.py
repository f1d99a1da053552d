"""Case 3's wiring: per mode, the telemetry adapter, the model, the recorder and the collector.

The adapter is chosen by ``equipment_leasing.telemetry.adapter`` (``mqtt`` | ``fake``) for the
telemetry mode; the inspection mode always runs the site-inspection counterfactual.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from agents.equipment_leasing.model import CASE, EquipmentLeasingModel
from agents.equipment_leasing.population import DeviceTraits
from agents.equipment_leasing.schema import EquipmentLeasingConfig, ModeConfig
from products.telemetry.fake import InMemoryTelemetry
from products.telemetry.inspection import InspectionTelemetry
from products.telemetry.mqtt import MqttTelemetry
from products.telemetry.port import AlertSink, DeviceSpec, TelemetryPort
from sim.cases.base import CaseContext
from sim.cases.equipment_leasing.kpis import LeasingKpis

log = logging.getLogger(__name__)


def build_port(
    cfg: EquipmentLeasingConfig, mode: ModeConfig, devices: Sequence[DeviceSpec], sink: AlertSink
) -> TelemetryPort:
    """The telemetry adapter a mode asks for (opened; close it, e.g. with ``with``)."""
    tel = cfg.telemetry
    if mode.monitoring == "inspection":
        interval = cfg.inspection.interval_days
        return InspectionTelemetry(devices, tel.rules, sink, interval_days=interval)
    if tel.adapter == "fake":
        return InMemoryTelemetry(devices, tel.rules, sink, tel.max_payload_bytes)
    return MqttTelemetry(
        devices,
        tel.rules,
        sink,
        broker_url=tel.broker_url,
        max_payload_bytes=tel.max_payload_bytes,
        barrier_timeout_s=tel.barrier_timeout_s,
    ).open()


def run_mode(ctx: CaseContext, mode: str, devices: DeviceTraits) -> LeasingKpis:
    """Build and run one mode; returns its collector (monthly series and totals)."""
    started = time.perf_counter()
    kpis = run_quiet(ctx, ctx.case, mode, devices, record=True)
    wall_seconds = time.perf_counter() - started
    # wall time is provenance, not a KPI: summary.json must be identical for the same seed
    ctx.recorder.provenance(f"{CASE}.{mode}.wall_seconds", round(wall_seconds, 3))
    log.info("%s/%s done in %.1f s", CASE, mode, wall_seconds)
    return kpis


def run_quiet(
    ctx: CaseContext,
    cfg: EquipmentLeasingConfig,
    mode: str,
    devices: DeviceTraits,
    record: bool = False,
) -> LeasingKpis:
    """Run ``mode`` under ``cfg``; with ``record`` into the run's recorder (events, KPIs,
    totals, provenance), else only into the returned collector (the decomposition's runs)."""
    model = EquipmentLeasingModel(cfg, mode, devices, ctx.config.calendar, ctx.seeds)
    telemetry = model.mode.monitoring == "telemetry"
    kpis = LeasingKpis(ctx.recorder if record else None, mode, cfg, telemetry=telemetry)
    if record:
        ctx.recorder.subscribe(model.bus, CASE, mode)
    kpis.subscribe(model.bus)
    with build_port(cfg, model.mode, model.device_specs(), model.bank) as port:
        model.attach(port)
        if record:
            ctx.recorder.provenance(f"{CASE}.{mode}.telemetry", _describe(port, cfg, model.mode))
        model.run(progress=ctx.progress and record)
        stats = port.stats
    kpis.finish(stats)
    return kpis


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
