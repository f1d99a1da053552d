"""``yinqi``: validate and run scenarios, list runs, train a scoring model on a CSV.

Exit codes (README, "Exit codes"): 0 ok; 1 the work ran but its verdict is negative (a benchmark
out of band, a sweep with failed runs); 2 bad input; 3 a component failed (Anvil, the broker, the
model, the Dask scheduler, the run's disk); 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
Errors are one line on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from sim.commands import discover
from sim.kernel.errors import ComponentError, ScenarioError, SimError, Terminated
from sim.report_units import format_value

log = logging.getLogger("yinqi")

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_COMPONENT = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    common.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    return common


def _scenario_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="scenario YAML file")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override a scenario key (repeatable), typed through the schema",
    )
    parser.add_argument("--seed", type=int, help="master seed (replaces the scenario's)")


def build_parser() -> argparse.ArgumentParser:
    """The ``yinqi`` argument parser."""
    common = _common()
    parser = argparse.ArgumentParser(
        prog="yinqi", description="yinqi-twin: digital twin of bank–enterprise financial products"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    validate = sub.add_parser("validate", parents=[common], help="check a scenario without running")
    _scenario_args(validate)

    run = sub.add_parser("run", parents=[common], help="run a scenario into runs/<id>/")
    _scenario_args(run)
    run.add_argument(
        "--out",
        type=Path,
        default=Path("runs"),
        help="parent folder of run dirs (default: runs/ in the current directory)",
    )
    run.add_argument("--no-progress", action="store_true", help="hide progress bars")
    run.add_argument(
        "--keep-chain", action="store_true", help="leave the run's Anvil up and print its URL"
    )
    run.add_argument(
        "--no-report",
        action="store_true",
        help="skip report.html and the figures (same results, seconds faster)",
    )

    runs = sub.add_parser("runs", parents=[common], help="list run directories and their status")
    runs.add_argument(
        "paths",
        type=Path,
        nargs="*",
        default=[Path("runs")],
        help="run dirs or folders of runs (default: runs/ in the current directory)",
    )

    score = sub.add_parser("score", help="scoring-model tools")
    score_sub = score.add_subparsers(dest="score_command", required=True)
    train = score_sub.add_parser("train", parents=[common], help="train a scoring model on a CSV")
    train.add_argument("--data", type=Path, required=True, help="CSV file, one row per borrower")
    train.add_argument("--target", required=True, help="binary target column (1 = default)")
    train.add_argument("--features", help="comma-separated feature columns (default: all others)")
    train.add_argument(
        "--estimator",
        default="random_forest",
        help="random_forest | hist_gradient_boosting | logistic_regression (default: "
        "random_forest, as merchant_credit.scoring.estimator in the scenarios)",
    )
    train.add_argument(
        "--out", type=Path, default=Path("models"), help="folder for the model (default: models/)"
    )
    train.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    sweep = sub.add_parser("sweep", parents=[common], help="parameter sweep × Monte Carlo seeds")
    sweep.add_argument("file", type=Path, help="sweep YAML (scenario, seeds, grid/zip)")
    sweep.add_argument(
        "--out", type=Path, help="output folder (default: runs/sweep-<file stem> in the cwd)"
    )
    sweep.add_argument("--workers", type=int, default=2, help="local worker processes")
    sweep.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    for command in discover():
        # argparse %-formats help strings: a command's HELP is plain text ("95% CIs")
        help_text = command.help.replace("%", "%%")
        command.configure(sub.add_parser(command.name, parents=[common], help=help_text))
        COMMANDS[command.name] = command.run
    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.debug else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    if not args.debug:
        for noisy in ("amqtt", "transitions", "web3", "urllib3", "matplotlib", "asyncio", "MESA"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def _cmd_validate(args: argparse.Namespace) -> int:
    from sim.config import load_scenario

    config = load_scenario(args.file, seed=args.seed, overrides=args.overrides)
    for warning in config.warnings():
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"ok: {config.name} — cases {', '.join(config.cases())}; "
        f"modes {', '.join(config.modes)}; {config.months} months from {config.start} "
        f"({config.horizon_days} days); seed {config.seed}; "
        f"memory ≈ {config.memory_estimate_bytes() / 2**30:.1f} GiB"
    )
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from sim.runner import run_scenario

    result = run_scenario(
        args.file,
        seed=args.seed,
        overrides=args.overrides,
        out=args.out,
        progress=not args.no_progress,
        keep_chain=args.keep_chain,
        report=not args.no_report,
    )
    wall = result.manifest.get("wall_time_s")
    print(f"run {result.status} in {format_value(wall, None)} s: {result.run_dir}")
    if not args.no_report:
        print(f"report: {result.report_path}")
    for key, url in result.manifest.get("provenance", {}).items():
        if key.endswith(".chain_url"):
            print(f"chain kept: {key.removesuffix('.chain_url')} at {url} (JSON-RPC)")
    return 0


def _cmd_runs(args: argparse.Namespace) -> int:
    from sim.rundir import list_runs

    statuses = list_runs(list(args.paths))
    for s in statuses:
        wall = "" if s.wall_time_s is None else f" {s.wall_time_s:.1f} s"
        error = f" — {s.error}" if s.error and s.status != "ok" else ""
        about = f"{s.scenario}, seed {s.seed}, {s.started_utc}{wall}"
        print(f"{s.status:<10} {s.run_dir} ({about}){error}")
    print(f"runs: {len(statuses)}")
    return 0


def _cmd_score_train(args: argparse.Namespace) -> int:
    from products.credit.train_csv import train_from_csv

    features = [f.strip() for f in args.features.split(",") if f.strip()] if args.features else None
    report = train_from_csv(args.data, args.target, features, args.out, args.estimator, args.seed)
    for key, value in report.items():
        shown = format_value(value, None) if isinstance(value, float) else value
        print(f"{key}: {shown}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from sim.sweep import run_sweep

    if args.workers < 1:
        raise ScenarioError(f"--workers: {args.workers} must be >= 1")
    out = args.out or Path("runs") / f"sweep-{args.file.stem}"
    frame = run_sweep(args.file, out, workers=args.workers, scheduler=args.scheduler)
    failed = int((frame["status"] != "ok").sum())
    print(f"sweep: {len(frame)} runs, {failed} failed → {out / 'sweep.parquet'}")
    return EXIT_FAILED if failed else 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "validate": _cmd_validate,
    "run": _cmd_run,
    "runs": _cmd_runs,
    "train": _cmd_score_train,
    "sweep": _cmd_sweep,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``yinqi`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    command = args.score_command if args.command == "score" else args.command
    on_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if on_main_thread else None
    try:
        return COMMANDS[command](args)
    except SimError as exc:
        if args.debug:
            raise
        print(f"yinqi {args.command}: {exc}", file=sys.stderr)
        return EXIT_COMPONENT if isinstance(exc, ComponentError) else EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("yinqi: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("yinqi: terminated (SIGTERM)", file=sys.stderr)
        return EXIT_TERMINATED
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"yinqi {args.command}: unexpected {type(exc).__name__}: {exc} (use --debug)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    finally:
        if on_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM unwinds the run like Ctrl-C, so it ends with a true manifest and stops its
    components."""
    raise Terminated("SIGTERM")


if __name__ == "__main__":
    sys.exit(main())
