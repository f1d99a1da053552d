"""The telemetry port: how equipment sensors reach the bank's device monitor.

Agents (equipment) submit one :class:`~products.telemetry.schema.ReadingBatch` per device per tick
and then close the tick; the adapter delivers what the bank can observe to the
:class:`~products.telemetry.monitor.DeviceMonitor` and hands the resulting alerts to an
:class:`AlertSink` (the bank). Adapters:

* ``fake.InMemoryTelemetry`` — in-process, every reading observed at once (unit tests);
* ``mqtt.MqttTelemetry`` — real MQTT: per-device connections to an embedded amqtt broker (or an
  external one), monitor subscribed to ``device/+/data``, tick barrier on ``sim/tick``;
* ``inspection.InspectionTelemetry`` — the no-IoT counterfactual: the bank sees a device only when
  an inspector visits it, every N days.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, Self

from products.telemetry.schema import ReadingBatch


@dataclass(frozen=True, order=True)
class Alert:
    """One alert raised by a monitor rule, ordered by (time, device, rule).

    Attributes:
        t_hours: sim time of the reading that triggered the alert.
        device_id: the device.
        rule: rule name (``idle``, ``geofence``, ``fuel_rate``, ``fault``, ``arrears_idle``).
        value: the measured quantity (hours idle, litres/hour, days past due, ...).
        detail: extra text, e.g. the fault code.
    """

    t_hours: float
    device_id: str
    rule: str
    value: float = 0.0
    detail: str = ""


class AlertSink(Protocol):
    """Receives alerts (the bank's risk system)."""

    def send_alert(self, alert: Alert) -> None:
        """Take one alert."""
        ...


@dataclass(frozen=True)
class DeviceSpec:
    """A monitored device: its id and the fuel-rate ceiling of its equipment class."""

    device_id: str
    fuel_max_litres_per_hour: float


@dataclass
class TelemetryStats:
    """Counters of one adapter: what was handled, what was rejected and why.

    Attributes:
        batches_handled: valid batches accepted from the devices.
        readings_handled: readings the monitor evaluated (for inspections: site observations).
        ticks: ticks closed.
        alerts: alerts sent to the sink.
        observations: site inspections made (inspection adapter only).
        rejected: rejected messages by reason.
    """

    batches_handled: int = 0
    readings_handled: int = 0
    ticks: int = 0
    alerts: int = 0
    observations: int = 0
    rejected: Counter[str] = field(default_factory=Counter)

    @property
    def rejected_total(self) -> int:
        """All rejected messages, whatever the reason."""
        return sum(self.rejected.values())


class TelemetryPort(Protocol):
    """Sensors → (transport) → device monitor → bank."""

    @property
    def stats(self) -> TelemetryStats:
        """Counters so far."""
        ...

    def submit(self, batch: ReadingBatch) -> None:
        """Send one device's readings of the current tick."""
        ...

    def set_payment_status(self, device_id: str, days_past_due: int) -> None:
        """Tell the monitor the lessee's arrears (rules combining telemetry and payments)."""
        ...

    def end_tick(self, tick: int, t_end_hours: float) -> list[Alert]:
        """Close tick ``tick`` (readings up to ``t_end_hours``) and return the alerts it raised.

        Every batch submitted for ``tick`` is handled before this returns (the tick barrier);
        the alerts, sorted, have also been sent to the sink.
        """
        ...

    def close(self) -> None:
        """Release connections and processes; idempotent."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
