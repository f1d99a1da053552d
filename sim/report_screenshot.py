"""``python -m sim.report_screenshot``: run the baseline and photograph its report for the docs.

Runs ``scenarios/baseline.yaml`` with the real components (or takes ``--run DIR``, an existing
run directory), then renders its ``report.html`` in headless Chromium (Debian's ``chromium``) to
``docs/report_baseline.png``: the top of the page, where the claims at a glance and the first
case's table and figures are, so the picture matches the shipped code.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from sim.kernel.errors import ComponentError

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 1300, 2600


def screenshot(report: Path, target: Path, width: int = WIDTH, height: int = HEIGHT) -> Path:
    """Render ``report`` (an HTML file) to the PNG ``target`` with headless Chromium.

    Raises:
        ComponentError: Chromium is not installed or did not write the picture.
    """
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise ComponentError("chromium: not found on PATH (Debian: apt-get install chromium)")
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--window-size={width},{height}",
        f"--screenshot={target.resolve()}",
        report.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not target.is_file():
        raise ComponentError(f"chromium: no screenshot of {report} ({done.stderr.strip()[-300:]})")
    return target


def main(argv: list[str] | None = None) -> int:
    """Run the baseline (unless ``--run``) and write ``docs/report_baseline.png``."""
    parser = argparse.ArgumentParser(prog="python -m sim.report_screenshot")
    parser.add_argument("--run", type=Path, help="an existing run directory (default: run now)")
    parser.add_argument("--scenario", type=Path, default=Path("scenarios/baseline.yaml"))
    parser.add_argument("--out", type=Path, default=Path("docs/report_baseline.png"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.run is not None:
        print(screenshot(args.run / "report.html", args.out))
        return 0
    from sim.runner import run_scenario

    with tempfile.TemporaryDirectory(prefix="yinqi-screenshot-") as tmp:
        result = run_scenario(args.scenario, out=tmp, progress=False)
        print(screenshot(result.report_path, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
