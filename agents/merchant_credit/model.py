"""The merchant-credit model of one mode: merchants, the bank's lending desk and the book.

:class:`MerchantCreditModel` is a :class:`~sim.kernel.clock.TwinModel`. It holds this mode's copy
of the merchant population, the revolving book and the lending desk (which calls the scoring
port), and registers two activities on the clock at the end of each day: the business day
(trading, who applies and who is discouraged, decisions, draws and repayments, interest and
arrears) and, after it, the month end on the calendar's report-month ends (re-rating, reviews,
monitoring, the book snapshot).
Everything observable leaves as typed events through :meth:`emit`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from agents.merchant_credit.consent import ConsentShocks
from agents.merchant_credit.desk import LendingDesk
from agents.merchant_credit.events import BookState, MonthEnd, RunStart, TradingDay
from agents.merchant_credit.merchants import MerchantPopulation
from agents.merchant_credit.population import MerchantDrivers
from agents.merchant_credit.schema import MerchantCreditConfig
from products.credit.book import OPEN, RevolvingBook
from products.credit.port import ScoringPort
from sim.kernel.calendar import HOURS_PER_DAY, Calendar
from sim.kernel.clock import TwinModel
from sim.kernel.rng import SeedTree

CASE = "merchant_credit"


def book_state(book: RevolvingBook, alive: np.ndarray, day: int) -> BookState:
    """The book's and the population's aggregates on ``day`` (what month-end KPIs read)."""
    live = book.live
    limits = book.limit_fen[live]
    return BookState(
        live_lines=int(live.sum()),
        performing_lines=int((live & ~book.defaulted).sum()),
        outstanding_fen=book.outstanding_fen(),
        npl_fen=book.npl_fen(day),
        limit_total_fen=int(limits.sum()),
        limit_mean_fen=float(limits.mean()) if limits.size else float("nan"),
        principal_fen=int(book.principal_fen[live].sum()),
        drawn_fen=book.totals.drawn,
        interest_paid_fen=book.totals.interest_paid,
        written_off_fen=book.totals.written_off,
        recovered_fen=book.totals.recovered,
        alive_merchants=int(alive.sum()),
    )


class MerchantCreditModel(TwinModel):
    """One mode of case 2 on the clock.

    Args:
        cfg: the case schema.
        mode: ``innovated`` or ``traditional``.
        population: this mode's copy of the (warmed-up) merchants.
        drivers: exogenous series of the run.
        scorer: the scoring port the desk calls on the data path.
        calendar: the run's report months (its days are the horizon).
        start: calendar time of sim hour 0.
        seeds: the case's seed tree (the behaviour stream is the same in every mode).
        names: (category names, region names).
    """

    def __init__(
        self,
        cfg: MerchantCreditConfig,
        mode: str,
        population: MerchantPopulation,
        drivers: MerchantDrivers,
        scorer: ScoringPort,
        calendar: Calendar,
        start: dt.datetime,
        seeds: SeedTree,
        names: tuple[list[str], list[str]],
    ) -> None:
        super().__init__(start, calendar.days * HOURS_PER_DAY, seeds.child(mode), f"{CASE}/{mode}")
        self.cfg, self.mode, self.calendar = cfg, mode, calendar
        self.population, self.drivers = population, drivers
        self.book = RevolvingBook(population.size, cfg.ledger)
        self.desk = LendingDesk(cfg, mode, scorer, population, drivers, self.book, names, self.emit)
        self.behaviour_rng = seeds.generator("behaviour")
        withdrawals = cfg.shocks.consent_withdrawal
        self.consent = ConsentShocks(withdrawals, population.traits.consent, seeds)
        knows = seeds.generator("expectations").random(population.size)
        population.knows_outcome = knows < cfg.behaviour.knows_outcome_probability
        end_of_day = HOURS_PER_DAY - 1
        self.every(HOURS_PER_DAY, self._on_day, offset_hours=end_of_day)
        self.every(HOURS_PER_DAY, self._on_month_end, offset_hours=end_of_day, priority=1)

    def run(self, progress: bool = True) -> None:
        """Announce the opening state, then step to the horizon."""
        self.announce()
        super().run(progress)

    def announce(self) -> None:
        """Emit :class:`RunStart` (population, data-path share, opening book) to subscribers."""
        pop = self.population
        self.emit(
            RunStart(
                t_hours=self.now_hours,
                merchants=pop.size,
                data_path_share=float(self.desk.data_path.mean()),
                state=book_state(self.book, pop.alive, self.day),
            )
        )

    def _on_day(self) -> None:
        self.business_day(self.day)

    def _on_month_end(self) -> None:
        if self.calendar.is_month_end(self.day):
            self.month_end(self.day)

    def business_day(self, day: int) -> None:
        """Sim ``day``: trading, applications, decisions, draws/repayments, interest, arrears."""
        pop, book, desk = self.population, self.book, self.desk
        access = (book.status == OPEN) & ~book.defaulted
        alive_before = pop.alive.copy()
        sales = pop.step(day, self.drivers, access)
        failed = np.flatnonzero(alive_before & ~pop.alive)
        self.emit(
            TradingDay(
                t_hours=day * HOURS_PER_DAY,
                amount=float(sales.sum()),
                failures=int(failed.size),
                failed=failed,
            )
        )
        self.consent.update(day, desk)
        desk.rescore_if_due(day)
        wanting = pop.wants_credit(day, self.behaviour_rng.random(pop.size), desk.may_apply())
        would_pass = np.ones(wanting.size, dtype=bool)
        knows = pop.knows_outcome[wanting]
        would_pass[knows] = desk.would_approve(day, wanting[knows])
        applies = pop.apply(day, wanting, would_pass)
        desk.discouraged(day, wanting[~applies])
        desk.receive(day, wanting[applies])
        desk.decide(day)
        pop.draw_and_repay(book)
        desk.close_day(day)

    def month_end(self, day: int) -> None:
        """Re-rate and review lines, score the population, emit the month's snapshot."""
        changes, scored, scores = self.desk.month_end(day)
        self.emit(
            MonthEnd(
                t_hours=day * HOURS_PER_DAY,
                month=self.calendar.month(day),
                raises=changes.raises,
                cuts=changes.cuts,
                freezes=changes.freezes,
                state=book_state(self.book, self.population.alive, day),
                scored=scored,
                scores=scores,
            )
        )
