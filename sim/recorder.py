"""Collects a run's events, KPI series, totals, claims, figures and provenance; writes them out."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from sim import io as sio
from sim.kernel.events import Event, EventBus

log = logging.getLogger(__name__)

EVENT_COLUMNS = ("case", "mode", "t_hours", "kind", "agent", "amount", "detail")
KPI_COLUMNS = ("case", "mode", "period", "kpi", "value")


@dataclass(frozen=True)
class Claim:
    """A claim of the source article next to the value this run measured."""

    case: str
    claim: str
    target: str
    measured: float | None
    holds: bool | None
    note: str = ""
    unit: str = ""


class Recorder:
    """The run's memory. Cases write through it; the runner saves it to the run directory.

    Args:
        run_dir: the run directory (created by the runner).
        start: calendar time of sim hour 0, used to stamp events.
    """

    def __init__(self, run_dir: Path, start: dt.datetime, figures: bool = True) -> None:
        self.run_dir = run_dir
        self.start = start
        self.draw_figures = figures
        self._events: dict[str, list[Any]] = {c: [] for c in EVENT_COLUMNS}
        self._kpis: dict[str, list[Any]] = {c: [] for c in KPI_COLUMNS}
        self.totals: dict[str, float | int | None] = {}
        self.claims: list[Claim] = []
        self.figures: list[tuple[str, str, Path]] = []
        self.provenance_data: dict[str, Any] = {}
        self.glossary: dict[tuple[str, str], str] = {}  # entries may be sim.cases Kpi (a str)
        self.figure_kpis: dict[str, set[str]] = {}
        self.markers: list[tuple[str, str, str, int, str]] = []

    def event(
        self,
        case: str,
        mode: str,
        t_hours: float,
        kind: str,
        agent: str | int | None = None,
        amount: float | None = None,
        **detail: Any,
    ) -> None:
        """Record one event (application, disbursement, default, alert, tx hash, ...)."""
        row = (case, mode, float(t_hours), kind, None if agent is None else str(agent), amount)
        for column, value in zip(EVENT_COLUMNS, row, strict=False):
            self._events[column].append(value)
        text = (
            json.dumps(sio.jsonable(detail), sort_keys=True, ensure_ascii=False) if detail else ""
        )
        self._events["detail"].append(text)

    def subscribe(self, bus: EventBus, case: str, mode: str) -> None:
        """Log every event emitted on ``bus`` (one case, one mode) as an ``events.parquet`` row."""

        def log_event(event: Event) -> None:
            agent, amount, detail = event.log_row()
            self.event(case, mode, event.t_hours, event.kind, agent, amount, **detail)

        bus.subscribe(log_event)

    def kpi(self, case: str, mode: str, period: int, name: str, value: float | None) -> None:
        """Record one point of a monthly KPI series (``period`` = month index from 0)."""
        for column, item in zip(KPI_COLUMNS, (case, mode, int(period), name, value), strict=True):
            self._kpis[column].append(sio.jsonable(item))

    def total(self, case: str, mode: str, name: str, value: float | int | None) -> None:
        """Record a whole-run KPI; it appears in ``summary.json`` as ``<case>.<mode>.<name>``."""
        self.totals[f"{case}.{mode}.{name}"] = sio.jsonable(value)

    def claim(
        self,
        case: str,
        claim: str,
        target: str,
        measured: float | None,
        holds: bool | None,
        note: str = "",
        unit: str = "",
    ) -> None:
        """Put a claim of the article next to the measured value (claims are never tuned for);
        ``measured`` is in ``unit``."""
        value = sio.jsonable(measured)
        verdict = None if holds is None else bool(holds)
        self.claims.append(Claim(case, claim, target, value, verdict, note, unit))

    def define(self, case: str, definitions: Mapping[str, str]) -> None:
        """Say what each KPI of ``case`` means; the report's glossary lists them and links the
        KPI names of its tables to them."""
        for kpi, meaning in definitions.items():
            self.glossary[(case, kpi)] = meaning

    def figure(self, case: str, name: str, fig: Figure, shows: Sequence[str] = ()) -> Path | None:
        """Save a matplotlib figure as PNG under ``figures/`` and list it in the report.

        Args:
            shows: monthly KPIs this figure draws; the report's KPI-series figure leaves them out.

        Returns:
            The PNG's path, or None when the recorder was made with ``figures=False``.
        """
        self.figure_kpis.setdefault(case, set()).update(shows)
        if not self.draw_figures:  # a run without a report (sweeps): rendering is most of the cost
            return None
        path = self.run_dir / "figures" / f"{case}-{name}.png"
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        sio.write_bytes(path, buffer.getvalue())
        self.figures.append((case, name, path))
        return path

    def mark(self, case: str, kpi: str, mode: str, period: int, text: str) -> None:
        """Annotate a dated event on ``kpi``'s monthly panel (e.g. why a month has no financing)."""
        self.markers.append((case, kpi, mode, int(period), text))

    def provenance(self, key: str, value: Any) -> None:
        """Record provenance for ``manifest.json`` (contract bytecode hash, model hash, ...)."""
        self.provenance_data[key] = sio.jsonable(value)

    def artifact_path(self, name: str) -> Path:
        """A path under the run's ``artifacts/`` folder (created) for extra files."""
        path = self.run_dir / "artifacts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def events_frame(self) -> pd.DataFrame:
        """All events so far, with a UTC ``time`` column from ``t_hours``."""
        frame = pd.DataFrame(self._events, columns=list(EVENT_COLUMNS))
        frame["amount"] = frame["amount"].astype("float64")
        frame.insert(
            3, "time", pd.Timestamp(self.start) + pd.to_timedelta(frame["t_hours"], unit="h")
        )
        return frame

    def kpis_frame(self) -> pd.DataFrame:
        """All KPI series points so far (long format)."""
        frame = pd.DataFrame(self._kpis, columns=list(KPI_COLUMNS))
        frame["value"] = frame["value"].astype("float64")
        return frame

    def save(self) -> None:
        """Write ``events.parquet`` and ``kpis.parquet`` (atomically)."""
        sio.write_parquet(self.run_dir / "events.parquet", self.events_frame())
        sio.write_parquet(self.run_dir / "kpis.parquet", self.kpis_frame())
        log.debug(
            "saved %d events, %d KPI points", len(self._events["case"]), len(self._kpis["case"])
        )
