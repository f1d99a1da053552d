"""Receivables ledger product: port, in-memory fake, paper ledger, and the chain adapter."""

from products.ledger.fake import FakeLedger
from products.ledger.paper import PaperLedger, Review, Reviewer
from products.ledger.port import (
    LedgerPort,
    Op,
    OpResult,
    Policy,
    ReceivableState,
    Status,
    Terms,
    derive_address,
    invoice_hash,
)

__all__ = [
    "FakeLedger",
    "LedgerPort",
    "Op",
    "OpResult",
    "PaperLedger",
    "Policy",
    "ReceivableState",
    "Review",
    "Reviewer",
    "Status",
    "Terms",
    "derive_address",
    "invoice_hash",
]
