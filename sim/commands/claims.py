"""``yinqi claims``: the article's claims over seeds with 95% intervals, and their sensitivity."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.kernel.errors import ScenarioError

HELP = "the article's claims over many seeds (95% CIs, paired by seed) and their sensitivity"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``yinqi claims``."""
    parser.add_argument("file", type=Path, nargs="?", default=Path("scenarios/claims.yaml"))
    parser.add_argument("--out", type=Path, default=Path("runs/claims"), help="output folder")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")


def run(args: argparse.Namespace) -> int:
    """Run the claims study, print the baseline table and where the report is; exit 0."""
    from sim.claims import run_claims

    if args.workers < 1:
        raise ScenarioError(f"--workers: {args.workers} must be >= 1")
    result = run_claims(args.file, args.out, workers=args.workers)
    for r in result.summary.itertuples():
        where = "" if r.parameter == "(scenario)" else f" [{r.parameter}={r.value}]"
        print(
            f"{r.case}: {r.claim}{where}: mean {r.mean:.4g} [{r.ci_low:.4g}, {r.ci_high:.4g}] "
            f"({r.target}); holds on {r.holds_seeds} seeds: {r.verdict}"
        )
    print(f"report: {result.html_path}\ntable: {result.csv_path}")
    return 0
