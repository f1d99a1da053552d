"""Performance table of the three cases (``make bench``): ``python -m sim.perf``.

Each case runs at a benchmark size on its real component, in a child process of its own, so the
case's peak memory is that child's maximum resident set (``os.wait4``). After the run, the same
child measures the component's raw limit on this machine at that moment:

- case 1 (supply_chain): the ledger's transactions per second of the innovated mode's wall time,
  against the raw limit of the same backend on the same op mix (pyrevm's bare ``message_call``
  loop for revm, batched raw JSON-RPC for Anvil: :mod:`products.ledger.bench`);
- case 2 (merchant_credit): merchants scored per second inside the run (model time only), against
  the fitted pipeline scoring one full block of :data:`~agents.merchant_credit.desk.SCORE_BLOCK`
  merchants;
- case 3 (equipment_leasing): monitored messages per second of the innovated mode's wall time,
  against a raw paho publish/subscribe round trip on an embedded broker
  (:mod:`products.telemetry.bench`).

Agent-days per second = agents × sim days × modes / the case's wall time (runs without a report:
no figures are drawn). Not a test: it prints measured numbers (``--full`` runs the sizes of issue
14, with the issue's target for each).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.config import ScenarioConfig, load_scenario

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Size:
    """One benchmark size of a case: its overrides and issue 14's target for its wall time."""

    label: str
    overrides: tuple[str, ...]
    target_s: float | None = None


@dataclass(frozen=True)
class CaseBench:
    """One case at its benchmark sizes: scenario, overrides, and what counts as its agents."""

    case: str
    scenario: str
    overrides: tuple[str, ...]
    quick: Size
    full: tuple[Size, ...]
    component: str

    def sizes(self, full: bool) -> tuple[Size, ...]:
        """The sizes a ``make bench`` (quick) or ``--full`` run measures."""
        return self.full if full else (self.quick,)

    def config(self, size: Size, extra: tuple[str, ...] = ()) -> ScenarioConfig:
        """The benchmark scenario at ``size``, then the ``extra`` overrides that are not another
        case's keys."""
        others = set(BENCHES) - {self.case}
        mine = [item for item in extra if item.split(".", 1)[0] not in others]
        return load_scenario(
            ROOT / self.scenario, overrides=[*self.overrides, *size.overrides, *mine]
        )


def _suppliers(n: int, months: int, target_s: float | None = None) -> Size:
    return Size(
        f"{n:,}+{n:,} suppliers × {months} months",
        (
            f"supply_chain.population.tier1_count={n}",
            f"supply_chain.population.tier2_count={n}",
            f"months={months}",
        ),
        target_s,
    )


BENCHES: dict[str, CaseBench] = {
    "supply_chain": CaseBench(
        "supply_chain",
        "scenarios/supply_chain.yaml",
        ("supply_chain.ledger.adapter=revm",),
        Size("the scenario's suppliers × 3 months", ("months=3",)),
        (_suppliers(100, 12, 10.0), _suppliers(1000, 12, 60.0)),
        "tx/s",
    ),
    "merchant_credit": CaseBench(
        "merchant_credit",
        "scenarios/merchant_credit.yaml",
        (),
        Size("20,000 merchants × 12 months", ("merchant_credit.merchants=20000", "months=12")),
        (
            Size(
                "500,000 merchants × 24 months",
                ("merchant_credit.merchants=500000", "months=24"),
                300.0,
            ),
        ),
        "scored/s",
    ),
    # the channel decomposition's extra runs are on the in-memory fake, not the broker path
    "equipment_leasing": CaseBench(
        "equipment_leasing",
        "scenarios/equipment_leasing.yaml",
        ("equipment_leasing.decomposition.enabled=false",),
        Size("300 devices × 1 month", ("equipment_leasing.fleet.devices=300", "months=1")),
        (
            Size(
                "3,000 devices × 12 months",
                ("equipment_leasing.fleet.devices=3000", "months=12"),
                300.0,
            ),
        ),
        "msg/s",
    ),
}


def agents(config: ScenarioConfig, case: str) -> int:
    """The case's agent count (suppliers, merchants, devices)."""
    if case == "supply_chain":
        population = config.supply_chain.population  # type: ignore[union-attr]
        return int(population.tier1_count + population.tier2_count)
    if case == "merchant_credit":
        return int(config.merchant_credit.merchants)  # type: ignore[union-attr]
    return int(config.equipment_leasing.fleet.devices)  # type: ignore[union-attr]


# ---- raw limits (measured in the child, right after its run) -----------------------------------
def _ledger_raw(config: ScenarioConfig) -> float:
    from products.ledger import bench

    steps, _ = bench.plan(40, 40)
    n_tx = sum(len(ops) for ops in steps)
    if config.supply_chain.ledger.adapter == "revm":  # type: ignore[union-attr]
        from products.ledger import revm_bench

        return n_tx / revm_bench.run_raw(steps)
    return n_tx / bench.run_raw(steps)


def _model_raw(config: ScenarioConfig, run_dir: Path) -> float:
    from agents.merchant_credit.desk import SCORE_BLOCK
    from agents.merchant_credit.features import platform_features
    from agents.merchant_credit.merchants import MerchantPopulation
    from agents.merchant_credit.population import build_drivers, generate_traits
    from products.credit.model import SklearnScorer
    from sim.kernel.rng import SeedTree

    cfg = config.merchant_credit
    assert cfg is not None
    scorer = SklearnScorer.load(run_dir / "artifacts" / "merchant_credit_model")
    seeds, history, n = SeedTree(0), cfg.scoring.history_days, 4096
    pop = MerchantPopulation(
        cfg, generate_traits(cfg, n, seeds.generator("t")), seeds.generator("d"), history
    )
    drivers = build_drivers(cfg, config.start, -history, history)
    for day in range(-history, 0):
        pop.step(day, drivers, np.zeros(n, dtype=bool))
    names = (list(cfg.population.categories), list(cfg.population.regions))
    idx = np.resize(np.arange(n), SCORE_BLOCK)
    frame = platform_features(pop, idx, 0, *names)
    best = min(_timed(lambda: scorer.score(frame)) for _ in range(3))
    return SCORE_BLOCK / best


def _broker_raw(config: ScenarioConfig) -> float:
    import secrets

    from products.telemetry import bench
    from products.telemetry.broker import EmbeddedBroker

    devices = min(agents(config, "equipment_leasing"), 300)
    batches = bench.make_batches(devices, 30)
    secret = secrets.token_bytes(32)
    with EmbeddedBroker(secret) as broker:
        return float(bench.raw_rate(broker.url, secret, batches))


def _timed(work: Callable[[], Any]) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


# ---- in-run rates (from the run's manifest and summary) ------------------------------------------
def in_run_rate(case: str, manifest: dict[str, Any], kpis: dict[str, Any]) -> float | None:
    """The real component's rate inside the run (innovated mode)."""
    prov = manifest.get("provenance", {})
    try:
        if case == "supply_chain":
            return (
                kpis["supply_chain.innovated.tx_count"] / prov["supply_chain.innovated.wall_time_s"]
            )
        if case == "merchant_credit":
            tally = prov["merchant_credit.innovated.throughput"]
            return tally["rows_scored"] / tally["model_time_s"]
        seconds = prov["equipment_leasing.innovated.wall_seconds"]
        return kpis["equipment_leasing.innovated.messages_handled"] / seconds
    except (KeyError, TypeError, ZeroDivisionError):
        return None


def child(case: str, size: int, full: bool, extra: tuple[str, ...], out: Path, result: Path) -> int:
    """Run one case at one size and measure its raw limit; write the figures as JSON to
    ``result``."""
    import sim

    bench = BENCHES[case]
    chosen = bench.sizes(full)[size]
    config = bench.config(chosen, extra)
    began = time.perf_counter()
    run = sim.run_scenario(config, out=out, progress=False, report=False)
    wall = time.perf_counter() - began
    raws: dict[str, Callable[[], float]] = {
        "supply_chain": lambda: _ledger_raw(config),
        "merchant_credit": lambda: _model_raw(config, run.run_dir),
        "equipment_leasing": lambda: _broker_raw(config),
    }
    try:
        raw: float | None = raws[case]()
    except Exception as exc:  # the table says why a raw limit is missing, the run still counts
        log.warning("%s: raw limit not measured: %s: %s", case, type(exc).__name__, exc)
        raw = None
    figures = {
        "case": case,
        "size": chosen.label,
        "target_s": chosen.target_s,
        "agents": agents(config, case),
        "days": config.horizon_days,
        "modes": len(config.modes),
        "case_wall_s": run.manifest["case_wall_time_s"][case],
        "run_wall_s": wall,
        "in_run": in_run_rate(case, run.manifest, run.kpis),
        "raw": raw,
        "cpu_s": resource.getrusage(resource.RUSAGE_SELF).ru_utime,
    }
    result.write_text(json.dumps(figures))
    return 0


def measure(case: str, size: int, full: bool, extra: tuple[str, ...], out: Path) -> dict[str, Any]:
    """Run :func:`child` in a fresh interpreter; add its peak resident memory."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        argv = [sys.executable, "-m", "sim.perf", "--child", case, "--size", str(size)]
        argv += ["--out", str(out)]
        argv += ["--result", str(result), *(["--full"] if full else [])]
        argv += [f"--set={item}" for item in extra]
        proc = subprocess.Popen(argv, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0 or not result.exists():
            label = BENCHES[case].sizes(full)[size].label
            return {"case": case, "size": label, "error": f"exit {proc.returncode}"}
        figures: dict[str, Any] = json.loads(result.read_text())
    figures["peak_rss_mib"] = usage.ru_maxrss / 1024
    return figures


def table(rows: list[dict[str, Any]]) -> str:
    """The Markdown table printed and kept in docs/performance.md (``target s``: issue 14's
    target for the case's wall time, where it sets one)."""
    head = (
        "| case | agents × days × modes | wall s | target s | agent-days/s | unit | in run | raw | "
        "ratio | RSS MiB |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['case']} | {r['size']}: failed, {r['error']} |" + "  |" * 8)
            continue
        agent_days = r["agents"] * r["days"] * r["modes"]
        in_run, raw = r["in_run"], r["raw"]
        ratio = f"{in_run / raw:.2f}" if in_run and raw else "n/a"
        lines.append(
            f"| {r['case']} | {r['agents']:,} × {r['days']} × {r['modes']} | "
            f"{r['case_wall_s']:.1f} | {_target(r)} | {agent_days / r['case_wall_s']:,.0f} | "
            f"{BENCHES[r['case']].component} | {_num(in_run)} | {_num(raw)} | {ratio} | "
            f"{r['peak_rss_mib']:,.0f} |"
        )
    return "\n".join(lines)


def _target(row: dict[str, Any]) -> str:
    target = row.get("target_s")
    if target is None:
        return "—"
    return f"{target:.0f} {'met' if row['case_wall_s'] < target else 'missed'}"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(BENCHES), help="comma-separated case names")
    parser.add_argument("--full", action="store_true", help="issue 14's sizes (long)")
    parser.add_argument("--out", type=Path, default=None, help="parent folder of the run dirs")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra override (a key of another case is left out of this case's run)",
    )
    parser.add_argument("--child", choices=sorted(BENCHES), help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    cases = [c for c in args.cases.split(",") if c]
    unknown = sorted(set(cases) - set(BENCHES))
    if unknown:
        parser.error(f"--cases: {unknown} not in {sorted(BENCHES)}")
    with tempfile.TemporaryDirectory(prefix="yinqi-perf-") as tmp:
        out = args.out if args.out is not None else Path(tmp)
        if args.child:
            extra = tuple(args.set)
            return child(args.child, args.size, args.full, extra, out, args.result)
        rows = []
        for case in cases:
            for index, size in enumerate(BENCHES[case].sizes(args.full)):
                print(f"running {case}, {size.label} ...", flush=True)
                rows.append(measure(case, index, args.full, tuple(args.set), out))
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores")
    print(table(rows))
    return 0 if all("error" not in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
