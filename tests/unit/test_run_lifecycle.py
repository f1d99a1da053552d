"""Every ending of a run leaves a true record: signals, full disks, racing runs, bad --out."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from test_runner import SCENARIO, failing_case, probe_case

import sim
from sim import cli, runner
from sim import io as sio
from sim.kernel.errors import OutputError, ScenarioError
from sim.rundir import list_runs, new_run_dir, run_status

CAPTURE = {"text": True, "capture_output": True, "check": True}

# A run whose one case records an event, then works until it is stopped (a real process).
SLOW_RUN = textwrap.dedent(
    """
    import sys, time
    from sim import cli, runner

    def slow_case(ctx):
        ctx.recorder.event("merchant_credit", "innovated", 0.0, "started")
        ctx.recorder.total("merchant_credit", "innovated", "partial", 1)
        print("case started", flush=True)
        time.sleep(60)

    runner.runner_for = lambda case: slow_case
    sys.exit(cli.main(["run", sys.argv[1], "--out", sys.argv[2], "--no-progress", "-q"]))
    """
)


@pytest.fixture
def use_case(monkeypatch):
    def install(fn):
        monkeypatch.setattr(runner, "runner_for", lambda case: fn)

    return install


def _scenario(tmp_path: Path) -> Path:
    path = tmp_path / "probe.yaml"
    path.write_text(json.dumps(SCENARIO))
    return path


def _start_slow_run(tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    out = tmp_path / "runs"
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN, str(_scenario(tmp_path)), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "case started"  # readiness: the case is running
    (run_dir,) = out.iterdir()
    return proc, run_dir


def test_sigterm_fails_the_run_with_its_partial_results_and_exit_143(tmp_path):
    proc, run_dir = _start_slow_run(tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert "terminated (SIGTERM)" in err
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["error"] == "Terminated: SIGTERM"
    assert json.loads((run_dir / "summary.json").read_text())["kpis"] == {
        "merchant_credit.innovated.partial": 1
    }
    assert (run_dir / "report.html").is_file()


def test_sigkill_leaves_a_run_that_yinqi_runs_calls_abandoned(tmp_path, capsys):
    proc, run_dir = _start_slow_run(tmp_path)
    assert run_status(run_dir).status == "running"
    proc.kill()
    proc.wait(timeout=30)
    assert json.loads((run_dir / "manifest.json").read_text())["status"] == "running"
    assert run_status(run_dir).status == "abandoned"
    assert cli.main(["runs", str(tmp_path / "runs")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"abandoned  {run_dir}") and "runs: 1" in out


def test_a_full_disk_fails_the_run_and_the_log_says_what_was_not_written(
    tmp_path, use_case, monkeypatch, caplog
):
    use_case(probe_case)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sio, "write_parquet", full)
    with pytest.raises(OutputError, match="results not written"):
        sim.run_scenario(SCENARIO, out=tmp_path, progress=False)
    (run_dir,) = tmp_path.iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "No space left on device" in manifest["error"]
    (line,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("run failed")]
    assert "not written: results (OutputError" in line and "kept report.html" in line
    assert "partial results kept" not in line


def test_a_disk_that_takes_nothing_leaves_a_running_manifest_shown_as_abandoned_later(
    tmp_path, use_case, monkeypatch, caplog
):
    use_case(probe_case)
    written = {"manifest": 0}
    real_write_json = sio.write_json

    def first_manifest_only(path, data):
        if path.name == "manifest.json" and not written["manifest"]:
            written["manifest"] += 1
            return real_write_json(path, data)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sio, "write_json", first_manifest_only)
    monkeypatch.setattr(sio, "write_parquet", lambda *a, **k: first_manifest_only(Path("x"), {}))
    monkeypatch.setattr(sio, "write_text", lambda *a, **k: first_manifest_only(Path("x"), {}))
    with pytest.raises(OutputError):
        sim.run_scenario(SCENARIO, out=tmp_path, progress=False)
    (run_dir,) = tmp_path.iterdir()
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("run failed"))
    assert "nothing kept" in line and "`yinqi runs` will show the run as abandoned" in line
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "running" and manifest["owner"]["pid"] == os.getpid()
    assert run_status(run_dir).status == "running"  # this process still lives
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], **CAPTURE)
    manifest["owner"]["pid"] = int(gone.stdout)
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    assert run_status(run_dir).status == "abandoned"


def test_racing_runs_never_collide_on_a_run_directory(tmp_path):
    made: list[Path] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(80)

    def make() -> None:
        barrier.wait()
        try:
            made.append(new_run_dir(tmp_path, "same-name"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(80)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(made)) == 80


@pytest.mark.parametrize("where", ["a-file", "a-file/below"])
def test_out_that_is_not_a_folder_is_bad_input(tmp_path, capsys, where):
    (tmp_path / "a-file").write_text("x")
    code = cli.main(["run", str(_scenario(tmp_path)), "--out", str(tmp_path / where), "-q"])
    assert code == 2
    assert capsys.readouterr().err.startswith(f"yinqi run: --out {tmp_path / where}")


def test_a_failed_component_exits_3_and_bad_input_2(tmp_path, use_case, capsys):
    use_case(failing_case)
    assert cli.main(["run", str(_scenario(tmp_path)), "--out", str(tmp_path / "r"), "-q"]) == 3
    assert capsys.readouterr().err.splitlines()[-1] == "yinqi run: anvil exited with code 1: boom"
    assert cli.main(["validate", str(tmp_path / "missing.yaml")]) == 2


def test_a_sweep_scheduler_that_is_not_there_fails_fast_with_exit_3(tmp_path, capsys):
    sweep = tmp_path / "sweep.yaml"
    scenario = _scenario(tmp_path)
    sweep.write_text(json.dumps({"scenario": str(scenario), "seeds": [1]}))
    began = time.perf_counter()
    args = ["--out", str(tmp_path / "s"), "--scheduler", "tcp://127.0.0.1:9", "-q"]
    code = cli.main(["sweep", str(sweep), *args])
    assert code == 3 and time.perf_counter() - began < 20
    assert "--scheduler tcp://127.0.0.1:9: no Dask scheduler answered" in capsys.readouterr().err


def test_list_runs_refuses_a_path_that_is_neither(tmp_path):
    with pytest.raises(ScenarioError, match="neither a run directory nor a folder"):
        list_runs([tmp_path / "nothing"])
