"""The embedded MQTT broker: amqtt in a child process, per-device HMAC auth and a topic ACL.

The broker never runs as a thread of the simulation (DESIGN.md measures ~135 msg/s and lost
messages that way); :class:`EmbeddedBroker` starts ``python -m products.telemetry.broker`` on a
free loopback port, reads the child's ``READY`` line as its readiness probe, and on stop reads a
``STATS`` line with the refused logins and denied topics counted inside the broker.
The child stops when told (SIGTERM) or when its parent goes away (stdin closes).

The broker is :class:`~products.telemetry.broker_guard.DeviceBroker`: no client's retained
message is stored and only MQTT 3.1.1 is spoken.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import uvloop
from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import Session

from products.loopback import HOST, free_port
from products.telemetry.broker_guard import COUNTERS, DeviceBroker
from sim.kernel.errors import BrokerError

log = logging.getLogger(__name__)

MONITOR_USER = "monitor"
CLOCK_USER = "sim-clock"
TICK_TOPIC = "sim/tick"
DEVICE_FILTER = "device/+/data"
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def credential(secret: bytes, username: str) -> str:
    """The password of ``username``: an HMAC-SHA256 token derived from the run secret."""
    return hmac.new(secret, username.encode(), hashlib.sha256).hexdigest()[:32]


def topic_allowed(username: str, topic: str, action: str) -> bool:
    """The ACL: devices publish only to their own topic; the monitor reads; the clock ticks."""
    if username == MONITOR_USER:
        return action == Action.RECEIVE or (
            action == Action.SUBSCRIBE and topic in (DEVICE_FILTER, TICK_TOPIC)
        )
    if username == CLOCK_USER:
        return action == Action.PUBLISH and topic == TICK_TOPIC
    return action == Action.PUBLISH and topic == f"device/{username}/data"


class DeviceAuthPlugin(BaseAuthPlugin):
    """Accepts a login only if its password is the HMAC token of its username."""

    @dataclass
    class Config:
        """Plugin settings; ``secret_hex`` is the run secret."""

        secret_hex: str = ""

    async def authenticate(self, *, session: Session) -> bool | None:
        """True for a valid token, False (counted) otherwise."""
        secret = bytes.fromhex(self.config.secret_hex)
        user, password = session.username or "", session.password or ""
        ok = bool(user) and hmac.compare_digest(credential(secret, user), password)
        if not ok:
            COUNTERS["auth_refused"] += 1
            log.warning("login refused: user %r (client %s)", user, session.client_id)
        return ok


class DeviceTopicPlugin(BaseTopicPlugin):
    """Enforces :func:`topic_allowed` for subscribe, publish and receive."""

    @dataclass
    class Config:
        """No settings: the ACL follows the usernames."""

    async def topic_filtering(
        self,
        *,
        session: Session | None = None,
        topic: str | None = None,
        action: Action | None = None,
    ) -> bool | None:
        """True if the session's user may do ``action`` on ``topic``; denials are counted."""
        user = session.username if session else None
        ok = bool(user and topic and action) and topic_allowed(str(user), str(topic), str(action))
        if not ok:
            COUNTERS[f"denied_{action}"] += 1
            log.warning("ACL denied %s on %r for user %r", action, topic, user)
        return ok


def broker_config(port: int, secret_hex: str) -> dict[str, Any]:
    """amqtt configuration: one loopback TCP listener and the two plugins above."""
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"{HOST}:{port}", "max_connections": 0}},
        "plugins": {
            f"{__name__}.DeviceAuthPlugin": {"secret_hex": secret_hex},
            f"{__name__}.DeviceTopicPlugin": {},
        },
    }


async def _serve(port: int, secret_hex: str) -> None:
    loop = asyncio.get_running_loop()
    broker = DeviceBroker(broker_config(port, secret_hex))
    await broker.start()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_reader(sys.stdin.fileno(), stop.set)
    print("READY", flush=True)
    await stop.wait()
    await broker.shutdown()
    print("STATS " + json.dumps(dict(COUNTERS)), flush=True)


def main() -> None:
    """Child-process entry: reads ``{"port", "secret_hex"}`` as one JSON line on stdin."""
    settings = json.loads(sys.stdin.readline())
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("amqtt").setLevel(logging.ERROR)
    # uvloop: the event loop's own work (scheduling, socket reads and writes) in C, not Python
    uvloop.run(_serve(int(settings["port"]), str(settings["secret_hex"])))


class EmbeddedBroker:
    """Owns one broker child process.

    Args:
        secret: run secret the device tokens derive from.
        start_timeout_s: how long to wait for the READY line.
    """

    def __init__(self, secret: bytes, start_timeout_s: float = 30.0) -> None:
        self.secret = secret
        self.start_timeout_s = start_timeout_s
        self.port = 0
        self.stats: dict[str, int] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child

    @property
    def url(self) -> str:
        """``mqtt://127.0.0.1:<port>``."""
        return f"mqtt://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._proc.pid if self._proc else None

    def start(self, attempts: int = 3) -> Self:
        """Spawn the child and wait until it accepts connections.

        The port is chosen free just before the child binds it; if another process takes it in
        between, the child fails and a new port is tried (``attempts`` times in all).
        """
        for attempt in range(1, attempts + 1):
            try:
                return self._start_once()
            except BrokerError:
                if attempt == attempts:
                    raise
                log.warning("embedded MQTT broker failed to start (attempt %d), retrying", attempt)
                self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
        raise AssertionError("unreachable")

    def _start_once(self) -> Self:
        self.port = free_port()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(_PROJECT_ROOT), env.get("PYTHONPATH")])
        )
        self._proc = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
        )
        assert self._proc.stdin is not None
        line = json.dumps({"port": self.port, "secret_hex": self.secret.hex()}) + "\n"
        self._proc.stdin.write(line.encode())
        self._proc.stdin.flush()
        try:
            self._await_line("READY", self.start_timeout_s)
        except BrokerError:
            self.stop()
            raise
        log.info("embedded MQTT broker pid %d on %s", self._proc.pid, self.url)
        return self

    def _await_line(self, prefix: str, timeout_s: float) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._proc.stdout], [], [], 0.1)
            if ready:
                text = self._proc.stdout.readline().decode().strip()
                if text.startswith(prefix):
                    return text
                if not text:
                    break
        raise BrokerError(f"embedded MQTT broker gave no {prefix} line: {self.failure_text()}")

    def failure_text(self) -> str:
        """Exit status and the tail of the child's stderr, for error messages."""
        code = self._proc.poll() if self._proc else None
        self._stderr.seek(0)
        tail = self._stderr.read().decode(errors="replace").strip().splitlines()[-5:]
        state = "running" if code is None else f"exit code {code}"
        return f"broker {state} on {self.url}; stderr: {' | '.join(tail) or '(empty)'}"

    def alive(self) -> bool:
        """Whether the child is still running."""
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> dict[str, int]:
        """Stop the child (idempotent); returns the broker's refusal/denial counters."""
        proc, self._proc = self._proc, None
        if proc is None:
            return self.stats
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        for text in out.decode(errors="replace").splitlines():
            if text.startswith("STATS "):
                self.stats = {k: int(v) for k, v in json.loads(text[6:]).items()}
        self._stderr.close()
        return self.stats

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


if __name__ == "__main__":
    main()
