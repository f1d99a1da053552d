"""``yinqi bench``: re-run the golden scenarios over their seed sets and test each KPI's mean."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.kernel.errors import ScenarioError

HELP = "distributional regression benchmarks (KPI means over fixed seed sets)"
EXIT_FAILED = 1


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``yinqi bench``."""
    parser.add_argument("file", type=Path, nargs="?", default=Path("scenarios/benchmarks.yaml"))
    parser.add_argument("--only", help="run just the benchmark with this name")
    parser.add_argument("--group", help="run just the benchmarks of this group (quick, full)")
    parser.add_argument(
        "--seeds", help="comma-separated seeds replacing each benchmark's seed set (Welch test)"
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="extra override after each benchmark's own (repeatable)",
    )
    parser.add_argument("--update", action="store_true", help="rewrite the goldens, print the diff")
    parser.add_argument("--out", type=Path, default=Path("runs/bench"), help="parent of run dirs")


def _seeds(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        seeds = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise ScenarioError(f"--seeds: {text!r} must be comma-separated integers") from None
    if len(seeds) < 2 or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise ScenarioError(f"--seeds: {text!r} must be at least 2 distinct seeds >= 0")
    return seeds


def run(args: argparse.Namespace) -> int:
    """Run the benchmarks; exit 1 when a KPI's mean moved (0 after ``--update``)."""
    from sim.bench import run_bench, update_bench

    result = run_bench(
        args.file,
        args.out,
        only=args.only,
        group=args.group,
        seeds=_seeds(args.seeds),
        extra=tuple(args.overrides),
    )
    for c in result.checks:
        t = c.test
        verdict = "ok  " if c.ok else "FAIL"
        print(
            f"{verdict} {c.benchmark}: {c.kpi} mean {t.mean:.4g} (sd {t.sd:.3g}, n {t.n}) vs "
            f"golden {t.golden_mean:.4g} (sd {t.golden_sd:.3g}); diff {t.difference:+.3g}, "
            f"{t.method} p {t.p_value:.3g} (fail < {t.alpha:.3g}); detectable {t.detectable:.3g}"
        )
    for timing in result.timings:
        golden = "none" if timing.golden_s is None else f"{timing.golden_s:.3g} s"
        flag = "WARNING slower than tolerance" if timing.slow else "time"
        print(f"{flag}: {timing.benchmark} {timing.measured_s:.3g} s per run (golden {golden})")
    if args.update:
        for line in update_bench(args.file, result):
            print(f"update {line}")
        print(f"updated goldens in {args.file}")
        return 0
    failed = len(result.failed)
    print(f"bench: {len(result.checks) - failed} KPIs unchanged, {failed} changed")
    return EXIT_FAILED if failed else 0
