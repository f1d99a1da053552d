"""Serve the dashboard on 127.0.0.1: Solara's Starlette app under uvicorn, the run store's files
under ``/runs/``, and nothing that reaches beyond loopback or writes outside the runs folder.

Solara is told (through its environment settings, before it is imported) to keep its home
(``~/.solara`` by default) in ``<runs>/.solara``, to send no telemetry, and to take its web assets
from the local copy the ``solara-assets`` package installs; an asset missing there is not fetched
from the internet but fails (its CDN address is set to an unused loopback port).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path

from sim.kernel.errors import ComponentError, ScenarioError

log = logging.getLogger(__name__)
HOST = "127.0.0.1"
#: Where Solara would fetch a web asset it does not have: a loopback port nothing listens on.
NO_CDN = "http://127.0.0.1:9/"


def solara_environment(runs: Path, scenarios: Path) -> dict[str, str]:
    """The environment settings the server runs with."""
    return {
        "SOLARA_APP": "sim.dashboard.app",
        "SOLARA_HOME": str(runs / ".solara"),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        "SOLARA_THEME_SHOW_BANNER": "false",
        "SOLARA_THEME_TITLE": "yinqi-twin dashboard",
        "SOLARA_ASSETS_CDN": NO_CDN,
        "SOLARA_ASSETS_PROXY": "true",
        "SOLARA_CACHE": "memory",
        "SOLARA_CHECK_HOOKS": "off",
        "YINQI_DASHBOARD_RUNS": str(runs),
        "YINQI_DASHBOARD_SCENARIOS": str(scenarios),
    }


def bind(port: int | None) -> socket.socket:
    """A listening socket on 127.0.0.1 (``port`` 0 or None: a free one).

    Raises:
        ScenarioError: the port is out of range or taken.
    """
    if port is not None and not 0 <= port <= 65535:
        raise ScenarioError(f"--port {port}: must be 0..65535")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port or 0))
    except OSError as exc:
        sock.close()
        raise ScenarioError(f"--port {port}: cannot listen on {HOST}: {exc.strerror}") from None
    sock.listen(128)
    return sock


def serve(runs: Path, scenarios: Path, port: int | None, on_ready: Callable[[str], None]) -> None:
    """Serve until interrupted; ``on_ready(url)`` is called once the socket listens.

    Raises:
        ScenarioError: the runs folder cannot be made, or the port is taken.
        ComponentError: the web server failed.
    """
    runs = runs.resolve()
    try:
        (runs / ".solara").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"--runs {runs}: cannot create the folder: {exc}") from None
    os.environ.update(solara_environment(runs, scenarios.resolve()))
    sock = bind(port)
    url = f"http://{HOST}:{sock.getsockname()[1]}/"
    import uvicorn
    from solara.server.starlette import app
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    from sim.dashboard import jobs

    app.routes.insert(0, Mount("/runs", app=StaticFiles(directory=runs, html=True), name="runs"))
    config = uvicorn.Config(app, host=HOST, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    on_ready(url)
    try:
        server.run(sockets=[sock])
    except Exception as exc:
        raise ComponentError(f"dashboard server at {url} failed: {exc}") from exc
    finally:
        jobs.stop_all()
        sock.close()
