"""``yinqi bench``: re-run the golden scenarios and compare their KPIs with the goldens."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "regression benchmarks of KPI bands"
EXIT_FAILED = 1


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``yinqi bench``."""
    parser.add_argument("file", type=Path, nargs="?", default=Path("scenarios/benchmarks.yaml"))
    parser.add_argument("--only", help="run just the benchmark with this name")
    parser.add_argument("--update", action="store_true", help="rewrite expected values")
    parser.add_argument("--out", type=Path, default=Path("runs/bench"), help="parent of run dirs")


def run(args: argparse.Namespace) -> int:
    """Run the benchmarks; exit 1 when a KPI is out of band (0 after ``--update``)."""
    from sim.bench import run_bench, update_bench

    checks = run_bench(args.file, args.out, args.only)
    for c in checks:
        verdict = "ok  " if c.ok else "FAIL"
        measured = "missing" if c.measured is None else f"{c.measured:.6g}"
        band = f"{c.expected:.6g} ± {c.tolerance:g}"
        print(f"{verdict} {c.benchmark}: {c.kpi} = {measured} (band {band})")
    if args.update:
        update_bench(args.file, checks)
        print(f"updated expected values in {args.file}")
        return 0
    failed = sum(not c.ok for c in checks)
    print(f"bench: {len(checks) - failed} within band, {failed} out of band")
    return EXIT_FAILED if failed else 0
