"""The clock: a Mesa 3 model that owns a SimPy environment (1 unit = 1 hour), the seed tree and the
event bus.

Recurring activities (daily business steps, hourly telemetry, monthly re-rating) register with
``every``. Mesa's step semantics hold: one :meth:`TwinModel.step` advances the SimPy clock to the
next hour at which something is due and runs everything due then in (priority, registration)
order, so the order of same-time work is a property of the model, not of SimPy's event queue;
Mesa's wrapper counts ``steps``. Where it differs from a plain Mesa model: a step is not one fixed
time unit but the next due hour (a daily activity and an hourly one interleave on one clock).
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mesa
import simpy
from tqdm import tqdm

from sim.kernel.calendar import HOURS_PER_DAY
from sim.kernel.events import Event, EventBus
from sim.kernel.rng import SeedTree

log = logging.getLogger(__name__)


@dataclass(order=True)
class _Task:
    due_hours: float
    priority: int
    order: int
    interval_hours: float = field(compare=False)
    fn: Callable[[], Any] = field(compare=False)


class TwinModel(mesa.Model):
    """A Mesa model whose time is a SimPy environment in hours.

    Args:
        start: calendar time of sim hour 0 (UTC).
        horizon_hours: the run stops at this sim hour.
        seeds: seed tree of this model; ``model.rng`` is its ``"mesa"`` stream.
        label: shown on the progress bar.
        bus: where :meth:`emit` sends events (a fresh bus when omitted).
    """

    def __init__(
        self,
        start: dt.datetime,
        horizon_hours: int,
        seeds: SeedTree,
        label: str = "sim",
        bus: EventBus | None = None,
    ) -> None:
        super().__init__(rng=seeds.generator("mesa"))
        if horizon_hours <= 0:
            raise ValueError(f"horizon_hours: {horizon_hours} must be > 0")
        self.start = start if start.tzinfo else start.replace(tzinfo=dt.UTC)
        self.horizon_hours = horizon_hours
        self.seeds = seeds
        self.label = label
        self.bus = bus if bus is not None else EventBus()
        self.env = simpy.Environment()
        self._tasks: list[_Task] = []
        self._registered = 0

    @property
    def now_hours(self) -> float:
        """Sim time in hours since ``start``."""
        return float(self.env.now)

    @property
    def now(self) -> dt.datetime:
        """Sim time as a UTC datetime."""
        return self.start + dt.timedelta(hours=self.env.now)

    @property
    def day(self) -> int:
        """Whole sim days elapsed."""
        return int(self.env.now // HOURS_PER_DAY)

    @property
    def horizon_days(self) -> int:
        """The horizon in whole days."""
        return self.horizon_hours // HOURS_PER_DAY

    def timestamp(self, hours: float | None = None) -> int:
        """Unix seconds of sim time ``hours`` (default: now), e.g. for block timestamps."""
        at = self.now_hours if hours is None else hours
        return int(self.start.timestamp()) + round(at * 3600)

    def emit(self, event: Event) -> None:
        """Send ``event`` to every subscriber of the model's bus."""
        self.bus.emit(event)

    def every(
        self,
        interval_hours: float,
        fn: Callable[[], Any],
        *,
        offset_hours: float = 0,
        priority: int = 0,
    ) -> None:
        """Call ``fn()`` at ``offset_hours`` and then every ``interval_hours``.

        Activities due at the same hour run by ``priority`` (lower first), then registration order.
        """
        if interval_hours <= 0:
            raise ValueError(f"interval_hours: {interval_hours} must be > 0")
        due = self.now_hours + offset_hours
        heapq.heappush(self._tasks, _Task(due, priority, self._registered, interval_hours, fn))
        self._registered += 1

    def step(self) -> None:
        """Advance the clock to the next due hour and run everything due then; at the horizon,
        set ``running`` to False instead."""
        if not self._tasks or self._tasks[0].due_hours >= self.horizon_hours:
            self.running = False
            return
        due = self._tasks[0].due_hours
        if due > self.env.now:
            self.env.run(until=due)
        while self._tasks and self._tasks[0].due_hours == due:
            task = heapq.heappop(self._tasks)
            task.fn()
            task.due_hours += task.interval_hours
            heapq.heappush(self._tasks, task)

    def run(self, progress: bool = True) -> None:
        """Step until ``horizon_hours``; a tqdm bar counts sim days when ``progress`` and a TTY."""
        with tqdm(
            total=self.horizon_days,
            desc=self.label,
            unit="day",
            disable=None if progress else True,
            leave=False,
        ) as bar:
            shown = 0
            while self.running:
                self.step()
                if self.running and self.day > shown:
                    bar.update(self.day - shown)
                    shown = self.day
            if self.env.now < self.horizon_hours:
                self.env.run(until=self.horizon_hours)
        log.debug("%s: ran %d steps to hour %d", self.label, self.steps, self.horizon_hours)
