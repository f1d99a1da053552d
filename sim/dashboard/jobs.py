"""Dashboard runs as background processes (:mod:`sim.dashboard.worker`), so the page stays live
and a run's Anvil, broker or model start and stop in a process of its own."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.config import ScenarioConfig
from sim.rundir import utc_stamp

log = logging.getLogger(__name__)


def fake_adapter_overrides(config: ScenarioConfig) -> list[str]:
    """``<case>.<port>.adapter=fake`` for every port of the scenario's cases that has a fake
    adapter and does not use it yet (the "quick" switch)."""
    found = []
    for case in config.cases():
        section = getattr(config, case)
        for name in type(section).model_fields:
            port = getattr(section, name)
            fields = getattr(type(port), "model_fields", {})
            offers_fake = "adapter" in fields and "fake" in str(fields["adapter"].annotation)
            if offers_fake and port.adapter != "fake":
                found.append(f"{case}.{name}.adapter=fake")
    return found


def free_run_name(out: Path, config: ScenarioConfig) -> str:
    """``<scenario>-<utc>-<seed>``, with ``.2``, ``.3``, … when taken (the runner's names)."""
    base = f"{config.name}-{utc_stamp()}-{config.seed}"
    name, n = base, 1
    while (out / name).exists():
        n += 1
        name = f"{base}.{n}"
    return name


@dataclass
class Job:
    """One run in a worker process, and what its progress lines said so far."""

    name: str
    out: Path
    command: list[str]
    progress: float = 0.0
    bar: str = ""
    run_dir: Path | None = None
    error: str | None = None
    returncode: int | None = None
    log_tail: deque[str] = field(default_factory=lambda: deque(maxlen=20))
    _process: subprocess.Popen[str] | None = field(default=None, repr=False)
    _reader: threading.Thread | None = field(default=None, repr=False)

    @property
    def path(self) -> Path:
        """The run directory (it exists once the worker has started the run)."""
        return self.out / self.name

    @property
    def running(self) -> bool:
        """Whether the worker has not ended yet."""
        return self.returncode is None

    def start(self) -> None:
        """Start the worker and the threads that read its stdout and stderr."""
        self._process = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._read_log, daemon=True).start()
        self._reader = threading.Thread(target=self._read_progress, daemon=True)
        self._reader.start()

    def stop(self) -> None:
        """Ask the worker to stop (SIGTERM: the run is finalised as failed, "Terminated")."""
        if self._process is not None and self.running:
            self._process.terminate()

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the worker to end and its last line to be read; its exit code."""
        if self._process is not None and self._reader is not None:
            self._process.wait(timeout)
            self._reader.join(timeout)
        return self.returncode

    def _read_progress(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            self._apply(line)
        code = self._process.wait()
        if code != 0 and self.error is None:
            self.error = f"the run's process ended with exit code {code}"
        self.returncode = code

    def _apply(self, line: str) -> None:
        try:
            message: dict[str, Any] = json.loads(line)
        except ValueError:
            self.log_tail.append(line.rstrip())
            return
        self.progress = float(message.get("progress", self.progress))
        self.bar = str(message.get("bar", self.bar))
        if "done" in message:
            self.run_dir = Path(message["done"])
        if "error" in message:
            self.error = str(message["error"])

    def _read_log(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        for line in self._process.stderr:
            self.log_tail.append(line.rstrip())


#: Every job this dashboard process started, newest last (a page reload finds them again).
JOBS: list[Job] = []
_LOCK = threading.Lock()


def start_run(source: Path, overrides: Sequence[str], config: ScenarioConfig, out: Path) -> Job:
    """Run ``source`` with ``overrides`` (already validated into ``config``) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        name = free_run_name(out, config)
        command = [sys.executable, "-m", "sim.dashboard.worker", str(source)]
        command += ["--out", str(out), "--name", name]
        for item in overrides:
            command += ["--set", item]
        job = Job(name, out, command)
        (out / name).mkdir()  # reserve the name; the runner replaces it with the run directory
        job.start()
        JOBS.append(job)
    log.info("dashboard run %s: %s", name, " ".join(command))
    return job


def stop_all() -> None:
    """Stop every running job (the server is shutting down)."""
    for job in JOBS:
        job.stop()
    for job in JOBS:
        job.wait(30)
