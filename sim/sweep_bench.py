"""Parallel efficiency of a sweep: the same runs on 1 and on N local workers (``make bench-sweep``).

``python -m sim.sweep_bench [FILE] [--workers 2] [--warm | --cold]`` times a sweep file (default
``scenarios/sweeps/bench_sweep.yaml``: 8 runs with real components) on one worker and on
``--workers`` workers, into fresh folders, and prints wall times, the sum of the runs' own wall
times, the time outside the runs, and the parallel efficiency ``T1 / (N · TN)``. ``--cold``
counts the workers' start-up (spawn + imports) in the sweep's time, as a one-off ``yinqi sweep``
pays it; ``--warm`` (the default) starts and warms the pool first, as a study or a session that
reuses one :class:`~sim.sweep_pool.WarmPool` does. The machine's load average is printed beside
the figures: other processes on the same cores lower the efficiency, so compare in one run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.sweep import load_spec, plan, run_plan
from sim.sweep_pool import WarmPool

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "scenarios/sweeps/bench_sweep.yaml"

#: How much a run's mean wall time moves between two sweeps of the same runs on a quiet machine
#: (measured: 1-5 %); beyond it, runs slower on one worker than on several mean other load.
RUN_NOISE = 0.05


@dataclass(frozen=True)
class Timing:
    """One timed sweep."""

    workers: int
    wall_s: float
    warm_up_s: float
    frame: pd.DataFrame

    @property
    def run_s(self) -> float:
        """Sum of the runs' own wall times (inside ``run_scenario``)."""
        return float(self.frame["wall_time_s"].sum())

    @property
    def outside_per_run_s(self) -> float:
        """Worker time not spent inside a run, per run: ``(N · wall − Σ run) / runs``."""
        return (self.workers * self.wall_s - self.run_s) / len(self.frame)


def time_sweep(path: Path, workers: int, warm: bool, out: Path) -> Timing:
    """Run the sweep file on ``workers`` fresh workers into ``out``; time it."""
    spec = load_spec(path)
    scenario = (path.parent / spec.scenario).resolve()
    sweep = plan(spec, scenario)
    with WarmPool(workers) as pool:
        began = time.perf_counter()
        if warm:
            pool.warm()
        warmed = time.perf_counter()
        frame = run_plan(sweep, scenario, out, pool=pool)
        ended = time.perf_counter()
    failed = frame[frame["status"] != "ok"]
    if not failed.empty:
        raise RuntimeError(f"bench sweep: {len(failed)} runs failed: {failed['error'].iloc[0]}")
    start = warmed if warm else began
    return Timing(workers, ended - start, warmed - began, frame)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min) / {five:.1f} (5 min) on {os.cpu_count()} cores"


def _line(t: Timing) -> str:
    return (
        f"{t.workers} worker(s): {t.wall_s:7.1f} s wall for {len(t.frame)} runs "
        f"({len(t.frame) / t.wall_s * 60:.2f} runs/min); Σ run wall {t.run_s:.1f} s; "
        f"outside runs {t.outside_per_run_s:.2f} s/run; warm-up {t.warm_up_s:.1f} s"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark; exit 0 (the figures are the result, there is no threshold)."""
    parser = argparse.ArgumentParser(prog="python -m sim.sweep_bench", description=__doc__)
    parser.add_argument("file", type=Path, nargs="?", default=DEFAULT_FILE, help="sweep YAML")
    parser.add_argument("--workers", type=int, default=2, help="workers of the parallel sweep")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--warm", dest="warm", action="store_true", default=True)
    mode.add_argument("--cold", dest="warm", action="store_false")
    args = parser.parse_args(argv)
    print(f"sweep bench: {args.file} ({'warm' if args.warm else 'cold'} workers); {_load()}")
    with tempfile.TemporaryDirectory(prefix="sweep-bench-") as tmp:
        one = time_sweep(args.file, 1, args.warm, Path(tmp) / "one")
        print(_line(one), flush=True)
        many = time_sweep(args.file, args.workers, args.warm, Path(tmp) / "many")
        print(_line(many), flush=True)
    kpis = [c for c in one.frame.columns if c.count(".") >= 2]
    same = one.frame[kpis].equals(many.frame[kpis])
    efficiency = one.wall_s / (args.workers * many.wall_s)
    print(
        f"parallel efficiency {efficiency:.2f} (T1 / ({args.workers} · T{args.workers}) = "
        f"{one.wall_s:.1f} / ({args.workers} · {many.wall_s:.1f})); speed-up "
        f"{one.wall_s / many.wall_s:.2f}×; identical KPI tables: {same}; {_load()}"
    )
    slow = (one.run_s / len(one.frame)) / (many.run_s / len(many.frame))
    print(f"mean run wall, 1 worker / {args.workers} workers: {slow:.2f}")
    if slow > 1 + RUN_NOISE:
        print(
            "warning: the runs were slower on 1 worker than on several, so other load on the "
            "machine changed between the two sweeps; the efficiency above is not valid"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
