"""A throw-away Debian mosquitto on a free loopback port (external-broker tests and the bench)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from products.telemetry.broker import HOST, free_port

SEARCH_PATHS = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")


def mosquitto_binary() -> str | None:
    """Path of the mosquitto binary (``PATH`` first, then Debian's sbin), or None."""
    found = shutil.which("mosquitto")
    return found or next((p for p in SEARCH_PATHS if Path(p).is_file()), None)


@contextlib.contextmanager
def run_mosquitto(binary: str, *, retain_available: bool = False) -> Iterator[str]:
    """Start ``binary`` allowing anonymous clients on a free port; yields ``mqtt://host:port``.

    Args:
        binary: the mosquitto executable.
        retain_available: False (the default) makes mosquitto refuse retained publishes (it
            disconnects an MQTT 3.1.1 client that sends one), so no message can be stored and
            replayed to a later subscriber; True keeps mosquitto's default, as a broker run by
            someone else may.
    """
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "mosquitto.conf"
        conf.write_text(
            f"listener {port} {HOST}\nallow_anonymous true\nmax_queued_messages 0\n"
            f"retain_available {str(retain_available).lower()}\n"
            "persistence false\nlog_dest stderr\nlog_type error\n"
        )
        proc = subprocess.Popen([binary, "-c", str(conf)], stderr=subprocess.PIPE)
        try:
            _await_listener(port, proc)
            yield f"mqtt://{HOST}:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            if proc.stderr:
                proc.stderr.close()


def _await_listener(port: int, proc: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    """Readiness probe: until a TCP connect to ``port`` succeeds; fails if the process exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"mosquitto exited with code {proc.returncode}: {err.strip()}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
            return
        time.sleep(0.02)
    raise RuntimeError(f"mosquitto did not listen on port {port}")
