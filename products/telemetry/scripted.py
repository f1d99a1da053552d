"""Scripted devices: hour-by-hour states → reading batches (tests, benchmarks, demos).

A script is one character per hour: ``W`` working, ``I`` idling, ``O`` engine off. Fuel per
hour, location and fault codes can be overridden per hour, so a test can say exactly what a
device does and derive the alerts the rules must raise by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from products.telemetry.schema import ReadingBatch

WORK_FUEL_LITRES_PER_HOUR = 15.0
IDLE_FUEL_LITRES_PER_HOUR = 4.0


@dataclass
class ScriptedDevice:
    """A device whose every hour is dictated by a script; keeps its cumulative counters.

    Attributes:
        device_id: the device.
        lat: current latitude.
        lon: current longitude.
        operating_hours: cumulative engine hours.
        idle_hours: cumulative idle hours.
        fuel_used_litres: cumulative fuel.
    """

    device_id: str
    lat: float = 35.0
    lon: float = 115.0
    operating_hours: float = 1000.0
    idle_hours: float = 400.0
    fuel_used_litres: float = 20000.0
    _t: int = field(default=0, repr=False)

    def batch(
        self,
        tick: int,
        script: str,
        fuel: Mapping[int, float] | None = None,
        where: Mapping[int, tuple[float, float]] | None = None,
        faults: Mapping[int, tuple[str, ...]] | None = None,
    ) -> ReadingBatch:
        """The next ``len(script)`` hourly readings; override maps are keyed by sim hour."""
        fuel, where, faults = fuel or {}, where or {}, faults or {}
        rows, fault_pairs = [], []
        for i, state in enumerate(script):
            t = self._t + i
            self._apply(state, fuel.get(t), where.get(t))
            fault_pairs += [(i, code) for code in faults.get(t, ())]
            rows.append(self._reading(t, state))
        self._t += len(script)
        t, lat, lon, op, idle, litres, engine = np.array(rows, dtype=np.float64).T
        return ReadingBatch(
            device_id=self.device_id,
            tick=tick,
            t_hours=t,
            lat=lat,
            lon=lon,
            operating_hours=op,
            idle_hours=idle,
            fuel_used_litres=litres,
            engine_on=engine,
            faults=tuple(fault_pairs),
        )

    def _apply(self, state: str, fuel: float | None, where: tuple[float, float] | None) -> None:
        if state not in "WIO":
            raise ValueError(f"script state {state!r} must be one of W, I, O")
        if where is not None:
            self.lat, self.lon = where
        if state != "O":
            self.operating_hours += 1.0
            self.idle_hours += 1.0 if state == "I" else 0.0
            default = WORK_FUEL_LITRES_PER_HOUR if state == "W" else IDLE_FUEL_LITRES_PER_HOUR
            self.fuel_used_litres += default if fuel is None else fuel

    def _reading(self, t: int, state: str) -> tuple[float, ...]:
        return (
            float(t),
            self.lat,
            self.lon,
            self.operating_hours,
            self.idle_hours,
            self.fuel_used_litres,
            0.0 if state == "O" else 1.0,
        )
