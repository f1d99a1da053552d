"""Reading scenario YAML, applying ``--set`` overrides, validation errors as one line each."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from sim.config import strict_yaml
from sim.kernel.errors import ScenarioError

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """The top-level mapping of a scenario file.

    Raises:
        ScenarioError: the file is missing, unreadable, not YAML, or not a mapping.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"scenario file not found: {path}")
    try:
        data = strict_yaml.load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"{path}: not valid YAML{where}: {problem}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{path}: top level must be a mapping of keys, got {type(data).__name__}"
        )
    return data


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """A copy of ``data`` with ``a.b.c=value`` overrides applied; values are parsed as YAML.

    The schema then types and validates them like any other key.
    """
    result = _deep_copy(data)
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(f"--set {item!r}: expected KEY.PATH=VALUE")
        try:
            value = strict_yaml.load(raw) if raw.strip() else ""
        except (ComposerError, ConstructorError) as exc:
            raise ScenarioError(f"--set {key.strip()}: {exc.problem}") from None
        except yaml.YAMLError:
            value = raw  # not YAML: the text itself
        _set_path(result, key.strip().split("."), value, item)
    return result


def _deep_copy(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {k: _deep_copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_deep_copy(v) for v in data]
    return data


def _set_path(data: dict[str, Any], parts: list[str], value: Any, item: str) -> None:
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            node = node[_list_index(node, part, item)]
            continue
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict | list):
            where = ".".join(parts[: depth + 1])
            raise ScenarioError(f"--set {item!r}: {where} is a value, not a section")
        node = child
    if isinstance(node, list):
        node[_list_index(node, parts[-1], item)] = value
    else:
        node[parts[-1]] = value


def _list_index(node: list[Any], part: str, item: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise ScenarioError(f"--set {item!r}: {part!r} is not an index of a {len(node)}-item list")
    return int(part)


def format_validation_error(exc: ValidationError, model: type[BaseModel]) -> str:
    """One line per problem: ``key.path: value — rule``."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "<top level>"
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(model, err["loc"][:-1])
            hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
            lines.append(f"{loc}: unknown key{hint}")
        elif err["type"] == "missing":
            lines.append(f"{loc}: required key is missing")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "value_error" and not err["loc"]:
                lines.append(msg)
            else:
                lines.append(f"{loc}: {err['input']!r} — {msg}")
    return "; ".join(lines)


def _allowed_keys(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The keys a mapping at ``loc`` may hold, or [] where the schema gives no model there."""
    annotation: Any = model
    for part in loc:
        annotation = _child(annotation, part)
        if annotation is None:
            return []
    found = _model_in(annotation)
    return sorted(found.model_fields) if found else []


def _child(annotation: Any, part: int | str) -> Any:
    """The annotation of item ``part`` inside a value of type ``annotation`` (a model's field, a
    mapping's value, a sequence's item), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return field.annotation if field else None
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is dict:
        return args[1] if len(args) == 2 else None
    if origin in (list, tuple, set, frozenset):
        return args[0] if args else None
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        for arg in args:
            found = _child(arg, part)
            if found is not None:
                return found
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def load_model(
    model: type[M],
    source: str | Path | Mapping[str, Any],
    *,
    seed: int | None = None,
    overrides: Sequence[str] = (),
) -> M:
    """Parse a scenario (path or mapping) into a validated, frozen ``model``.

    Args:
        model: the schema to validate against (``ScenarioConfig``).
        source: a YAML file path or an already-loaded mapping.
        seed: replaces the scenario's ``seed`` when given.
        overrides: ``a.b.c=value`` strings applied before validation.

    Raises:
        ScenarioError: the file or any key is invalid; the message names key, value and rule.
    """
    data = read_yaml(source) if isinstance(source, str | Path) else _deep_copy(source)
    data = apply_overrides(data, overrides)
    if seed is not None:
        data["seed"] = seed
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, model)) from None
