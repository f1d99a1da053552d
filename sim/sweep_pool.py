"""Where sweep tasks run: warm local worker processes or a Dask cluster, in submission order.

A :class:`WarmPool` starts its worker processes once, each importing the run machinery and the
heavy libraries behind the adapters (scikit-learn, web3, paho) in its initializer, and can serve
many sweeps (a sensitivity study, a benchmark). Tasks are submitted in run order; a local pool
takes them first-in first-out and Dask gets decreasing priorities, so the finished runs of a
stopped sweep are the first tasks of its plan. A task whose worker dies is a failed row.
"""

from __future__ import annotations

import importlib
import logging
import os
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from types import TracebackType
from typing import Any

from tqdm import tqdm

from sim.kernel.errors import SchedulerError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    """One run of a sweep: a point and a seed, with its stable key and provenance."""

    point_id: int
    replicate: int
    seed: int
    params: dict[str, Any]
    overrides: tuple[str, ...]
    key: str
    config_hash: str
    ledger: str | None
    report: bool = False


#: How long a sweep waits for the Dask scheduler it was pointed at before giving up.
SCHEDULER_TIMEOUT_S = 5.0
#: Imported once per worker: the runner, every case's wiring and the adapters' libraries.
WARM_MODULES = (
    "sim.runner",
    "sim.report",
    "sim.cases.supply_chain.wiring",
    "sim.cases.merchant_credit.wiring",
    "sim.cases.equipment_leasing.wiring",
    "products.credit.model",
    "products.ledger.chain",
    "products.telemetry.mqtt",
)


def warm_worker() -> None:
    """Worker initializer: pay the imports once per process, not once per run."""
    for name in WARM_MODULES:
        importlib.import_module(name)


def run_task(scenario: str, task: Task, out: str) -> dict[str, Any]:
    """Worker entry point (module level: picklable for process pools and Dask)."""
    from sim.runner import run_scenario

    try:
        result = run_scenario(
            scenario,
            seed=task.seed,
            overrides=task.overrides,
            out=out,
            progress=False,
            run_name=task.key,
            report=task.report,
        )
    except Exception as exc:  # a failed run is a row of the sweep, not the end of it
        return {"status": "failed", "kpis": {}, "error": f"{type(exc).__name__}: {exc}"}
    wall = result.manifest.get("wall_time_s")
    return {"status": result.status, "kpis": result.kpis, "error": None, "wall_time_s": wall}


class WarmPool:
    """Local worker processes (spawned, warmed once) that serve one sweep or many.

    Use as a context manager; :meth:`warm` waits until every worker has done its imports.
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers: {workers} must be >= 1")
        self.workers = workers
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=get_context("spawn"), initializer=warm_worker
        )

    def warm(self) -> int:
        """Start every worker now and wait for its imports; returns how many answered."""
        pids = {f.result() for f in [self.executor.submit(os.getpid) for _ in range(self.workers)]}
        return len(pids)

    def restart(self) -> None:
        """Replace a broken pool (a worker died) with fresh workers."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()

    def close(self) -> None:
        """Stop the workers."""
        self.executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> WarmPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def execute(
    todo: list[Task],
    scenario: str,
    runs: str,
    results: dict[str, dict[str, Any]],
    workers: int = 2,
    scheduler: str | None = None,
    pool: WarmPool | None = None,
) -> None:
    """Run ``todo`` (in run order) and put each outcome into ``results`` by run key as it
    finishes, so a caller that is interrupted still has the finished ones."""
    bar = tqdm(total=len(todo), desc="sweep", unit="run", disable=None)
    try:
        if scheduler:
            _on_dask(todo, scenario, runs, results, scheduler, bar)
        elif pool is not None:
            _on_pool(todo, scenario, runs, results, pool, bar)
        else:
            with WarmPool(workers) as own:
                _on_pool(todo, scenario, runs, results, own, bar)
    finally:
        bar.close()


def _on_pool(
    todo: list[Task],
    scenario: str,
    runs: str,
    results: dict[str, dict[str, Any]],
    pool: WarmPool,
    bar: tqdm,
) -> None:
    """Run on the pool; runs lost with a dead worker are tried once more on fresh workers."""
    for attempt in range(2):
        lost = _pool_pass(todo, scenario, runs, results, pool, bar, last=attempt == 1)
        if not lost:
            return
        log.warning("sweep: a worker process died; %d runs go to fresh workers", len(lost))
        pool.restart()
        todo = lost


def _pool_pass(
    todo: list[Task],
    scenario: str,
    runs: str,
    results: dict[str, dict[str, Any]],
    pool: WarmPool,
    bar: tqdm,
    last: bool,
) -> list[Task]:
    pending: dict[Future[dict[str, Any]], Task] = {
        pool.executor.submit(run_task, scenario, t, runs): t for t in todo
    }
    lost = []
    for future in as_completed(pending):
        task = pending[future]
        try:
            results[task.key] = future.result()
        except BrokenProcessPool as exc:
            if not last:
                lost.append(task)
                continue
            error = f"BrokenProcessPool: the worker process died ({exc})"
            results[task.key] = {"status": "failed", "kpis": {}, "error": error}
        bar.update(1)
    return [t for t in todo if t in lost]


def _on_dask(
    todo: list[Task],
    scenario: str,
    runs: str,
    results: dict[str, dict[str, Any]],
    scheduler: str,
    bar: tqdm,
) -> None:
    from distributed import Client
    from distributed import as_completed as dask_completed

    try:
        client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
    except OSError as exc:
        raise SchedulerError(
            f"--scheduler {scheduler}: no Dask scheduler answered within "
            f"{SCHEDULER_TIMEOUT_S:g} s ({exc})"
        ) from None
    with client:
        client.run(warm_worker)
        futures = {
            client.submit(run_task, scenario, t, runs, pure=False, priority=-i): t
            for i, t in enumerate(todo)
        }
        for future in dask_completed(futures):
            try:
                results[futures[future].key] = future.result()
            except Exception as exc:  # e.g. KilledWorker: the run is a failed row
                error = f"{type(exc).__name__}: {exc}"
                results[futures[future].key] = {"status": "failed", "kpis": {}, "error": error}
            bar.update(1)
