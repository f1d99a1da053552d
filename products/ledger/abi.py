"""A small ABI codec built once from a contract's ABI: calldata, custom errors, event logs.

Encoding goes straight through ``eth_abi`` with precomputed selectors (what web3.py's
``encode_abi`` does, without its per-call object churn).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak

# Errors inherited from Solidity itself, not listed in any ABI.
BUILTIN_ERRORS = {"08c379a0": ("Error", ["string"]), "4e487b71": ("Panic", ["uint256"])}


def _abi_type(param: dict[str, Any]) -> str:
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param["components"])
        return f"({inner}){kind[5:]}"
    return kind


def _word(kind: str, value: Any) -> bytes:
    """One ABI word of a static basic type (fast path of ``eth_abi.encode``)."""
    if kind == "address":
        return bytes(12) + bytes.fromhex(value[2:])
    if kind == "bytes32":
        return value if isinstance(value, bytes) else bytes.fromhex(value[2:])
    if kind == "bool":
        return int(bool(value)).to_bytes(32, "big")
    bits = int(kind[4:] or 256)
    if not 0 <= value < 2**bits:
        raise ValueError(f"{kind}: {value} out of range")
    return int(value).to_bytes(32, "big")


FAST_TYPES = {"address", "bytes32", "bool"} | {f"uint{b}" for b in range(8, 257, 8)} | {"uint"}


def _normalise(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value.lower()
    if isinstance(value, tuple):
        return tuple(_normalise(v) for v in value)
    return value


@dataclass(frozen=True)
class _Function:
    selector: bytes
    inputs: list[str]
    outputs: list[str]

    @property
    def static(self) -> bool:
        return all(kind in FAST_TYPES for kind in self.inputs)


@dataclass(frozen=True)
class _Event:
    name: str
    indexed: list[tuple[str, str]]
    data: list[tuple[str, str]]

    @property
    def static(self) -> bool:
        return all(kind in FAST_TYPES for _, kind in self.data)


class Codec:
    """Encoder/decoder for one contract ABI."""

    def __init__(self, abi: tuple[dict[str, Any], ...]) -> None:
        self.functions: dict[str, _Function] = {}
        self.errors: dict[str, tuple[str, list[str]]] = dict(BUILTIN_ERRORS)
        self.events: dict[str, _Event] = {}
        names = [e.get("name") for e in abi if e["type"] == "function"]
        for entry in abi:
            types = [_abi_type(p) for p in entry.get("inputs", [])]
            signature = f"{entry.get('name')}({','.join(types)})"
            if entry["type"] == "function" and names.count(entry["name"]) == 1:
                outputs = [_abi_type(p) for p in entry.get("outputs", [])]
                self.functions[entry["name"]] = _Function(
                    keccak(text=signature)[:4], types, outputs
                )
            elif entry["type"] == "error":
                self.errors[keccak(text=signature)[:4].hex()] = (entry["name"], types)
            elif entry["type"] == "event":
                params = [(p["name"], _abi_type(p)) for p in entry["inputs"]]
                flags = [p["indexed"] for p in entry["inputs"]]
                indexed = [p for p, f in zip(params, flags, strict=True) if f]
                data = [p for p, f in zip(params, flags, strict=True) if not f]
                self.events["0x" + keccak(text=signature).hex()] = _Event(
                    entry["name"], indexed, data
                )

    def encode_call(self, name: str, args: tuple[Any, ...] | list[Any]) -> str:
        """0x-hex calldata for ``name(args)``."""
        fn = self.functions[name]
        if fn.static and len(args) == len(fn.inputs):
            body = b"".join(_word(kind, value) for kind, value in zip(fn.inputs, args, strict=True))
        else:
            body = encode(fn.inputs, list(args))
        return "0x" + (fn.selector + body).hex()

    def decode_output(self, name: str, data: str) -> tuple[Any, ...]:
        """Decoded return values of ``name``."""
        values = decode(self.functions[name].outputs, bytes.fromhex(data[2:]))
        return tuple(_normalise(v) for v in values)

    def decode_error(self, data: str | None) -> tuple[str, tuple[Any, ...]]:
        """``(name, args)`` of revert data; ``("UnknownError", (data,))`` when unrecognised."""
        raw = bytes.fromhex((data or "0x")[2:])
        entry = self.errors.get(raw[:4].hex())
        if entry is None:
            return ("UnknownError", (data,))
        name, types = entry
        return name, tuple(_normalise(v) for v in decode(types, raw[4:]))

    def topic(self, event_name: str) -> str:
        """topic0 of event ``event_name``."""
        return next(t for t, e in self.events.items() if e.name == event_name)

    def decode_log(self, log: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """``(event name, fields)`` of a log emitted by this contract, or None if unknown."""
        topics = log["topics"]
        event = self.events.get(topics[0]) if topics else None
        if event is None:
            return None
        fields: dict[str, Any] = {}
        for (name, kind), topic in zip(event.indexed, topics[1:], strict=True):
            word = bytes.fromhex(topic[2:])
            fields[name] = _unword(kind, word) if kind in FAST_TYPES else _decoded(kind, word)
        data = bytes.fromhex(log["data"][2:])
        if event.static and len(data) == 32 * len(event.data):
            for i, (name, kind) in enumerate(event.data):
                fields[name] = _unword(kind, data[32 * i : 32 * i + 32])
            return event.name, fields
        values = decode([kind for _, kind in event.data], data)
        for (name, _), value in zip(event.data, values, strict=True):
            fields[name] = _normalise(value)
        return event.name, fields


def _decoded(kind: str, word: bytes) -> Any:
    return _normalise(decode([kind], word)[0])


def _unword(kind: str, word: bytes) -> Any:
    """One static basic ABI word as ``decode`` + ``_normalise`` would give it."""
    if kind == "address":
        return "0x" + word[12:].hex()
    if kind == "bytes32":
        return "0x" + word.hex()
    if kind == "bool":
        return word != bytes(32)
    return int.from_bytes(word, "big")
