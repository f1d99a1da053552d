"""The no-IoT counterfactual: the bank learns a device's state only when an inspector visits.

Sensors still produce the ground truth (the same agents run in both modes), but this adapter
shows the monitor nothing except what a site visit would see: on the device's inspection days,
at the end of the day, the hour meter, the fuel log, the location and the faults showing at that
moment. The same rules then run on those sparse observations, so idling, relocation and misuse
surface only at the next visit.
"""

from __future__ import annotations

from collections.abc import Sequence

from products.telemetry.base import DEFAULT_MAX_PAYLOAD_BYTES, MonitoredTelemetry
from products.telemetry.port import Alert, AlertSink, DeviceSpec
from products.telemetry.rules import MonitorRules
from products.telemetry.schema import ReadingBatch
from sim.kernel.calendar import HOURS_PER_DAY


def snapshot(batch: ReadingBatch, index: int = -1) -> ReadingBatch:
    """What an inspector sees: the single reading ``index`` of ``batch``."""
    i = index % len(batch)
    arrays = {
        name: getattr(batch, name)[i : i + 1]
        for name in ("t_hours", "lat", "lon", "operating_hours", "idle_hours")
    }
    return ReadingBatch(
        device_id=batch.device_id,
        tick=batch.tick,
        fuel_used_litres=batch.fuel_used_litres[i : i + 1],
        engine_on=batch.engine_on[i : i + 1],
        faults=tuple((0, code) for j, code in batch.faults if j == i),
        **arrays,
    )


class InspectionTelemetry(MonitoredTelemetry):
    """Periodic site inspections instead of telemetry.

    Args:
        devices: the fleet; device ``k`` is first visited on day ``k % interval_days`` so the
            inspectors' workload is spread evenly.
        rules: monitor thresholds (applied to the observations).
        sink: receives every alert (the bank).
        interval_days: days between two visits of the same device.
        max_payload_bytes: kept for symmetry with the other adapters.
    """

    def __init__(
        self,
        devices: Sequence[DeviceSpec],
        rules: MonitorRules,
        sink: AlertSink,
        *,
        interval_days: int = 30,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
    ) -> None:
        if interval_days < 1:
            raise ValueError(f"interval_days: {interval_days} must be >= 1")
        super().__init__(devices, rules, sink, max_payload_bytes)
        self.interval_days = interval_days
        self._offset = {spec.device_id: k % interval_days for k, spec in enumerate(devices)}
        self._latest: dict[str, ReadingBatch] = {}

    def submit(self, batch: ReadingBatch) -> None:
        """Record the device's true state; nobody at the bank sees it yet."""
        self.collector.accept(batch)

    def end_tick(self, tick: int, t_end_hours: float) -> list[Alert]:
        """At the end of a day, inspect the devices due that day and run the rules."""
        self._check_tick(tick)
        for batch in self.collector.close_tick():
            self._latest[batch.device_id] = batch
        if t_end_hours % HOURS_PER_DAY:
            return []
        day = int(t_end_hours // HOURS_PER_DAY) - 1
        due = [
            snapshot(batch)
            for device_id, batch in sorted(self._latest.items())
            if (day - self._offset[device_id]) % self.interval_days == 0
        ]
        self.stats.observations += len(due)
        return self._deliver(due)
