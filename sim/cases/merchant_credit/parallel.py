"""Case 2's modes in parallel processes, recorded exactly as one after the other.

The modes share nothing but the read-only set-up (trained scorer, drivers, the warmed-up
merchants), so after the set-up the first modes run in forked worker processes, each on its
copy-on-write view of the original merchants, while this process runs the last mode on the
original (as the serial run does). Each mode records into the recorder as if alone; what it added
(events, KPI points, totals, provenance) is cut out and spliced back in mode order, so the
recorder ends up row for row as after a serial run: same ``events.parquet``, ``kpis.parquet``
and ``summary.json``.

``merchant_credit.mode_processes`` sets how many processes (1 = serial). Inside a worker process
(a sweep's pool worker, a daemonic process) or where ``fork`` is not available the modes run
serially: the pool already keeps the cores busy.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import pickle
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.merchant_credit.merchants import MerchantPopulation
from agents.merchant_credit.population import MerchantDrivers
from sim.cases.base import CaseContext
from sim.cases.merchant_credit.kpis import MerchantCreditKpis
from sim.cases.merchant_credit.report import record_mode
from sim.cases.merchant_credit.training import TrainedScorer
from sim.cases.merchant_credit.wiring import Names, run_mode
from sim.kernel.errors import RunError
from sim.recorder import Recorder

log = logging.getLogger(__name__)

#: Recorder attributes a mode appends to (lists, or dicts of columns of lists) and adds keys to.
_LISTS = ("claims", "figures", "markers")
_COLUMNS = ("_events", "_kpis")
_DICTS = ("totals", "provenance_data", "glossary", "figure_kpis")


@dataclass(frozen=True)
class Mark:
    """Where a recorder stood: list lengths and dict contents (to see what was added after)."""

    lengths: dict[str, int]
    dicts: dict[str, dict[Any, Any]]


@dataclass
class Delta:
    """What one mode added to a recorder after a :class:`Mark`."""

    lists: dict[str, list[Any]]
    columns: dict[str, dict[str, list[Any]]]
    dicts: dict[str, dict[Any, Any]]


def mark(rec: Recorder) -> Mark:
    """The recorder's current extent."""
    lengths = {name: len(getattr(rec, name)) for name in _LISTS}
    for name in _COLUMNS:
        for column, values in getattr(rec, name).items():
            lengths[f"{name}.{column}"] = len(values)
    return Mark(lengths, {name: dict(getattr(rec, name)) for name in _DICTS})


def take(rec: Recorder, at: Mark) -> Delta:
    """Cut what was added to ``rec`` since ``at`` out of it and return it."""
    lists: dict[str, list[Any]] = {}
    for name in _LISTS:
        values = getattr(rec, name)
        lists[name] = values[at.lengths[name] :]
        del values[at.lengths[name] :]
    columns: dict[str, dict[str, list[Any]]] = {}
    for name in _COLUMNS:
        columns[name] = {}
        for column, values in getattr(rec, name).items():
            cut = at.lengths[f"{name}.{column}"]
            columns[name][column] = values[cut:]
            del values[cut:]
    dicts: dict[str, dict[Any, Any]] = {}
    for name in _DICTS:
        now, before = getattr(rec, name), at.dicts[name]
        dicts[name] = {
            key: value
            for key, value in now.items()
            if key not in before or before[key] is not value
        }
        now.clear()
        now.update(before)
    return Delta(lists, columns, dicts)


def extend(rec: Recorder, delta: Delta) -> None:
    """Append a :class:`Delta` to ``rec`` (what the mode would have added had it run here)."""
    for name, values in delta.lists.items():
        getattr(rec, name).extend(values)
    for name, columns in delta.columns.items():
        for column, values in columns.items():
            getattr(rec, name)[column].extend(values)
    for name, items in delta.dicts.items():
        getattr(rec, name).update(items)


def _run_and_record(
    ctx: CaseContext,
    mode: str,
    pop: MerchantPopulation,
    drivers: MerchantDrivers,
    trained: TrainedScorer,
    names: Names,
) -> MerchantCreditKpis:
    kpis = run_mode(ctx, mode, pop, drivers, trained, names)
    record_mode(ctx, mode, kpis, trained)
    return kpis


def _worker(
    ctx: CaseContext,
    mode: str,
    pop: MerchantPopulation,
    drivers: MerchantDrivers,
    trained: TrainedScorer,
    names: Names,
    at: Mark,
    out: str,
) -> None:
    """A forked worker: run one mode, write (status, delta, KPIs) to ``out`` as a pickle."""
    try:
        kpis = _run_and_record(
            dataclasses.replace(ctx, progress=False), mode, pop, drivers, trained, names
        )
        payload: tuple[Any, ...] = ("ok", take(ctx.recorder, at), kpis)
    except BaseException as exc:
        text = traceback.format_exc()
        try:
            pickle.dumps(exc)
            error: BaseException = exc
        except Exception:
            error = RunError(f"merchant_credit/{mode}: {exc!r}")
        payload = ("error", error, text)
    with open(out, "wb") as handle:
        pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)


def can_fork() -> bool:
    """Worker processes are wanted and possible: ``fork`` exists and this is the main process of
    the run, not a worker of something else (a sweep's pool workers are multiprocessing children
    but not daemonic; a daemonic process may not have children at all)."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and multiprocessing.parent_process() is None
        and not multiprocessing.current_process().daemon
    )


def run_modes(
    ctx: CaseContext,
    base: MerchantPopulation,
    drivers: MerchantDrivers,
    trained: TrainedScorer,
    names: Names,
) -> dict[str, MerchantCreditKpis]:
    """Run and record every mode (last mode on ``base``); returns the KPIs in mode order."""
    modes: list[str] = list(ctx.config.modes)
    processes = min(ctx.case.mode_processes, len(modes)) if can_fork() else 1
    forked, serial = modes[: processes - 1], modes[processes - 1 :]
    rec = ctx.recorder
    at = mark(rec)
    deltas: dict[str, Delta] = {}
    kpis: dict[str, MerchantCreditKpis] = {}
    workers: dict[str, tuple[multiprocessing.process.BaseProcess, Path]] = {}
    fork = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(dir=ctx.run_dir, prefix=".modes-") as scratch:
        try:
            for mode in forked:
                out = Path(scratch) / f"{mode}.pickle"
                args = (ctx, mode, base, drivers, trained, names, at, str(out))
                worker = fork.Process(target=_worker, args=args, name=f"merchant_credit/{mode}")
                worker.start()
                workers[mode] = (worker, out)
                log.info("merchant_credit/%s: running in process %s", mode, worker.pid)
            for mode in serial:
                pop = base if mode == serial[-1] else base.copy()  # the last takes the original
                kpis[mode] = _run_and_record(ctx, mode, pop, drivers, trained, names)
                deltas[mode] = take(rec, at)
            for mode, (proc, out) in workers.items():
                proc.join()
                deltas[mode], kpis[mode] = _collect(mode, proc, out)
        finally:
            for proc, _ in workers.values():
                if proc.is_alive():
                    proc.terminate()
                proc.join()
    for mode in modes:
        extend(rec, deltas[mode])
    return {mode: kpis[mode] for mode in modes}


def _collect(
    mode: str, proc: multiprocessing.process.BaseProcess, out: Path
) -> tuple[Delta, MerchantCreditKpis]:
    """A finished worker's delta and KPIs; raises what the worker raised."""
    if not out.is_file():
        raise RunError(
            f"merchant_credit/{mode}: its worker process ended without results "
            f"(exit code {proc.exitcode}; out of memory?)"
        )
    with open(out, "rb") as handle:
        payload = pickle.load(handle)
    os.unlink(out)
    if payload[0] == "error":
        error, text = payload[1], payload[2]
        error.add_note(f"in the worker process of mode {mode}:\n{text}")
        raise error
    return payload[1], payload[2]
