"""Start ``yinqi dashboard`` as a subprocess and wait until it answers (for the browser tests
and the screenshots)."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.kernel.errors import ComponentError

READY_TIMEOUT_S = 120


@contextmanager
def dashboard_process(
    runs: Path,
    log_path: Path,
    scenarios: Path | None = None,
    while_starting: Callable[[], None] | None = None,
) -> Iterator[str]:
    """Serve ``runs`` on a free port for the duration of the block; yields the URL once the page
    answers, and always stops the server. ``while_starting`` runs while the server boots.

    Raises:
        ComponentError: the server did not print its URL or did not answer.
    """
    command = [sys.executable, "-m", "sim.cli", "dashboard", "--runs", str(runs), "--port", "0"]
    if scenarios is not None:
        command += ["--scenarios", str(scenarios)]
    with log_path.open("w", encoding="utf-8") as log:
        server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            if while_starting is not None:
                while_starting()
            yield _wait_ready(server, log_path)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_ready(server: subprocess.Popen[str], log_path: Path) -> str:
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("dashboard: http://127.0.0.1:"):
        raise ComponentError(f"dashboard did not start (said {line!r}; log: {log_path})")
    url = line.split()[1]
    # the socket listens before the URL is printed, so this request waits for the app itself
    try:
        with urllib.request.urlopen(url, timeout=READY_TIMEOUT_S) as response:
            status = response.status
    except OSError as exc:
        raise ComponentError(f"dashboard at {url} did not answer: {exc} (log: {log_path})") from exc
    if status != 200:
        raise ComponentError(f"dashboard at {url} answered {status} (log: {log_path})")
    return url
