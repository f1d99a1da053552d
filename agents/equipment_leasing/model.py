"""One mode of the leasing market as a Mesa model, stepped daily on the clock.

Lessees work and pay, sensors report, the bank acts. The telemetry port is injected (the case
wires the MQTT adapter, the fake or the inspection adapter); the bank is its alert sink. Per day:
bill on report-month starts, renew matured leases, run the lessees' day, move cash, send the
day's readings tick by tick through the port (the tick barrier makes the bank's alerts depend on
sim data only), then let the bank act; on a report month's last day, emit the month's tallies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np

from agents.equipment_leasing.bank import LeasingBank
from agents.equipment_leasing.book import ACTIVE, SOLD, YARD, LeaseBook
from agents.equipment_leasing.events import MonthEnd, RepaymentChoice
from agents.equipment_leasing.lessees import Lessees
from agents.equipment_leasing.operations import Operations, draw_day
from agents.equipment_leasing.outage import SensorOutages
from agents.equipment_leasing.population import DeviceTraits
from agents.equipment_leasing.prospects import Prospects
from agents.equipment_leasing.repayment import CHOICES, RepaymentDecision
from agents.equipment_leasing.schema import EquipmentLeasingConfig, ModeConfig, mode_features
from agents.equipment_leasing.sensors import Sensors
from agents.equipment_leasing.tariffs import Tariff
from products.telemetry.port import DeviceSpec, TelemetryPort
from sim.kernel.calendar import DAYS_PER_MONTH, HOURS_PER_DAY, Calendar
from sim.kernel.clock import TwinModel
from sim.kernel.events import EventBus
from sim.kernel.rng import SeedTree

CASE = "equipment_leasing"


@dataclass
class MonthTally:
    """The running report month's sums over the book (emitted and reset at month end)."""

    productive_hours: float = 0.0
    engine_hours: float = 0.0
    available_hours: float = 0.0
    leased_available_hours: float = 0.0
    rental_income_cny: float = 0.0
    rent_billed_cny: float = 0.0
    active_leases_days: float = 0.0
    days: float = 0.0
    matured: float = 0.0
    yard_days: float = 0.0
    working_machine_days: float = 0.0


class EquipmentLeasingModel(TwinModel):
    """Lessees, devices, sensors and the bank of one mode.

    Args:
        cfg: the case config.
        mode: ``"innovated"`` or ``"traditional"`` (its pricing and monitoring come from ``cfg``,
            the innovated mode's channels from ``cfg.channels``).
        devices: the fleet (same for every mode).
        calendar: the run's report months (``ScenarioConfig.calendar``).
        seeds: the case seed tree; the market streams are the same for every mode.
        bus: where events go (a fresh bus when omitted).
    """

    def __init__(
        self,
        cfg: EquipmentLeasingConfig,
        mode: str,
        devices: DeviceTraits,
        calendar: Calendar,
        seeds: SeedTree,
        bus: EventBus | None = None,
    ) -> None:
        start = dt.datetime.combine(calendar.start, dt.time(), tzinfo=dt.UTC)
        super().__init__(
            start,
            calendar.days * HOURS_PER_DAY,
            seeds.child("model", mode),
            label=f"{CASE}/{mode}",
            bus=bus,
        )
        self.cfg, self.calendar = cfg, calendar
        #: the mode with the channels applied (``cfg.channels`` for the innovated mode)
        self.features = mode_features(cfg, mode)
        self.mode = ModeConfig(pricing=self.features.pricing, monitoring=self.features.monitoring)
        market = seeds.child("market")
        menu = [Tariff(cfg.tariffs[name], name) for name in self.features.offered]
        self.book = LeaseBook(cfg, devices, menu, calendar.month_start_days)
        self.lessees = Lessees(self, cfg, self.book, market)
        for i in range(devices.count):
            self.lessees.start(i, 0, day=0)
        telemetry = self.features.telemetry
        self.prospects = Prospects(
            cfg, self.book, self.lessees, self.features.offered, market, self.emit, telemetry
        )
        self.bank = LeasingBank(
            cfg, self.book, self.lessees, self.features, self.emit, self.prospects.try_lease
        )
        self.ops = Operations(cfg, self.book)
        self.repayment = RepaymentDecision(cfg, telemetry, lock=self.features.remote_lock)
        self.sensors = Sensors(devices, cfg.fleet)
        #: devices whose readings are not sent (``shocks.sensor_outage``; telemetry only)
        self.outages = SensorOutages(
            cfg.shocks.sensor_outage, devices.device_ids, seeds, self.features.telemetry
        )
        self.daily_rng = market.generator("daily")
        self.port: TelemetryPort | None = None
        self.tick = 0
        self.tally = MonthTally()
        self.every(HOURS_PER_DAY, lambda: self.run_day(self.day))

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
        shocks = self.cfg.demand.sector_shocks
        return max(0.0, 1.0 + sum(s.magnitude for s in shocks if s.active(day)))

    def run_day(self, day: int) -> None:
        """One sim day of the whole market."""
        book, draws = self.book, draw_day(self.daily_rng, self.book.n)
        if self.calendar.is_month_start(day):
            self.tally.rent_billed_cny += float(book.bill(self.calendar.month(day)).sum())
        self._mature(day)
        if self.calendar.is_month_start(day) or day == 0:
            self._repayment_choices(day)
        season = self.cfg.demand.seasonality[int(self.calendar.calendar_month[day]) - 1]
        days_left = self._next_bill_day(day) - day - 1
        usage = self.ops.run_day(
            draws, season, self.demand(day), book.days_past_due(day), days_left
        )
        book.accrue_revenue(day, usage.engine_hours * book.devices.client_rate_cny_per_hour)
        costs = self._costs_cny(usage.engine_hours, usage.extra_fuel_litres_per_hour)
        paid = book.receive_and_pay(day, costs)
        dpd = book.days_past_due(day)
        cols = self.sensors.day_readings(day, usage, book.idle_share, book.site_lat, book.site_lon)
        self._send(day, cols, usage.faults, dpd)
        self.bank.act(day, dpd, draws, self.ops.expected_daily_hours(1.0, self.demand(day)))
        self._account(usage.productive_hours, usage.engine_hours, paid)
        if self.calendar.is_month_end(day):
            self._close_month(day)

    def _repayment_choices(self, day: int) -> None:
        """Each lessee in difficulty chooses to pay, pay partly or stop for the month."""
        book = self.book
        hours = self.ops.expected_daily_hours(1.0, self.demand(day))
        troubled = self.repayment.in_difficulty(book, hours)
        stance = self.repayment.choose(book, hours)
        t = day * float(HOURS_PER_DAY)
        arrears = book.arrears_cny()
        for i in np.flatnonzero(troubled):
            self.emit(
                RepaymentChoice(
                    t_hours=t,
                    agent=book.devices.device_ids[i],
                    choice=CHOICES[int(stance[i])],
                    amount=float(arrears[i]),
                    lock=self.repayment.lock,
                )
            )

    def _next_bill_day(self, day: int) -> int:
        starts = self.book.month_start_days
        later = starts[starts > day]
        return int(later[0]) if len(later) else self.calendar.days

    def _costs_cny(self, engine_hours: np.ndarray, extra_lph: np.ndarray) -> np.ndarray:
        book, lessee = self.book, self.cfg.lessee
        idle = engine_hours * book.idle_share
        litres = (engine_hours - idle) * book.devices.fuel_litres_per_hour
        litres += idle * self.cfg.fleet.idle_fuel_litres_per_hour + engine_hours * extra_lph
        monthly = lessee.operator_cost_cny_per_month + lessee.overhead_cny_per_month
        fixed = np.where(book.status == ACTIVE, monthly / DAYS_PER_MONTH, 0.0)
        return litres * lessee.fuel_price_cny_per_litre + fixed

    def _mature(self, day: int) -> None:
        """Leases at the end of their tenor with nothing owed: the lessee keeps its machine and
        leaves; a new machine fills the slot and waits in the yard for an applicant."""
        book = self.book
        done = (book.status == ACTIVE) & (book.months_elapsed >= self.cfg.lease.tenor_months)
        settled = book.arrears_cny() <= self.cfg.lease.settled_below_cny
        for i in np.flatnonzero(done & settled):
            lessee = self.lessees.at(int(i))
            if lessee is not None:
                self.prospects.matured(int(i), lessee.traits)
            self.lessees.exit(int(i))
            book.replace_device(int(i), day)
            book.to_yard(int(i), day, 0)
            self.tally.matured += 1

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
            for batch in self.outages.reaching(day, batches):
                self.port.submit(batch)
            self.port.end_tick(self.tick, float(batches[0].t_hours[-1] + 1))
            self.tick += 1

    def _account(self, productive: np.ndarray, engine: np.ndarray, paid: np.ndarray) -> None:
        tally = self.tally
        tally.productive_hours += float(productive.sum())
        tally.engine_hours += float(engine.sum())
        tally.rental_income_cny += float(paid.sum())
        per_day = self.cfg.fleet.available_hours_per_day
        tally.available_hours += float((self.book.status != SOLD).sum()) * per_day
        tally.leased_available_hours += float((self.book.status == ACTIVE).sum()) * per_day
        tally.active_leases_days += len(self.lessees)
        tally.days += 1
        tally.yard_days += float((self.book.status == YARD).sum())
        tally.working_machine_days += float(((self.book.status == ACTIVE) & (engine > 0)).sum())

    def _close_month(self, day: int) -> None:
        t = (day + 1) * float(HOURS_PER_DAY)
        self.emit(MonthEnd(t_hours=t, month=self.calendar.month(day), **asdict(self.tally)))
        self.tally = MonthTally()
