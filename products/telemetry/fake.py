"""In-memory telemetry: every batch reaches the monitor at the end of its tick, no transport."""

from __future__ import annotations

from products.telemetry.base import MonitoredTelemetry
from products.telemetry.port import Alert
from products.telemetry.schema import ReadingBatch


class InMemoryTelemetry(MonitoredTelemetry):
    """The fast fake of the telemetry port (same intake checks as the real adapter)."""

    def submit(self, batch: ReadingBatch) -> None:
        """Hand one batch to the intake of the open tick."""
        self.collector.accept(batch)

    def end_tick(self, tick: int, t_end_hours: float) -> list[Alert]:
        """Run the monitor over the tick's batches and send the alerts to the sink."""
        self._check_tick(tick)
        return self._deliver_frames(self.collector.close_tick_frames())
