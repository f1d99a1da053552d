"""Fuzzed scenarios through `yinqi validate`: either valid, or exit 2 with one line — never a crash.

Mutations of the shipped baseline: a key's value replaced by another type, a non-finite or huge
number, a bad date, deep nesting, an alias bomb, an unknown key, a deleted key, or a null section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import cli
from sim.config import strict_yaml

ROOT = Path(__file__).resolve().parents[2]
BASE = strict_yaml.load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += _paths(child, (*prefix, i))
    return found


PATHS = _paths(BASE)

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2023-02-30", "2023-02-29", "10000-01-01", "1900-01-01", "0x10", "1e3"]),
    st.lists(st.integers(), max_size=4),
    st.dictionaries(st.text(min_size=1, max_size=6), st.integers(), max_size=3),
    st.integers(1, 200).map(lambda depth: _nested(depth)),
)


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def _mutate(data: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "delete" and isinstance(parent, dict):
        del parent[last]
    elif action == "unknown" and isinstance(parent, dict):
        parent[f"{last}_typo"] = value
    else:
        parent[last] = value
    return data


ALIAS_BOMB = "\n".join(
    ['b0: &b0 ["x","x","x","x","x","x","x","x","x"]']
    + [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 9)}]" for i in range(1, 9)]
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(PATHS),
    action=st.sampled_from(["replace", "replace", "delete", "unknown"]),
    value=VALUES,
    bomb=st.booleans(),
)
def test_validate_never_crashes(tmp_path_factory, capsys, path, action, value, bomb):
    data = _mutate(yaml.safe_load(yaml.safe_dump(BASE)), path, action, value)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if bomb:
        text += ALIAS_BOMB + "\n"
    scenario = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    scenario.write_text(text, encoding="utf-8")
    code = cli.main(["validate", str(scenario), "-q"])
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("yinqi validate: ") and err.count("\n") == 1, err
        assert "unexpected" not in err
    else:
        assert out.startswith("ok: ") and not bomb
