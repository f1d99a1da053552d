"""The in-process node's own rules: fresh journal per transaction, nonces, floors, RPC shapes.

Anvil agreement itself is proven in tests/integration/test_ledger_agreement.py; these checks need
no Anvil and pin what the node must keep doing for that agreement to hold.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from products.ledger import Mint
from products.ledger.revm_node import calldata_floor_gas
from products.ledger.revm_rpc import RevmRpc
from products.ledger.rpc import RpcError
from products.ledger.testing import World, open_world


@pytest.fixture
def w() -> Iterator[World]:
    with open_world("revm", "revm-node") as world:
        yield world


def _rpc(w: World) -> RevmRpc:
    rpc = w.ledger.rpc  # type: ignore[attr-defined]
    assert isinstance(rpc, RevmRpc)
    return rpc


def test_each_transaction_starts_cold_and_from_committed_values(w: World) -> None:
    """Two mints of the same amount to a fresh account, in one block and in the next: the first
    pays the zero-to-nonzero store; every later one the same, cold-slot price (no warm carry-over
    between transactions, which bare pyrevm message_calls would give)."""
    who = w.outsider
    first, second = w.run(
        Mint(sender=w.admin, to=who, amount_fen=5), Mint(sender=w.admin, to=who, amount_fen=5)
    )
    third = w.one(Mint(sender=w.admin, to=who, amount_fen=5))
    assert first.ok and second.ok and third.ok
    assert second.gas_used == third.gas_used
    assert first.gas_used - second.gas_used == 20_000 - 2_900  # SSTORE 0->x vs x->y, both cold
    assert _rpc(w).node.evm.journal_depth == 0


def test_calldata_floor_is_eip_7623() -> None:
    assert calldata_floor_gas(b"") == 21_000
    assert calldata_floor_gas(b"\x00\x01") == 21_000 + 10 * (1 + 4)


def test_a_wrong_nonce_is_an_rpc_error_naming_both() -> None:
    rpc = RevmRpc(start_timestamp_s=1_000)
    sender = "0x" + "ab" * 20
    tx = {"from": sender, "to": sender, "data": "0x", "gas": hex(50_000), "nonce": "0x1"}
    with pytest.raises(RpcError, match=r"nonce: 1 of 0x(ab)+ must be the next nonce 0"):
        rpc.call("eth_sendTransaction", [tx])


def test_blocks_follow_the_given_timestamps_and_refuse_going_back() -> None:
    rpc = RevmRpc(start_timestamp_s=1_000)
    rpc.call("evm_mine", [hex(5_000)])
    block = rpc.call("eth_getBlockByNumber", ["latest", False])
    assert (int(block["number"], 16), int(block["timestamp"], 16)) == (1, 5_000)
    with pytest.raises(RpcError, match="timestamp: 4999 must be >= "):
        rpc.call("evm_mine", [4_999])


def test_a_reverting_view_is_an_execution_reverted_error(w: World) -> None:
    rpc = _rpc(w)
    ledger = w.ledger
    data = ledger.ledger.encode_call("ownerOf", [999])  # type: ignore[attr-defined]
    with pytest.raises(RpcError, match="execution reverted") as err:
        address = ledger.ledger_address  # type: ignore[attr-defined]
        rpc.call("eth_call", [{"to": address, "data": data}, "latest"])
    assert err.value.error["code"] == 3 and err.value.error["data"]


def test_unknown_methods_are_refused_by_name() -> None:
    with pytest.raises(RpcError, match="eth_getLogs is not served"):
        RevmRpc().call("eth_getLogs", [{}])
