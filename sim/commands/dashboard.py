"""``yinqi dashboard``: the local web dashboard (scenario form, runs, comparisons)."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "local web dashboard on 127.0.0.1: edit and run scenarios, browse and compare runs"


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's arguments."""
    parser.add_argument(
        "--runs",
        type=Path,
        default=Path("runs"),
        help="the run store it lists and runs into (default: runs/ in the working directory)",
    )
    parser.add_argument(
        "--scenarios", type=Path, default=Path("scenarios"), help="folder of scenario files"
    )
    parser.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; prints the URL once it listens."""
    from sim.dashboard.server import serve

    def ready(url: str) -> None:
        print(f"dashboard: {url}  (runs: {args.runs}; Ctrl-C stops it)", flush=True)

    serve(args.runs, args.scenarios, args.port, ready)
    return 0
