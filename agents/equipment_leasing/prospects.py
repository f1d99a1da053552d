"""Take-up and selection: who leases a free machine, under which tariff, and the lessor's screen.

A machine free after a maturity or a repossession waits in the yard. Prospective lessees arrive
one every ``prospects.arrival_days``, each with its own expected use, cash and client payment
delay (:func:`~agents.equipment_leasing.population.draw_applicant`). The applicant prices the
offered tariffs at the hours it expects to work and takes the cheapest — a low-use firm picks a
usage tariff, a busy one the fixed rent — and applies only if the machine's expected margin
covers that rent. The lessor screens on statements and collateral (cash, margin cover). So the
menu of tariffs decides *who* leases; an applicant turned down or not applying leaves the machine
in the yard until the next one arrives. The lessor reads an applicant's hours from its
statements, with an error; the first applicant for a matured machine may be its previous lessee
coming back (``prospects.repeat_share``), and with telemetry the lessor knows that firm's real
hours from the machine it ran — information the inspection lessor does not have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from agents.equipment_leasing.book import LeaseBook
from agents.equipment_leasing.events import Application, NewLease
from agents.equipment_leasing.lessees import Lessees
from agents.equipment_leasing.population import LesseeTraits, draw_applicant
from agents.equipment_leasing.repayment import machine_margin_cny
from agents.equipment_leasing.schema import EquipmentLeasingConfig
from agents.equipment_leasing.tariffs import Tariff
from sim.kernel.calendar import DAYS_PER_MONTH, HOURS_PER_DAY
from sim.kernel.events import Event
from sim.kernel.rng import SeedTree


class Prospects:
    """The applicants for free machines and the lessor's decision on them.

    Args:
        cfg: the case config.
        book: the lease book (its ``tariffs`` are the menu, in the same order as ``names``).
        lessees: where an approved applicant becomes a lessee.
        names: the tariffs offered to new lessees (the mode's own first).
        seeds: the market seed tree (applicant ``k`` of lease ``n`` on slot ``i`` draws from
            ``("applicant", i, n, k)``, the same in every mode).
        emit: where the events go.
        telemetry: whether the lessor has the telemetry history of a returning lessee.
    """

    def __init__(
        self,
        cfg: EquipmentLeasingConfig,
        book: LeaseBook,
        lessees: Lessees,
        names: tuple[str, ...],
        seeds: SeedTree,
        emit: Callable[[Event], None],
        telemetry: bool = False,
    ) -> None:
        self.cfg, self.book, self.lessees, self.names = cfg, book, lessees, names
        self.seeds, self.emit = seeds, emit
        self.menu: list[Tariff] = book.tariffs
        self.seen = np.zeros(book.n, dtype=np.int64)
        self.telemetry = telemetry
        self._previous: dict[int, LesseeTraits] = {}

    def matured(self, slot: int, traits: LesseeTraits) -> None:
        """The lease of ``slot`` ran to term: its lessee may come back for the next machine."""
        self._previous[slot] = traits

    def expected_hours_month(self, traits: LesseeTraits) -> float:
        """Engine hours a month the applicant expects to work (projects, gaps, average season)."""
        d = self.cfg.demand
        busy = d.project_days_mean / (d.project_days_mean + d.gap_days_mean)
        daily = busy * d.workday_probability * d.engine_hours_per_workday * traits.intensity
        return float(daily * DAYS_PER_MONTH)

    def choose(self, slot: int, traits: LesseeTraits) -> tuple[int, float, float]:
        """The applicant's cheapest tariff at its expected hours: (index, rent, margin)."""
        hours = self.expected_hours_month(traits)
        annuity = self.book.annuity[slot : slot + 1]
        rents = [float(t.rent_cny(annuity, np.array([hours]))[0]) for t in self.menu]
        ix = int(np.argmin(rents))
        d = self.book.devices
        margin = machine_margin_cny(
            self.cfg,
            d.client_rate_cny_per_hour[slot],
            d.fuel_litres_per_hour[slot],
            traits.idle_share,
            hours,
        )
        return ix, rents[ix], float(margin)

    def screen(self, slot: int, traits: LesseeTraits, rent: float, known: bool = False) -> str:
        """The lessor's verdict on statements and collateral: ``""`` (approved) or the reason.

        It estimates the margin at the hours the statements show (the true hours times the
        applicant's ``statement_error``), or at the true hours when it ``known`` them.
        """
        p = self.cfg.prospects
        if (traits.cash_buffer_months or 0.0) < p.min_cash_months:
            return "cash"
        hours = self.expected_hours_month(traits) * (1.0 if known else traits.statement_error)
        d = self.book.devices
        seen = machine_margin_cny(
            self.cfg,
            d.client_rate_cny_per_hour[slot],
            d.fuel_litres_per_hour[slot],
            traits.idle_share,
            hours,
        )
        if float(seen) < p.min_cover * rent:
            return "cover"
        return ""

    def try_lease(self, slot: int, day: int) -> bool:
        """The next applicant for the machine of ``slot``: leases it, or the machine waits."""
        lease_no = int(self.book.lease_no[slot]) + 1
        k = int(self.seen[slot])
        self.seen[slot] += 1
        traits = draw_applicant(self.cfg, self.seeds, slot, lease_no, k)
        previous = self._previous.pop(slot, None)
        repeat = previous is not None and traits.repeat_draw < self.cfg.prospects.repeat_share
        if repeat and previous is not None:  # the same firm, with its new cash
            traits = replace(
                previous, months_elapsed=0, cash_buffer_months=traits.cash_buffer_months
            )
        ix, rent, margin = self.choose(slot, traits)
        applies = margin >= rent
        known = repeat and self.telemetry
        reason = self.screen(slot, traits, rent, known) if applies else "no_take_up"
        t = day * float(HOURS_PER_DAY)
        device = self.book.devices.device_ids[slot]
        self.emit(
            Application(
                t_hours=t,
                agent=device,
                tariff=self.names[ix],
                approved=not reason,
                reason=reason,
                expected_hours=self.expected_hours_month(traits),
                repeat=repeat,
            )
        )
        if reason:
            return False
        self.seen[slot] = 0
        self.lessees.start(slot, lease_no, day, traits=traits, tariff_ix=ix)
        self.emit(NewLease(t_hours=t, agent=device, lease_no=lease_no))
        return True
