"""Typed events and the one pipeline they travel through.

A model emits frozen :class:`Event` dataclasses through :meth:`EventBus.emit`; the recorder and each
case's KPI collectors subscribe (Mesa's DataCollector idea, pushed instead of polled). Nothing
tallies by calling back into the model: what a collector needs travels in the event.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, overload

E = TypeVar("E", bound="Event")
Handler = Callable[[Any], None]


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """Base of every event: the sim hour it happened at, and a ``kind`` name per subclass.

    In the run's event log a field named ``agent`` fills the agent column, ``amount`` the amount
    column, and every other field (except ``t_hours``) goes into ``detail``; fields listed in
    ``unlogged`` travel to subscribers only (snapshots a KPI collector needs, not log material).
    """

    kind: ClassVar[str] = "event"
    unlogged: ClassVar[frozenset[str]] = frozenset()
    t_hours: float

    def log_row(self) -> tuple[str | None, float | None, dict[str, Any]]:
        """``(agent, amount, detail)`` of this event for the run's event log."""
        detail: dict[str, Any] = {}
        agent: str | None = None
        amount: float | None = None
        for f in dataclasses.fields(self):
            name = f.name
            if name == "t_hours" or name in self.unlogged:
                continue
            value = getattr(self, name)
            if name == "agent":
                agent = None if value is None else str(value)
            elif name == "amount":
                amount = None if value is None else float(value)
            else:
                detail[name] = value
        return agent, amount, detail


class EventBus:
    """Dispatches each emitted event to the handlers subscribed to its type (or a base of it),
    in subscription order."""

    def __init__(self) -> None:
        self._subscriptions: list[tuple[type[Event], Handler]] = []
        self._routes: dict[type[Event], tuple[Handler, ...]] = {}

    @overload
    def subscribe(self, handler: Callable[[Event], None]) -> None: ...

    @overload
    def subscribe(self, handler: Callable[[E], None], kind: type[E]) -> None: ...

    def subscribe(self, handler: Handler, kind: type[Event] = Event) -> None:
        """Call ``handler(event)`` for every emitted event that is an instance of ``kind``."""
        self._subscriptions.append((kind, handler))
        self._routes.clear()

    def emit(self, event: Event) -> None:
        """Deliver ``event`` to its subscribers."""
        route = self._routes.get(type(event))
        if route is None:
            route = tuple(h for kind, h in self._subscriptions if isinstance(event, kind))
            self._routes[type(event)] = route
        for handler in route:
            handler(event)
