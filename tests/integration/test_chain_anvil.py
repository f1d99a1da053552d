"""The project's Anvil manager and the chain adapter's runtime guarantees on a real node."""

from __future__ import annotations

import os
import signal

import pytest

from products.ledger import Accept
from products.ledger import chain as chain_module
from products.ledger.anvil import Anvil, anvil_kept, find_anvil, keeping_anvil
from products.ledger.chain import ChainLedger, chain_ledger
from products.ledger.rpc import JsonRpc
from products.ledger.testing import POLICY, T0, World, make_admin
from sim.kernel.errors import ChainError

pytestmark = pytest.mark.chain


def test_start_probe_and_clean_stop() -> None:
    anvil = Anvil(T0).start()
    pid = anvil._proc.pid if anvil._proc else -1
    rpc = JsonRpc(anvil.url)
    assert int(rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16) == T0
    anvil.stop()
    anvil.stop()  # idempotent
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_bad_flag_fails_with_anvils_stderr() -> None:
    with pytest.raises(ChainError, match="unexpected argument"):
        Anvil(T0, extra_args=("--no-such-flag",)).start()


def test_anvil_path_must_be_executable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike[str]
) -> None:
    monkeypatch.setenv("ANVIL_PATH", os.fspath(tmp_path))
    with pytest.raises(ChainError, match="ANVIL_PATH"):
        find_anvil()


def test_blocks_follow_sim_time_and_crash_fails_loudly() -> None:
    admin = make_admin("crash")
    with chain_ledger(admin, POLICY, T0) as ledger:
        world = World(ledger, "crash", T0 + 10)
        world.setup()
        stamp = int(ledger.rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
        assert stamp == world.now_s
        anvil_pid = _anvil_pid(ledger)
        os.kill(anvil_pid, signal.SIGKILL)
        os.waitpid(anvil_pid, 0)
        ledger.submit(Accept(sender=world.s1, token_id=1))
        with pytest.raises(ChainError, match="anvil exited"):
            ledger.step(world.now_s + 3_600)


def _anvil_pid(ledger: ChainLedger) -> int:
    check = getattr(ledger.rpc, "on_transport_error", None)
    anvil = getattr(check, "__self__", None)
    assert isinstance(anvil, Anvil) and anvil._proc is not None
    return anvil._proc.pid


def _hundred_transfers(monkeypatch: pytest.MonkeyPatch, batch_limit: int) -> list[str]:
    monkeypatch.setattr(chain_module, "BATCH_LIMIT", batch_limit)
    admin = make_admin(f"order-{batch_limit}")
    with chain_ledger(admin, POLICY, T0) as ledger:
        world = World(ledger, f"order-{batch_limit}", T0 + 10)
        world.setup()
        ids = [world.issue(face=100_000) for _ in range(1)]
        senders = [f"0x{i:040x}" for i in range(1, 101)]
        ops = [Accept(sender=s, token_id=ids[0]) for s in senders]
        return [r.op.sender for r in world.run(*ops)]


def test_batches_of_64_keep_model_order(monkeypatch: pytest.MonkeyPatch) -> None:
    tags = _hundred_transfers(monkeypatch, 64)
    assert tags == [f"0x{i:040x}" for i in range(1, 101)]


def test_reordered_block_is_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ChainError, match="mined order differs"):
        _hundred_transfers(monkeypatch, 128)


def test_interrupt_inside_a_run_stops_anvil() -> None:
    pids: list[int | None] = []
    with pytest.raises(KeyboardInterrupt), chain_ledger(make_admin("ctrl-c"), POLICY, T0) as ledger:
        pids = [node.pid for node in ledger.nodes]
        assert _anvil_pid(ledger) in pids
        raise KeyboardInterrupt
    assert len(pids) == 2  # the node and the empty base it forks
    for pid in pids:
        assert pid is not None
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_keep_chain_leaves_a_finished_runs_node_up_and_answering() -> None:
    with keeping_anvil(), chain_ledger(make_admin("keep"), POLICY, T0) as ledger:
        pids = [node.pid for node in ledger.nodes]
        url, ledger_address = ledger.rpc.url, ledger.ledger_address
    try:
        rpc = JsonRpc(url)
        assert int(rpc.call("eth_blockNumber"), 16) == 2  # the two deployments
        assert rpc.call("eth_getCode", [ledger_address, "latest"]) not in ("0x", None)
        assert len(pids) == 2 and all(os.getsid(p) == p for p in pids if p)  # own sessions
    finally:
        for pid in pids:
            assert pid is not None
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
    assert not anvil_kept()


def test_keep_chain_still_stops_the_node_of_a_failed_run() -> None:
    pids: list[int | None] = []
    admin = make_admin("keep-fail")
    with pytest.raises(RuntimeError), keeping_anvil(), chain_ledger(admin, POLICY, T0) as ledger:
        pids = [node.pid for node in ledger.nodes]
        raise RuntimeError("the run failed")
    for pid in pids:
        assert pid is not None
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_run_parser_has_keep_chain() -> None:
    from sim.cli import build_parser

    args = build_parser().parse_args(["run", "scenarios/supply_chain.yaml", "--keep-chain"])
    assert args.keep_chain is True
