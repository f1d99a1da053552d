"""Run a scenario end to end into a run directory; load a finished run back."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from products.ledger.anvil import keeping_anvil
from sim import io as sio
from sim.cases import CaseContext, runner_for
from sim.config import ScenarioConfig, load_scenario
from sim.kernel.errors import OutputError, RunError, ScenarioError
from sim.kernel.rng import SeedTree
from sim.recorder import Recorder
from sim.rundir import new_run_dir, owner, utc_stamp

log = logging.getLogger(__name__)

PACKAGES = (
    "numpy",
    "pandas",
    "pydantic",
    "simpy",
    "mesa",
    "scikit-learn",
    "web3",
    "amqtt",
    "paho-mqtt",
)


@dataclass
class RunResult:
    """A finished (or failed) run: its directory and the summary it wrote."""

    run_dir: Path
    status: str
    kpis: dict[str, Any]
    claims: list[dict[str, Any]]
    manifest: dict[str, Any] = field(repr=False)

    @property
    def report_path(self) -> Path:
        """``report.html`` of the run."""
        return self.run_dir / "report.html"

    def kpi_series(self) -> pd.DataFrame:
        """Monthly KPI series (long format: case, mode, period, kpi, value)."""
        return pd.read_parquet(self.run_dir / "kpis.parquet")

    def events(self) -> pd.DataFrame:
        """All recorded events."""
        return pd.read_parquet(self.run_dir / "events.parquet")


def _coerce_config(
    source: ScenarioConfig | str | Path | Mapping[str, Any],
    seed: int | None,
    overrides: Sequence[str],
) -> ScenarioConfig:
    if isinstance(source, ScenarioConfig):
        if overrides:
            source = source.dump(mode="json")
        elif seed is not None:
            return ScenarioConfig.model_validate({**source.dump(), "seed": seed})
        else:
            return source
    return load_scenario(source, seed=seed, overrides=overrides)


def _new_run_dir(parent: Path, config: ScenarioConfig, name: str | None = None) -> Path:
    if name is None:
        return new_run_dir(parent, f"{config.name}-{utc_stamp()}-{config.seed}")
    fixed = parent / name
    if fixed.is_dir():
        shutil.rmtree(fixed)
    return new_run_dir(parent, name)


def available_memory_bytes() -> int | None:
    """Memory the machine can give a new process now (Linux ``MemAvailable``), or None."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def check_memory(config: ScenarioConfig) -> None:
    """Refuse a scenario whose estimated peak memory the machine cannot hold.

    Raises:
        ScenarioError: the estimate exceeds the memory available now.
    """
    need, have = config.memory_estimate_bytes(), available_memory_bytes()
    if have is not None and need > have:
        raise ScenarioError(
            f"the scenario needs about {need / 2**30:.1f} GiB (estimate) but only "
            f"{have / 2**30:.1f} GiB are available: make the populations smaller"
        )


def _git_sha() -> str | None:
    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if sha.returncode != 0:
        return None
    return sha.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in ("yinqi-twin", *PACKAGES):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


class _Run:
    """One run's bookkeeping: manifest first, checkpoints after each case, finalised last."""

    def __init__(self, config: ScenarioConfig, run_dir: Path, report: bool = True) -> None:
        self.config = config
        self.run_dir = run_dir
        self.report = report
        self.recorder = Recorder(run_dir, config.start_datetime, figures=report)
        self.started = time.perf_counter()
        self.case_seconds: dict[str, float] = {}
        self.manifest: dict[str, Any] = {
            "run_id": run_dir.name,
            "scenario": config.name,
            "seed": config.seed,
            "config_hash": config.config_hash(),
            "config": config.dump(mode="json"),
            "status": "running",
            "started_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "git_sha": _git_sha(),
            "versions": _versions(),
            "owner": owner(),
            "warnings": config.warnings(),
            "report": report,
        }
        try:
            sio.write_json(run_dir / "manifest.json", self.manifest)
        except OSError as exc:
            raise OutputError(f"{run_dir}: manifest.json not written: {exc}") from exc

    def run_case(self, case: str, progress: bool) -> None:
        log.info("case %s: modes %s", case, ", ".join(self.config.modes))
        ctx = CaseContext(
            config=self.config,
            case=getattr(self.config, case),
            seeds=SeedTree(self.config.seed).child(case),
            recorder=self.recorder,
            run_dir=self.run_dir,
            progress=progress,
        )
        began = time.perf_counter()
        try:
            runner_for(case)(ctx)
        finally:
            self.case_seconds[case] = round(time.perf_counter() - began, 3)
            self.checkpoint("running")
        log.info("case %s done in %.1f s", case, self.case_seconds[case])

    def summary(self, status: str) -> dict[str, Any]:
        return {
            "scenario": self.config.name,
            "seed": self.config.seed,
            "status": status,
            "kpis": dict(sorted(self.recorder.totals.items())),
            "claims": [vars(c) for c in self.recorder.claims],
        }

    def checkpoint(self, status: str) -> None:
        """Write the results so far (events, KPI series, summary).

        Raises:
            OutputError: they could not be written (disk full, folder gone, ...).
        """
        try:
            self.recorder.save()
            sio.write_json(self.run_dir / "summary.json", self.summary(status))
        except OSError as exc:
            raise OutputError(f"{self.run_dir}: results not written: {exc}") from exc

    def _stamp(self, status: str, error: str | None) -> None:
        self.manifest.update(
            status=status,
            error=error,
            wall_time_s=round(time.perf_counter() - self.started, 3),
            case_wall_time_s=self.case_seconds,
            provenance=self.recorder.provenance_data,
            finished_utc=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )

    def finish(self) -> RunResult:
        """Finalise a run whose cases all completed; a report that cannot be written fails it.

        Raises:
            OutputError: the results, the report or the manifest could not be written.
        """
        self.checkpoint("ok")
        self._stamp("ok", None)
        report_error = self._write_report() if self.report else None
        if report_error is not None:
            raise OutputError(f"{self.run_dir}: {report_error}")
        try:
            sio.write_json(self.run_dir / "manifest.json", self.manifest)
        except OSError as exc:
            raise OutputError(f"{self.run_dir}: manifest.json not finalised: {exc}") from exc
        summary = self.summary("ok")
        return RunResult(self.run_dir, "ok", summary["kpis"], summary["claims"], self.manifest)

    def fail(self, reason: str) -> str:
        """Record a failed run as far as the disk allows (never raises); says what was kept."""
        self._stamp("failed", reason)
        kept, lost = [], []
        steps = (
            ("results", lambda: self.checkpoint("failed")),
            *((("report.html", self._report_or_raise),) if self.report else ()),
            (
                "manifest.json",
                lambda: sio.write_json(self.run_dir / "manifest.json", self.manifest),
            ),
        )
        for name, write in steps:
            try:
                write()
            except Exception as exc:
                lost.append(f"{name} ({type(exc).__name__}: {exc})")
            else:
                kept.append(name)
        said = f"kept {', '.join(kept)} in {self.run_dir}" if kept else "nothing kept"
        if lost:
            said += f"; not written: {', '.join(lost)}"
        if "manifest.json" not in kept:
            said += "; `yinqi runs` will show the run as abandoned"
        return said

    def _report_or_raise(self) -> None:
        error = self._write_report()
        if error is not None:
            raise OSError(error)

    def _write_report(self) -> str | None:
        """Write ``report.html``; the reason it could not be written, or None."""
        from sim.report import write_report

        try:
            write_report(self.run_dir, self.recorder, self.manifest)
        except Exception as exc:
            log.exception("could not write report.html")
            return f"report.html not written: {type(exc).__name__}: {exc}"
        return None


def run_scenario(
    source: ScenarioConfig | str | Path | Mapping[str, Any],
    seed: int | None = None,
    overrides: Sequence[str] = (),
    out: str | Path = "runs",
    progress: bool = True,
    run_name: str | None = None,
    keep_chain: bool = False,
    report: bool = True,
) -> RunResult:
    """Run every configured case of a scenario in every mode and write the run directory.

    Safe to call in a fresh worker process: no global state; real components start and stop inside.

    Args:
        source: a ``ScenarioConfig``, a YAML path or a mapping.
        seed: replaces the scenario's master seed.
        overrides: ``a.b.c=value`` strings, typed through the schema.
        out: parent folder of the run directory ``<scenario>-<utc>-<seed>``.
        progress: show progress bars (on a TTY).
        run_name: a fixed run directory name under ``out`` (replaced if present) instead of
            ``<scenario>-<utc>-<seed>``; sweeps use it to recognise finished runs.
        keep_chain: leave the run's Anvil nodes running after it (their URLs go to the
            manifest's provenance as ``<case>.<mode>.chain_url``).
        report: write ``report.html`` and the PNG figures. Off, the run writes the same results
            (summary, KPI series, events, manifest) without drawing anything; sweeps leave it
            off unless their file sets ``reports: true``.

    Returns:
        The run's result. On failure the run directory keeps partial results with status
        ``failed`` and the reason, and the original exception is re-raised.
    """
    config = _coerce_config(source, seed, overrides)
    check_memory(config)
    for warning in config.warnings():
        log.warning("%s", warning)
    run = _Run(config, _new_run_dir(Path(out), config, run_name), report)
    log.info("run %s → %s", config.name, run.run_dir)
    try:
        with keeping_anvil(keep_chain):
            for case in config.cases():
                run.run_case(case, progress)
        return run.finish()
    except BaseException as exc:
        reason = (
            f"{type(exc).__name__}: {exc}" if str(exc) else f"{type(exc).__name__} (interrupted)"
        )
        log.error("run failed: %s — %s", reason, run.fail(reason))
        raise


def load_results(run_dir: str | Path) -> RunResult:
    """Load a finished (or failed) run directory written by ``run_scenario``."""
    run_dir = Path(run_dir)
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RunError(
            f"{run_dir}: not a run directory ({Path(exc.filename).name} missing)"
        ) from None
    except json.JSONDecodeError as exc:
        raise RunError(f"{run_dir}: unreadable run file: {exc}") from None
    return RunResult(run_dir, summary["status"], summary["kpis"], summary["claims"], manifest)
