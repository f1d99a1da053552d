"""Benchmark: case 3 over the in-memory fake, the embedded broker and mosquitto.

``python -m products.telemetry.case_bench [--devices 3000] [--months 12] [--raw-ticks 20]``

Runs ``yinqi run scenarios/equipment_leasing.yaml`` (innovated mode only: the traditional mode
has no telemetry) in a child process once per adapter — the fake, the embedded amqtt broker
(the default) and, when installed, a throw-away mosquitto — and prints for each the wall time
of the run and of the mode, messages per second of the mode, CPU seconds of the run's process
tree (with the embedded broker, which is its child; mosquitto's own CPU is not in it) and
whether every KPI of the mode equals the fake's. On the same kind of broker in the same
invocation it then measures a raw paho round trip (:class:`~products.telemetry.bench.
RawRoundTrip`: as many device connections, publish each tick, wait until the subscriber has
every message; no codec, no monitor, no model) and prints the case's rate against it.
Issue 14's targets at 3,000 devices x 12 months: embedded under 300 s, mosquitto under 180 s.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from products.telemetry.bench import RawRoundTrip, make_batches, mosquitto_url
from products.telemetry.broker import EmbeddedBroker

log = logging.getLogger(__name__)

_ROOT = Path(__file__).resolve().parents[2]
SCENARIO = _ROOT / "scenarios" / "equipment_leasing.yaml"
CASE, MODE = "equipment_leasing", "innovated"
TARGETS_S = {"embedded": 300.0, "mosquitto": 180.0}  # at ISSUE_SIZE only
ISSUE_SIZE = (3000, 12)


@dataclass(frozen=True)
class CaseRun:
    """One ``yinqi run`` of the case.

    Attributes:
        adapter: ``fake``, ``embedded`` or ``mosquitto``.
        wall_s: wall time of the child process (start-up and report included).
        mode_s: wall time of the innovated mode as the run records it.
        cpu_s: user + system CPU of the child's process tree.
        kpis: the mode's KPIs from ``summary.json``.
    """

    adapter: str
    wall_s: float
    mode_s: float
    cpu_s: float
    kpis: dict[str, Any]

    @property
    def messages(self) -> int:
        """Batches the monitor handled (one per device per day)."""
        return int(self.kpis["messages_handled"])


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_case(adapter: str, devices: int, months: int, broker_url: str | None = None) -> CaseRun:
    """Run the case's innovated mode with ``adapter`` in a child ``yinqi run``.

    Raises:
        RuntimeError: the run failed (its output is in the message).
    """
    sets = {
        "equipment_leasing.fleet.devices": str(devices),
        "months": str(months),
        "modes": f"[{MODE}]",
        "equipment_leasing.telemetry.adapter": "fake" if adapter == "fake" else "mqtt",
    }
    if broker_url is not None:
        sets["equipment_leasing.telemetry.broker_url"] = broker_url
    with tempfile.TemporaryDirectory() as out:
        argv = [sys.executable, "-m", "sim.cli", "run", str(SCENARIO), "--out", out]
        argv += [arg for key, value in sets.items() for arg in ("--set", f"{key}={value}")]
        argv += ["--no-progress", "-q"]
        cpu0, started = _children_cpu_s(), time.perf_counter()
        done = subprocess.run(argv, cwd=_ROOT, capture_output=True, text=True, check=False)
        wall, cpu = time.perf_counter() - started, _children_cpu_s() - cpu0
        if done.returncode != 0:
            raise RuntimeError(f"{adapter} run failed ({done.returncode}): {done.stderr[-2000:]}")
        run_dir = next(Path(out).iterdir())
        summary = json.loads((run_dir / "summary.json").read_text())
        manifest = json.loads((run_dir / "manifest.json").read_text())
    mode_s = float(manifest["provenance"][f"{CASE}.{MODE}.wall_seconds"])
    prefix = f"{CASE}.{MODE}."
    kpis = {k[len(prefix) :]: v for k, v in summary["kpis"].items() if k.startswith(prefix)}
    return CaseRun(adapter, wall, mode_s, cpu, kpis)


def kpi_differences(run: CaseRun, reference: CaseRun) -> list[str]:
    """The KPI names whose values differ between two runs (empty: identical)."""
    keys = sorted(set(run.kpis) | set(reference.kpis))
    return [k for k in keys if run.kpis.get(k) != reference.kpis.get(k)]


def raw_round_trip(url: str, secret: bytes, devices: int, ticks: int) -> float:
    """Messages per second of plain paho publish → broker → subscriber, ``devices`` connections.

    Each tick every device publishes one day of readings of the benchmark's scripted fleet
    (the same JSON layout and size as the case's messages).
    """
    day = [(b.device_id, b.to_payload()) for b in make_batches(devices, 1)[0]]
    raw = RawRoundTrip(url, secret, [device_id for device_id, _ in day])
    try:
        return raw.rate([day] * ticks)
    finally:
        raw.close()


def _row(run: CaseRun, fake: CaseRun | None, issue_size: bool = False) -> str:
    rate = run.messages / run.mode_s
    line = (
        f"{run.adapter:9s} run {run.wall_s:7.1f} s  mode {run.mode_s:7.1f} s  "
        f"{rate:8.0f} msg/s  cpu {run.cpu_s:7.1f} s  {run.cpu_s * 1e3 / run.messages:.3f} ms/msg"
    )
    target = TARGETS_S.get(run.adapter) if issue_size else None
    if target is not None:
        verdict = "met" if run.wall_s < target else "MISSED"
        line += f"  target < {target:.0f} s: {verdict}"
    if fake is not None and run is not fake:
        diff = kpi_differences(run, fake)
        line += "  KPIs = fake: " + ("identical" if not diff else f"DIFFER in {diff}")
    return line


def _ratio(run: CaseRun, raw: float) -> str:
    rate = run.messages / run.mode_s
    return (
        f"{run.adapter:9s} raw paho {raw:8.0f} msg/s   case {rate:8.0f} msg/s   "
        f"ratio {rate / raw:.2f}"
    )


def bench(devices: int, months: int, raw_ticks: int, adapters: list[str]) -> int:
    """Run the chosen adapters, print the table; 1 if a broker run's KPIs differ from the fake."""
    runs: dict[str, CaseRun] = {}
    ratios: list[str] = []
    at_issue = (devices, months) == ISSUE_SIZE
    secret = secrets.token_bytes(32)
    if "fake" in adapters:
        runs["fake"] = run_case("fake", devices, months)
        print(_row(runs["fake"], None), flush=True)
    if "embedded" in adapters:
        runs["embedded"] = run_case("embedded", devices, months)
        print(_row(runs["embedded"], runs.get("fake"), at_issue), flush=True)
        with EmbeddedBroker(secret) as broker:
            raw = raw_round_trip(broker.url, secret, devices, raw_ticks)
        ratios.append(_ratio(runs["embedded"], raw))
    if "mosquitto" in adapters:
        with mosquitto_url() as url:
            if url is None:
                print("mosquitto not installed (make mosquitto): skipped")
            else:
                runs["mosquitto"] = run_case("mosquitto", devices, months, broker_url=url)
                print(_row(runs["mosquitto"], runs.get("fake"), at_issue), flush=True)
                raw = raw_round_trip(url, secret, devices, raw_ticks)
                ratios.append(_ratio(runs["mosquitto"], raw))
    print(f"raw paho round trip on the same broker kind: {devices} connections x {raw_ticks} ticks")
    for line in ratios:
        print(line)
    fake = runs.get("fake")
    differ = fake is not None and any(
        kpi_differences(r, fake) for name, r in runs.items() if name != "fake"
    )
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=3000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--raw-ticks", type=int, default=20)
    parser.add_argument("--adapters", default="fake,embedded,mosquitto")
    args = parser.parse_args(argv)
    adapters = [a.strip() for a in args.adapters.split(",") if a.strip()]
    unknown = sorted(set(adapters) - {"fake", "embedded", "mosquitto"})
    if unknown:
        parser.error(f"--adapters: {unknown} must be among fake, embedded, mosquitto")
    print(
        f"case 3 ({MODE} mode), {args.devices} devices x {args.months} months, "
        f"one message per device per day",
        flush=True,
    )
    return bench(args.devices, args.months, args.raw_ticks, adapters)


if __name__ == "__main__":
    sys.exit(main())
