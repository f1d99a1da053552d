"""On-board sensors: a day's usage → hourly readings (ISO 15143-3 style counters) per device.

Engine hours run from the shift start; every engine hour splits into productive and idle
time by the lessee's idle share; fuel follows the class's rate per productive hour and the
idling rate, plus any misuse. Counters are cumulative over the device's life, as on a real
telematics unit, and keep counting across leases.

The sensors stay numpy arrays of ``(devices, 24)`` hourly columns rather than one agent each:
every device produces 24 readings a day whatever it does, and a Python call per device and hour
would cost far more than a few array operations per day, for no behaviour of their own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agents.equipment_leasing.operations import DayUsage
from agents.equipment_leasing.population import DeviceTraits
from agents.equipment_leasing.schema import FleetConfig
from products.telemetry.schema import ReadingBatch
from sim.kernel.calendar import HOURS_PER_DAY

HOURS = np.arange(HOURS_PER_DAY, dtype=np.float64)


class Sensors:
    """Cumulative counters of the fleet and the readings they produce.

    Args:
        devices: the fleet.
        fleet: the fleet section (shift start, idle fuel, when faults show).
    """

    def __init__(self, devices: DeviceTraits, fleet: FleetConfig) -> None:
        self.devices = devices
        self.start = fleet.shift_start_hour
        self.idle_fuel = fleet.idle_fuel_litres_per_hour
        self.fault_hours = fleet.fault_hours_after_shift_start
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
            by_device.setdefault(i, []).extend((self.start + h, code) for h in self.fault_hours)
        ticks = []
        for w, lo in enumerate(range(0, HOURS_PER_DAY, send_every_hours)):
            hi = lo + send_every_hours
            ticks.append(
                [
                    self._batch(i, cols, lo, hi, first_tick + w, by_device.get(i, ()))
                    for i in range(self.devices.count)
                ]
            )
        return ticks

    def _batch(
        self,
        i: int,
        cols: dict[str, np.ndarray],
        lo: int,
        hi: int,
        tick: int,
        faults: Sequence[tuple[int, str]],
    ) -> ReadingBatch:
        pairs = tuple((h - lo, code) for h, code in faults if lo <= h < hi)
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
