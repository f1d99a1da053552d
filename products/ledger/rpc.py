"""Minimal JSON-RPC client: one keep-alive ``requests.Session``, single calls and batches.

:class:`RpcClient` is what the chain adapter needs of a client; :class:`JsonRpc` serves it over
HTTP (Anvil), :class:`~products.ledger.revm_rpc.RevmRpc` in process (pyrevm).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import requests

from sim.kernel.errors import ChainError

Call = tuple[str, list[Any]]


class RpcError(ChainError):
    """A JSON-RPC call answered with an error object."""

    def __init__(self, method: str, error: dict[str, Any]) -> None:
        super().__init__(f"{method}: {error.get('message')} (code {error.get('code')})")
        self.method = method
        self.error = error


class RpcClient(Protocol):
    """The JSON-RPC client interface :class:`~products.ledger.chain.ChainLedger` uses."""

    url: str
    requests_sent: int

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        """One call; raises RpcError on an error answer."""
        ...

    def batch(self, calls: Sequence[Call], strict: bool = True) -> list[Any]:
        """Calls in order; errors raise (``strict``) or fill their slot as RpcError values."""
        ...

    def close(self) -> None:
        """Release the transport."""
        ...


class JsonRpc:
    """JSON-RPC over HTTP with one persistent connection.

    Args:
        url: endpoint.
        on_transport_error: called before raising on a connection failure (e.g. to attach the
            node's stderr when it has crashed).
    """

    def __init__(self, url: str, on_transport_error: Callable[[], None] | None = None) -> None:
        self.url = url
        self.session = requests.Session()
        self.on_transport_error = on_transport_error
        self.requests_sent = 0

    def _post(self, body: Any) -> Any:
        self.requests_sent += 1
        try:
            response = self.session.post(self.url, json=body, timeout=60)
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as err:
            if self.on_transport_error:
                self.on_transport_error()
            raise ChainError(f"JSON-RPC transport to {self.url} failed: {err}") from err

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        """One call; raises RpcError on an error answer."""
        reply = self._post({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
        if "error" in reply:
            raise RpcError(method, reply["error"])
        return reply["result"]

    def batch(self, calls: Sequence[Call], strict: bool = True) -> list[Any]:
        """One batch; results in call order. With ``strict`` an error answer raises RpcError,
        otherwise it is returned as an ``RpcError`` value in its slot."""
        if not calls:
            return []
        body = [
            {"jsonrpc": "2.0", "id": i, "method": method, "params": params}
            for i, (method, params) in enumerate(calls)
        ]
        replies = self._post(body)
        if not isinstance(replies, list):
            raise ChainError(f"batch answered with a non-list: {str(replies)[:200]}")
        by_id = {reply.get("id"): reply for reply in replies}
        out: list[Any] = []
        for i, (method, _) in enumerate(calls):
            reply = by_id.get(i, {"error": {"message": "missing reply", "code": -1}})
            if "error" in reply:
                if strict:
                    raise RpcError(method, reply["error"])
                out.append(RpcError(method, reply["error"]))
            else:
                out.append(reply["result"])
        return out

    def close(self) -> None:
        """Close the keep-alive connection."""
        self.session.close()
