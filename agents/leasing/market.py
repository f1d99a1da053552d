"""One mode of the leasing market, stepped daily: lessees work and pay, sensors report, bank acts.

The telemetry port is injected (the case wires the MQTT adapter, the fake or the inspection
adapter); the bank is its alert sink. Per day: bill on month starts, run the lessees' day,
move cash, send the day's readings tick by tick through the port (the tick barrier makes the
bank's alerts depend on sim data only), then let the bank act.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from agents.leasing.bank import LeasingBank
from agents.leasing.book import ACTIVE, DAYS_PER_MONTH, LeaseBook
from agents.leasing.operations import Operations, draw_day
from agents.leasing.population import DeviceTraits
from agents.leasing.sensors import Sensors
from agents.leasing.tariffs import Tariff
from products.telemetry.port import DeviceSpec, TelemetryPort
from sim.config.equipment_leasing import EquipmentLeasingConfig, ModeConfig
from sim.kernel.rng import SeedTree


@dataclass(frozen=True)
class Calendar:
    """Sim days ↔ calendar months."""

    month_start_days: list[int]
    month_of_day: np.ndarray
    calendar_month: np.ndarray

    @classmethod
    def build(cls, start: dt.date, days: int) -> Calendar:
        """Calendar of ``days`` sim days from ``start``."""
        dates = [start + dt.timedelta(days=d) for d in range(days)]
        starts = [0] + [d for d in range(1, days) if dates[d].day == 1]
        month_of_day = np.searchsorted(np.array(starts), np.arange(days), side="right") - 1
        return cls(starts, month_of_day, np.array([x.month for x in dates]))

    def is_month_start(self, day: int) -> bool:
        """Whether a new calendar month (not the first) starts on ``day``."""
        return day > 0 and self.month_of_day[day] != self.month_of_day[day - 1]

    def is_month_end(self, day: int) -> bool:
        """Whether ``day`` is the last sim day of its month."""
        return day + 1 >= len(self.month_of_day) or self.is_month_start(day + 1)


class LeasingMarket:
    """Lessees, devices, sensors and the bank of one mode.

    Args:
        cfg: the case config.
        mode: pricing and monitoring of this mode.
        devices: the fleet (same for every mode).
        seeds: the case seed tree (same for every mode).
        calendar: the run's calendar.
    """

    def __init__(
        self,
        cfg: EquipmentLeasingConfig,
        mode: ModeConfig,
        devices: DeviceTraits,
        seeds: SeedTree,
        calendar: Calendar,
    ) -> None:
        self.cfg, self.mode, self.calendar = cfg, mode, calendar
        self.book = LeaseBook(
            cfg, devices, seeds, Tariff(mode.pricing, cfg.usage_pricing), calendar.month_start_days
        )
        self.bank = LeasingBank(cfg, self.book, telemetry=mode.monitoring == "telemetry")
        self.ops = Operations(cfg, self.book)
        self.sensors = Sensors(
            devices, cfg.fleet.shift_start_hour, cfg.fleet.idle_fuel_litres_per_hour
        )
        self.rng = seeds.generator("daily")
        self.port: TelemetryPort | None = None
        self.tick = 0
        self.month: defaultdict[str, float] = defaultdict(float)

    def device_specs(self) -> list[DeviceSpec]:
        """The fleet as the telemetry port knows it."""
        d = self.book.devices
        return [
            DeviceSpec(k, float(m))
            for k, m in zip(d.device_ids, d.fuel_max_litres_per_hour, strict=True)
        ]

    def attach(self, port: TelemetryPort) -> None:
        """Use ``port`` (whose sink is ``self.bank``) for the sensors' readings."""
        self.port = port

    def demand(self, day: int) -> float:
        """Sector demand multiplier today (1 + active shocks, floored at 0)."""
        return max(
            0.0, 1.0 + sum(s.magnitude for s in self.cfg.demand.sector_shocks if s.active(day))
        )

    def step(self, day: int) -> None:
        """One sim day."""
        book, draws = self.book, draw_day(self.rng, self.book.n)
        if self.calendar.is_month_start(day):
            self.month["rent_billed_cny"] += float(
                book.bill(int(self.calendar.month_of_day[day])).sum()
            )
        self._mature(day)
        season = self.cfg.demand.seasonality[int(self.calendar.calendar_month[day]) - 1]
        usage = self.ops.run_day(draws, season, self.demand(day), book.days_past_due(day))
        book.accrue_revenue(day, usage.engine_hours * book.devices.client_rate_cny_per_hour)
        paid = book.receive_and_pay(
            day, self._costs_cny(usage.engine_hours, usage.extra_fuel_litres_per_hour)
        )
        dpd = book.days_past_due(day)
        cols = self.sensors.day_readings(day, usage, book.idle_share, book.site_lat, book.site_lon)
        self._send(day, cols, usage.faults, dpd)
        self.bank.act(day, dpd, draws)
        self._account(usage.productive_hours, usage.engine_hours, paid)

    def _costs_cny(self, engine_hours: np.ndarray, extra_lph: np.ndarray) -> np.ndarray:
        book, lessee = self.book, self.cfg.lessee
        idle = engine_hours * book.idle_share
        litres = (engine_hours - idle) * book.devices.fuel_litres_per_hour
        litres += idle * self.cfg.fleet.idle_fuel_litres_per_hour + engine_hours * extra_lph
        fixed = (
            lessee.operator_cost_cny_per_month + lessee.overhead_cny_per_month
        ) / DAYS_PER_MONTH
        return litres * lessee.fuel_price_cny_per_litre + np.where(
            book.status == ACTIVE, fixed, 0.0
        )

    def _mature(self, day: int) -> None:
        book = self.book
        done = (book.status == ACTIVE) & (book.months_elapsed >= self.cfg.lease.tenor_months)
        for i in np.flatnonzero(done & (book.arrears_cny() <= 1.0)):
            book.replace_device(int(i), day)
            book.start_lease(int(i), int(book.lease_no[i]) + 1, day)
            self.bank.known_outside[i] = self.bank.blocked[i] = False
            self.month["matured"] += 1

    def _send(
        self,
        day: int,
        cols: dict[str, np.ndarray],
        faults: tuple[tuple[int, str], ...],
        dpd: np.ndarray,
    ) -> None:
        assert self.port is not None, "attach a telemetry port first"
        for device_id, days in zip(self.book.devices.device_ids, dpd.tolist(), strict=True):
            self.port.set_payment_status(device_id, int(days))
        every = self.cfg.telemetry.send_every_hours
        for batches in self.sensors.batches(cols, faults, self.tick, every):
            for batch in batches:
                self.port.submit(batch)
            alerts = self.port.end_tick(self.tick, float(batches[0].t_hours[-1] + 1))
            self.month["alerts"] += len(alerts)
            self.tick += 1

    def _account(self, productive: np.ndarray, engine: np.ndarray, paid: np.ndarray) -> None:
        self.month["productive_hours"] += float(productive.sum())
        self.month["engine_hours"] += float(engine.sum())
        self.month["rental_income_cny"] += float(paid.sum())
        self.month["available_hours"] += self.book.n * self.cfg.fleet.available_hours_per_day
        self.month["active_leases_days"] += int((self.book.status == ACTIVE).sum())
        self.month["days"] += 1
