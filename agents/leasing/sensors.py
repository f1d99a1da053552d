"""On-board sensors: a day's usage → hourly readings (ISO 15143-3 style counters) per device.

Engine hours run from the shift start; every engine hour splits into productive and idle
time by the lessee's idle share; fuel follows the class's rate per productive hour and the
idling rate, plus any misuse. Counters are cumulative over the device's life, as on a real
telematics unit, and keep counting across leases.
"""

from __future__ import annotations

import numpy as np

from agents.leasing.operations import DayUsage
from agents.leasing.population import DeviceTraits
from products.telemetry.schema import ReadingBatch

HOURS = np.arange(24, dtype=np.float64)
FAULT_HOURS_AFTER_SHIFT_START = (1, 2)


class Sensors:
    """Cumulative counters of the fleet and the readings they produce.

    Args:
        devices: the fleet.
        shift_start_hour: hour of day the engines start.
        idle_fuel_litres_per_hour: fuel burnt per idle hour.
    """

    def __init__(
        self, devices: DeviceTraits, shift_start_hour: int, idle_fuel_litres_per_hour: float
    ) -> None:
        self.devices = devices
        self.start = shift_start_hour
        self.idle_fuel = idle_fuel_litres_per_hour
        n = devices.count
        self.operating_hours = np.zeros(n)
        self.idle_hours = np.zeros(n)
        self.fuel_used_litres = np.zeros(n)

    def day_readings(
        self, day: int, usage: DayUsage, idle_share: np.ndarray, lat: np.ndarray, lon: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Hourly columns ``(devices, 24)`` of one day; advances the counters."""
        after_start = np.clip(HOURS[None, :] - self.start, 0, None)
        on = np.clip(usage.engine_hours[:, None] - after_start, 0.0, 1.0) * (self.start <= HOURS)
        idle = on * idle_share[:, None]
        fuel = (on - idle) * self.devices.fuel_litres_per_hour[:, None] + idle * self.idle_fuel
        fuel += on * usage.extra_fuel_litres_per_hour[:, None]
        cols = {
            "t_hours": np.broadcast_to(day * 24.0 + HOURS, on.shape),
            "lat": np.broadcast_to(lat[:, None], on.shape),
            "lon": np.broadcast_to(lon[:, None], on.shape),
            "operating_hours": self.operating_hours[:, None] + np.cumsum(on, axis=1),
            "idle_hours": self.idle_hours[:, None] + np.cumsum(idle, axis=1),
            "fuel_used_litres": self.fuel_used_litres[:, None] + np.cumsum(fuel, axis=1),
            "engine_on": (on > 0).astype(np.float64),
        }
        self.operating_hours = cols["operating_hours"][:, -1].copy()
        self.idle_hours = cols["idle_hours"][:, -1].copy()
        self.fuel_used_litres = cols["fuel_used_litres"][:, -1].copy()
        return cols

    def batches(
        self,
        cols: dict[str, np.ndarray],
        faults: tuple[tuple[int, str], ...],
        first_tick: int,
        send_every_hours: int,
    ) -> list[list[ReadingBatch]]:
        """Split a day's columns into send windows: one list of batches per tick."""
        by_device: dict[int, list[tuple[int, str]]] = {}
        for i, code in faults:
            by_device.setdefault(i, []).extend(
                (self.start + h, code) for h in FAULT_HOURS_AFTER_SHIFT_START
            )
        ticks = []
        for w, lo in enumerate(range(0, 24, send_every_hours)):
            hi = lo + send_every_hours
            ticks.append(
                [
                    self._batch(i, cols, lo, hi, first_tick + w, by_device.get(i, ()))
                    for i in range(self.devices.count)
                ]
            )
        return ticks

    def _batch(
        self, i: int, cols: dict[str, np.ndarray], lo: int, hi: int, tick: int, faults: object
    ) -> ReadingBatch:
        pairs = tuple((h - lo, code) for h, code in faults if lo <= h < hi)  # type: ignore[attr-defined]
        return ReadingBatch(
            device_id=self.devices.device_ids[i],
            tick=tick,
            t_hours=cols["t_hours"][i, lo:hi],
            lat=cols["lat"][i, lo:hi],
            lon=cols["lon"][i, lo:hi],
            operating_hours=cols["operating_hours"][i, lo:hi],
            idle_hours=cols["idle_hours"][i, lo:hi],
            fuel_used_litres=cols["fuel_used_litres"][i, lo:hi],
            engine_on=cols["engine_on"][i, lo:hi],
            faults=pairs,
        )
