"""DeviceMonitor: the bank's rules over device telemetry, evaluated on sim time only.

Rules are edge-triggered: an alert fires on the first reading where a condition becomes true and
the rule re-arms once the condition clears, so a device idling for a week raises one ``idle``
alert, not 168. Batches of a tick are stacked into ``(devices, readings)`` arrays (a
:class:`~products.telemetry.frame.TickFrame`) and every rule is a handful of numpy operations per
tick, whatever the fleet size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from products.telemetry.frame import TickFrame, frames_from_items
from products.telemetry.port import Alert, DeviceSpec
from products.telemetry.rules import (
    ARREARS_IDLE,
    FAULT,
    FUEL_RATE,
    GEOFENCE,
    IDLE,
    RULES,
    MonitorRules,
)
from products.telemetry.schema import ReadingBatch

_EPS_HOURS = 1e-6


class DeviceMonitor:
    """Stateful rule engine over the devices of one fleet.

    Args:
        devices: the fleet (fixes each device's row and fuel ceiling).
        rules: thresholds (the scenario's ``telemetry.rules`` section).
    """

    def __init__(self, devices: Sequence[DeviceSpec], rules: MonitorRules) -> None:
        self.rules = rules
        self.index = {spec.device_id: i for i, spec in enumerate(devices)}
        n = len(devices)
        self._fuel_max = np.array([s.fuel_max_litres_per_hour for s in devices], dtype=float)
        self._last = {k: np.full(n, np.nan) for k in ("t", "prod", "op", "fuel", "active")}
        self._state: dict[str, np.ndarray] = {rule: np.zeros(n, dtype=bool) for rule in RULES}
        self._faults: dict[int, frozenset[str]] = {}
        self._days_past_due = np.zeros(n, dtype=np.int64)

    def knows(self, device_id: str) -> bool:
        """Whether ``device_id`` belongs to the fleet."""
        return device_id in self.index

    def set_payment_status(self, device_id: str, days_past_due: int) -> None:
        """Record the lessee's days past due for the payment-aware rules."""
        self._days_past_due[self.index[device_id]] = days_past_due

    def ingest(self, batches: Sequence[ReadingBatch]) -> list[Alert]:
        """Apply every rule to the batches of one tick; returns the alerts, sorted."""
        return self.ingest_frames(frames_from_items(batches))

    def ingest_frames(self, frames: Sequence[TickFrame]) -> list[Alert]:
        """Apply every rule to one tick's frames (each device at most once); alerts sorted."""
        alerts: list[Alert] = []
        for frame in frames:
            alerts.extend(self._ingest_group(frame))
        return sorted(alerts)

    def _ingest_group(self, frame: TickFrame) -> list[Alert]:
        rows = np.array([self.index[d] for d in frame.device_ids])
        cols = {
            name: frame.column(name)
            for name in ("t_hours", "lat", "lon", "operating_hours", "idle_hours")
        }
        cols["fuel"] = frame.column("fuel_used_litres")
        cols["prod"] = cols["operating_hours"] - cols["idle_hours"]
        gap = self._idle_gap(rows, cols)
        alerts = self._vector_rules(rows, frame.device_ids, cols, gap)
        alerts += self._fault_rule(rows, frame)
        self._remember(rows, cols)
        return alerts

    def _previous(self, key: str, rows: np.ndarray, first: np.ndarray) -> np.ndarray:
        prev = self._last[key][rows]
        return np.where(np.isnan(prev), first, prev)

    def _idle_gap(self, rows: np.ndarray, cols: dict[str, np.ndarray]) -> np.ndarray:
        t, prod = cols["t_hours"], cols["prod"]
        prev_prod = self._previous("prod", rows, prod[:, 0])
        increased = np.diff(np.column_stack([prev_prod, prod]), axis=1) > _EPS_HOURS
        last_active = np.where(increased, t, -np.inf)
        start = self._previous("active", rows, t[:, 0])
        last_active = np.maximum.accumulate(np.column_stack([start, last_active]), axis=1)[:, 1:]
        cols["active"] = last_active
        return t - last_active

    def _vector_rules(
        self, rows: np.ndarray, ids: list[str], cols: dict[str, np.ndarray], gap: np.ndarray
    ) -> list[Alert]:
        r = self.rules
        dpd = self._days_past_due[rows][:, None]
        conditions = {
            IDLE: (gap > r.idle_hours, gap),
            GEOFENCE: (~r.allowed_region.contains(cols["lat"], cols["lon"]), cols["lat"]),
            FUEL_RATE: self._fuel_condition(rows, cols),
            ARREARS_IDLE: (
                (dpd >= r.arrears_days) & (gap > r.arrears_idle_hours),
                np.broadcast_to(dpd, gap.shape),
            ),
        }
        alerts = []
        for rule, (cond, value) in conditions.items():
            if rule in r.enabled:
                alerts += self._edges(rule, rows, ids, cols["t_hours"], cond, value)
        return alerts

    def _fuel_condition(
        self, rows: np.ndarray, cols: dict[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        op, fuel = cols["operating_hours"], cols["fuel"]
        d_op = np.diff(np.column_stack([self._previous("op", rows, op[:, 0]), op]), axis=1)
        d_fuel = np.diff(np.column_stack([self._previous("fuel", rows, fuel[:, 0]), fuel]), axis=1)
        judged = d_op >= self.rules.fuel_min_engine_hours
        rate = np.divide(d_fuel, d_op, out=np.zeros_like(d_fuel), where=judged)
        return judged & (rate > self._fuel_max[rows][:, None]), rate

    def _edges(
        self,
        rule: str,
        rows: np.ndarray,
        ids: list[str],
        t: np.ndarray,
        cond: np.ndarray,
        value: np.ndarray,
    ) -> list[Alert]:
        before = np.column_stack([self._state[rule][rows], cond[:, :-1]])
        self._state[rule][rows] = cond[:, -1]
        hit_rows, hit_cols = np.nonzero(cond & ~before)
        return [
            Alert(float(t[i, j]), ids[i], rule, round(float(value[i, j]), 3))
            for i, j in zip(hit_rows.tolist(), hit_cols.tolist(), strict=True)
        ]

    def _fault_rule(self, rows: np.ndarray, frame: TickFrame) -> list[Alert]:
        alerts: list[Alert] = []
        t = frame.column("t_hours")
        for k, (row, faults) in enumerate(zip(rows.tolist(), frame.faults, strict=True)):
            if faults or self._faults.get(row):
                alerts += self._fault_edges(row, frame.device_ids[k], faults, t[k])
        return alerts if FAULT in self.rules.enabled else []

    def _fault_edges(
        self, row: int, device_id: str, faults: tuple[tuple[int, str], ...], t_hours: np.ndarray
    ) -> list[Alert]:
        by_index: dict[int, set[str]] = {}
        for i, code in faults:
            by_index.setdefault(i, set()).add(code)
        active, last_i, alerts = self._faults.get(row, frozenset()), -1, []
        wanted = self.rules.fault_codes
        for i in sorted(by_index):
            if i > last_i + 1:
                active = frozenset()
            codes = frozenset(by_index[i])
            t = float(t_hours[i])
            alerts += [
                Alert(t, device_id, FAULT, 1.0, code)
                for code in sorted(codes - active)
                if not wanted or code in wanted
            ]
            active, last_i = codes, i
        self._faults[row] = active if last_i == len(t_hours) - 1 else frozenset()
        return alerts

    def _remember(self, rows: np.ndarray, cols: dict[str, np.ndarray]) -> None:
        self._last["t"][rows] = cols["t_hours"][:, -1]
        self._last["prod"][rows] = cols["prod"][:, -1]
        self._last["op"][rows] = cols["operating_hours"][:, -1]
        self._last["fuel"][rows] = cols["fuel"][:, -1]
        self._last["active"][rows] = cols["active"][:, -1]
