"""One dashboard run in its own process: ``python -m sim.dashboard.worker FILE --out DIR --name N
[--set K=V ...]`` runs the scenario through :func:`sim.run_scenario` (the path of ``yinqi run``)
and writes one JSON object per line on stdout: ``{"progress": 0.4, "bar": "supply_chain/innovated",
"day": 120, "days": 365}`` while it runs, then ``{"done": "<run dir>"}`` or ``{"error": "..."}``.

Progress comes from the clock's own tqdm bars: the worker's ``sys.stderr`` claims to be a terminal
(so the bars count) but drops their text, and a thread reads the live bars' counters. The modes
run one after the other here (``<case>.mode_processes=1``), so that every mode's bar is one of
this process's.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

log = logging.getLogger(__name__)
POLL_S = 0.25


class _Terminal(io.TextIOBase):
    """A stream that says it is a terminal and forgets what it is told (the bars' drawing)."""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


@dataclass
class Progress:
    """Overall progress over the bars a run is expected to show (one per case and mode)."""

    expected: int
    done: set[str] = field(default_factory=set)
    seen: dict[int, str] = field(default_factory=dict)

    def update(self, bars: list[Any]) -> dict[str, Any] | None:
        """The progress message for the bars alive now (None when no bar is)."""
        alive = {id(b) for b in bars}
        for key, desc in list(self.seen.items()):
            if key not in alive:
                self.done.add(desc)
                del self.seen[key]
        if not bars:
            return None
        bar = bars[-1]
        self.seen[id(bar)] = str(bar.desc)
        fraction = bar.n / bar.total if bar.total else 0.0
        overall = min(1.0, (len(self.done) + fraction) / max(self.expected, 1))
        return {"progress": round(overall, 4), "bar": bar.desc, "day": bar.n, "days": bar.total}


def serial_modes(config: Any) -> list[str]:
    """Overrides that run every case's modes one after the other: the progress shown is that of
    this process's bars, and a mode in a forked worker would show none (same results)."""
    return [
        f"{case}.mode_processes=1"
        for case in config.cases()
        if getattr(getattr(config, case), "mode_processes", 1) != 1
    ]


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _watch(progress: Progress, stop: threading.Event) -> None:
    last = None
    while not stop.wait(POLL_S):
        with tqdm.get_lock():  # the bars add and remove themselves under this lock
            bars = [b for b in list(tqdm._instances) if not b.disable]
        message = progress.update(bars)
        if message is not None and message != last:
            _emit(message)
            last = message


def main(argv: list[str] | None = None) -> int:
    """Run one scenario and report its progress on stdout; exit 0 ok, 1 failed."""
    parser = argparse.ArgumentParser(prog="python -m sim.dashboard.worker")
    parser.add_argument("file", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.__stderr__, format="%(levelname)s %(name)s: %(message)s"
    )
    logging.captureWarnings(True)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    sys.stderr = _Terminal()

    from sim.config import load_scenario
    from sim.kernel.errors import Terminated
    from sim.runner import run_scenario

    def terminate(signum: int, frame: object) -> None:
        raise Terminated("SIGTERM")

    signal.signal(signal.SIGTERM, terminate)
    stop = threading.Event()
    try:
        config = load_scenario(args.file, overrides=args.overrides)
        serial = serial_modes(config)
        if serial:
            config = load_scenario(args.file, overrides=[*args.overrides, *serial])
        progress = Progress(len(config.cases()) * len(config.modes))
        watcher = threading.Thread(target=_watch, args=(progress, stop), daemon=True)
        watcher.start()
        result = run_scenario(config, out=args.out, run_name=args.name, progress=True)
    except (Exception, Terminated) as exc:
        _emit({"error": f"{type(exc).__name__}: {exc}"})
        return 143 if isinstance(exc, Terminated) else 1
    finally:
        stop.set()
    _emit({"progress": 1.0, "done": str(result.run_dir), "status": result.status})
    return 0


if __name__ == "__main__":
    sys.exit(main())
