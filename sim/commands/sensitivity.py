"""``yinqi sensitivity STUDY.yaml``: Sobol' indices or Morris screening of KPIs over parameters."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

HELP = "global sensitivity of KPIs to parameters (Sobol' indices or Morris screening)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``yinqi sensitivity``."""
    parser.add_argument("file", type=Path, help="study YAML (scenario, parameters, kpis, seeds)")
    parser.add_argument(
        "--out", type=Path, help="output folder (default: runs/sensitivity-<file stem>)"
    )
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    parser.add_argument(
        "--plan", action="store_true", help="print the design's cost (runs) and stop"
    )


def run(args: argparse.Namespace) -> int:
    """Run the study, write the table and figures, print the indices; exit 0."""
    from sim.kernel.errors import ScenarioError
    from sim.sensitivity import load_study, run_study, scenario_evaluator, write_study

    if args.workers < 1:
        raise ScenarioError(f"--workers: {args.workers} must be >= 1")
    spec = load_study(args.file)
    cost = (
        f"{spec.method}: {len(spec.parameters)} parameters, {spec.points} points × "
        f"{len(spec.seeds)} seeds = {spec.runs} runs"
    )
    if args.plan:
        print(cost)
        return 0
    out = args.out or Path("runs") / f"sensitivity-{args.file.stem}"
    began = time.perf_counter()
    evaluate = scenario_evaluator(spec, args.file, out, args.workers, args.scheduler)
    study = run_study(spec, evaluate)
    paths = write_study(study, out)
    failed = int((study.runs["status"] != "ok").sum())
    shown = study.indices.drop(columns=["method", "points", "replicates"])
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    seconds = time.perf_counter() - began
    print(f"{cost}; {failed} failed; {seconds:.0f} s wall")
    print(f"table: {paths[0]}\nfigures: {out / 'figures'}")
    return 0
