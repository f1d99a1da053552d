"""The engine: a Mesa 3 model that owns a SimPy clock (1 unit = 1 hour) and the seed tree.

Recurring activities (daily business steps, hourly telemetry, monthly re-rating) register with
``every``; one driver process runs all activities due at the same sim hour in (priority,
registration) order, so the order of same-time work is a property of the model, not of SimPy's
event queue.
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import mesa
import simpy
from tqdm import tqdm

from sim.rng import SeedTree

log = logging.getLogger(__name__)

HOURS_PER_DAY = 24


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
    """

    def __init__(
        self, start: dt.datetime, horizon_hours: int, seeds: SeedTree, label: str = "sim"
    ) -> None:
        super().__init__(rng=seeds.generator("mesa"))
        if horizon_hours <= 0:
            raise ValueError(f"horizon_hours: {horizon_hours} must be > 0")
        self.start = start if start.tzinfo else start.replace(tzinfo=dt.UTC)
        self.horizon_hours = horizon_hours
        self.seeds = seeds
        self.label = label
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

    def _driver(self) -> Generator[simpy.Event, Any, None]:
        while self._tasks and self._tasks[0].due_hours < self.horizon_hours:
            due = self._tasks[0].due_hours
            if due > self.env.now:
                yield self.env.timeout(due - self.env.now)
            while self._tasks and self._tasks[0].due_hours == due:
                task = heapq.heappop(self._tasks)
                task.fn()
                task.due_hours += task.interval_hours
                heapq.heappush(self._tasks, task)
            self.steps += 1

    def _progress(self, bar: tqdm) -> Generator[simpy.Event, Any, None]:
        while True:
            yield self.env.timeout(HOURS_PER_DAY)
            bar.update(1)

    def run(self, progress: bool = True) -> None:
        """Run until ``horizon_hours``; a tqdm bar counts sim days when ``progress`` and a TTY."""
        self.env.process(self._driver())
        with tqdm(
            total=self.horizon_days,
            desc=self.label,
            unit="day",
            disable=None if progress else True,
            leave=False,
        ) as bar:
            self.env.process(self._progress(bar))
            self.env.run(until=self.horizon_hours)
        log.debug("%s: ran %d steps to hour %d", self.label, self.steps, self.horizon_hours)
