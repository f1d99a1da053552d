"""A case's modes in parallel processes, recorded exactly as one after the other.

The modes of a case share nothing but the read-only set-up (population, drivers, a trained
scorer), so after the set-up the first modes run in forked worker processes, each on its
copy-on-write view of that set-up, while this process runs the rest, the last mode on the
originals (as the serial run does). Each mode records into the recorder as if alone; what it
added (events, KPI points, totals, provenance, figures) is cut out and spliced back in mode
order, so the recorder ends up row for row as after a serial run: same ``events.parquet``,
``kpis.parquet`` and ``summary.json``.

``<case>.mode_processes`` sets how many processes (1 = serial). Inside a worker process (a
sweep's pool worker, a daemonic process) or where ``fork`` is not available the modes run
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sim.cases.base import CaseContext
from sim.kernel.errors import RunError
from sim.recorder import Recorder

log = logging.getLogger(__name__)
T = TypeVar("T")

#: ``run_one(ctx, mode, private)`` runs and records one mode and returns its (picklable) result;
#: ``private`` says the mode may change the shared set-up in place (it is the last mode of this
#: process, or alone in a forked one); otherwise it must work on a copy.
ModeRunner = Callable[[CaseContext, str, bool], T]

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


def can_fork() -> bool:
    """Worker processes are wanted and possible: ``fork`` exists and this is the main process of
    the run, not a worker of something else (a sweep's pool workers are multiprocessing children
    but not daemonic; a daemonic process may not have children at all)."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and multiprocessing.parent_process() is None
        and not multiprocessing.current_process().daemon
    )


def _worker(
    ctx: CaseContext, label: str, mode: str, run_one: ModeRunner[Any], at: Mark, out: str
) -> None:
    """A forked worker: run one mode, write (status, delta, result) to ``out`` as a pickle."""
    try:
        result = run_one(dataclasses.replace(ctx, progress=False), mode, True)
        payload: tuple[Any, ...] = ("ok", take(ctx.recorder, at), result)
    except BaseException as exc:
        text = traceback.format_exc()
        try:
            pickle.dumps(exc)
            error: BaseException = exc
        except Exception:
            error = RunError(f"{label}/{mode}: {exc!r}")
        payload = ("error", error, text)
    with open(out, "wb") as handle:
        pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)


def run_modes(ctx: CaseContext, label: str, run_one: ModeRunner[T], processes: int) -> dict[str, T]:
    """Run and record every mode of ``ctx.config.modes`` on up to ``processes`` processes (the
    first modes forked, the rest here in order); returns each mode's result, in mode order.

    Raises:
        RunError: a worker process ended without results (killed, out of memory).
        Exception: what a mode raised, in a worker (with its traceback as a note) or here.
    """
    modes: list[str] = list(ctx.config.modes)
    processes = min(processes, len(modes)) if can_fork() else 1
    forked, serial = modes[: processes - 1], modes[processes - 1 :]
    rec = ctx.recorder
    at = mark(rec)
    deltas: dict[str, Delta] = {}
    results: dict[str, T] = {}
    workers: dict[str, tuple[multiprocessing.process.BaseProcess, Path]] = {}
    fork = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(dir=ctx.run_dir, prefix=".modes-") as scratch:
        try:
            for mode in forked:
                out = Path(scratch) / f"{mode}.pickle"
                args = (ctx, label, mode, run_one, at, str(out))
                worker = fork.Process(target=_worker, args=args, name=f"{label}/{mode}")
                worker.start()
                workers[mode] = (worker, out)
                log.info("%s/%s: running in process %s", label, mode, worker.pid)
            for mode in serial:
                results[mode] = run_one(ctx, mode, mode == serial[-1])
                deltas[mode] = take(rec, at)
            for mode, (proc, out) in workers.items():
                proc.join()
                deltas[mode], results[mode] = _collect(label, mode, proc, out)
        finally:
            for proc, _ in workers.values():
                if proc.is_alive():
                    proc.terminate()
                proc.join()
    for mode in modes:
        extend(rec, deltas[mode])
    return {mode: results[mode] for mode in modes}


def _collect(
    label: str, mode: str, proc: multiprocessing.process.BaseProcess, out: Path
) -> tuple[Delta, Any]:
    """A finished worker's delta and result; raises what the worker raised."""
    if not out.is_file():
        raise RunError(
            f"{label}/{mode}: its worker process ended without results "
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
