"""The project's own Anvil process manager (the design card's "anvil-py-wrapper").

Finds the pinned binary (``ANVIL_PATH``, then ``PATH``, then ``node_modules``), starts it on a free
loopback port with the measured flags, waits on a JSON-RPC readiness probe, turns a crash into a
:class:`~sim.kernel.errors.ChainError` carrying Anvil's stderr, and always stops the process
(context manager, ``atexit`` and — on Linux — a parent-death signal for hard kills) unless it was
started detached: inside :func:`keeping_anvil` (``yinqi run --keep-chain``) the run's node
outlives the run, in its own session, for the user to inspect over JSON-RPC.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType

import requests

from products.loopback import free_port
from sim.kernel.errors import ChainError

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NPM_BINARY = PROJECT_ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
FLAGS = (
    "--no-mining",
    "--order",
    "fifo",
    "--disable-block-gas-limit",
    "--prune-history",
    "--silent",
)
READY_TIMEOUT_S = 30.0
_KEEP_ANVIL: ContextVar[bool] = ContextVar("keep_anvil", default=False)


@contextlib.contextmanager
def keeping_anvil(keep: bool = True) -> Iterator[None]:
    """Within this block, nodes started for a run are left running after it (``--keep-chain``)."""
    token = _KEEP_ANVIL.set(keep)
    try:
        yield
    finally:
        _KEEP_ANVIL.reset(token)


def anvil_kept() -> bool:
    """Whether nodes started now are to outlive their run (see :func:`keeping_anvil`)."""
    return _KEEP_ANVIL.get()


def find_anvil() -> str:
    """Path of the Anvil binary: ``ANVIL_PATH``, ``PATH``, then the pinned npm package."""
    explicit = os.environ.get("ANVIL_PATH")
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise ChainError(f"ANVIL_PATH={explicit!r} is not an executable file")
        return explicit
    on_path = shutil.which("anvil")
    if on_path:
        return on_path
    if NPM_BINARY.exists():
        return str(NPM_BINARY)
    raise ChainError("anvil not found (ANVIL_PATH, PATH, node_modules): run `make bootstrap`")


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM Anvil if the simulation process dies without cleanup."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Anvil:
    """One Anvil node owned by one run (or one test module).

    Args:
        start_timestamp_s: genesis block timestamp (unix seconds of sim hour 0).
        binary: Anvil executable; default :func:`find_anvil`.
        extra_args: further command-line flags.
        detach: start in a session of its own that survives this process (no parent-death
            signal, no ``atexit`` stop); :meth:`stop` still stops it.
        flags: the node flags (default :data:`FLAGS`, the measured set; benchmarks vary them).
    """

    def __init__(
        self,
        start_timestamp_s: int,
        binary: str | None = None,
        extra_args: tuple[str, ...] = (),
        detach: bool = False,
        flags: tuple[str, ...] = FLAGS,
    ) -> None:
        self.start_timestamp_s = start_timestamp_s
        self.binary = binary or find_anvil()
        self.extra_args = extra_args
        self.detach = detach
        self.flags = flags
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process

    @property
    def pid(self) -> int | None:
        """Process id while running."""
        return self._proc.pid if self._proc is not None else None

    @property
    def url(self) -> str:
        """HTTP JSON-RPC endpoint on loopback."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Anvil:
        """Launch and wait until JSON-RPC answers; raises ChainError with stderr on failure."""
        self.port = free_port()
        args = [self.binary, "--host", "127.0.0.1", "--port", str(self.port), *self.flags]
        args += ["--timestamp", str(self.start_timestamp_s), *self.extra_args]
        linux = sys.platform.startswith("linux")
        preexec = _die_with_parent if linux and not self.detach else None
        self._proc = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            preexec_fn=preexec,
            start_new_session=self.detach,
        )
        if not self.detach:
            atexit.register(self.stop)
        self._wait_ready()
        log.info("anvil %s ready on %s", self.binary, self.url)
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        while time.monotonic() < deadline:
            self.check_alive()
            with contextlib.suppress(requests.ConnectionError):
                if requests.post(self.url, json=body, timeout=1).ok:
                    return
            time.sleep(0.02)
        self.stop()
        raise ChainError(f"anvil not ready on {self.url} within {READY_TIMEOUT_S} s")

    def stderr_text(self) -> str:
        """What Anvil wrote to stderr so far."""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace").strip()

    def check_alive(self) -> None:
        """Raise ChainError (with stderr) if the process has exited."""
        if self._proc is None:
            raise ChainError("anvil was not started")
        code = self._proc.poll()
        if code is not None:
            raise ChainError(
                f"anvil exited with code {code}: {self.stderr_text() or '<no stderr>'}"
            )

    def stop(self) -> None:
        """Terminate (then kill) the process; idempotent."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        atexit.unregister(self.stop)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._stderr.close()

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
