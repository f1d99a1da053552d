"""The CLI: exit codes, one-line messages naming the key, overrides, the report path."""

import subprocess
import sys
import textwrap

import pytest

from sim import cli, runner


def scenario(tmp_path, body="merchant_credit: {merchants: 100}\n"):
    path = tmp_path / "s.yaml"
    path.write_text("name: cli\nmonths: 1\n" + textwrap.dedent(body))
    return path


def test_validate_ok(tmp_path, capsys):
    assert cli.main(["validate", str(scenario(tmp_path))]) == 0
    assert "ok: cli — cases merchant_credit" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("merchant_credit: {merchants: 100, colour: red}\n", "merchant_credit.colour: unknown key"),
        ("merchant_credit: {merchants: many}\n", "merchant_credit.merchants: 'many'"),
        ("merchant_credit: {merchants: -4}\n", "merchant_credit.merchants: -4"),
        ("merchant_credit: {merchants: [}\n", "not valid YAML"),
    ],
)
def test_bad_yaml_exits_2_with_one_line(tmp_path, capsys, body, expected):
    assert cli.main(["validate", str(scenario(tmp_path, body))]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_missing_file_and_bad_override(tmp_path, capsys):
    assert cli.main(["run", str(tmp_path / "missing.yaml")]) == 2
    assert "scenario file not found" in capsys.readouterr().err
    path = scenario(tmp_path)
    assert cli.main(["validate", str(path), "--set", "merchant_credit.merchants=0"]) == 2
    assert "merchant_credit.merchants: 0" in capsys.readouterr().err


def test_debug_shows_the_exception(tmp_path):
    from sim.kernel.errors import ScenarioError

    with pytest.raises(ScenarioError):
        cli.main(["validate", str(tmp_path / "missing.yaml"), "--debug"])


def test_run_prints_report_path(tmp_path, capsys, monkeypatch):
    from test_runner import probe_case

    monkeypatch.setattr(runner, "runner_for", lambda case: probe_case)
    code = cli.main(
        [
            "run",
            str(scenario(tmp_path)),
            "--seed",
            "5",
            "--out",
            str(tmp_path / "runs"),
            "--no-progress",
            "-q",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "run ok" in out and "report: " in out
    report = out.split("report: ")[1].strip()
    assert report.endswith("report.html") and "-5/" in report


def test_console_script_exit_code(tmp_path):
    """The installed entry point maps bad input to exit code 2 (a real process)."""
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "validate", str(tmp_path / "nope.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("yinqi validate: scenario file not found")


def test_help_lists_every_command_with_its_help_text_verbatim(capsys):
    from sim.commands import discover

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    printed = " ".join(capsys.readouterr().out.split())
    for command in ("validate", "run", "runs", "score", "sweep", *(c.name for c in discover())):
        assert command in printed
    assert "95% CIs" in printed  # a HELP with "%" is shown as written, not %-formatted
