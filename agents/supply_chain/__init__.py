"""Case 1 agents: core enterprise, tier-1/tier-2 suppliers (some adversarial), the bank and its
paper credit officers, on a receivables ledger port."""

from agents.supply_chain.bank import Bank, CreditDesk, CreditOfficer
from agents.supply_chain.model import SupplyChainModel
from agents.supply_chain.population import ATTACK_KINDS, Population, draw_population
from agents.supply_chain.schema import SupplyChainConfig

__all__ = [
    "ATTACK_KINDS",
    "Bank",
    "CreditDesk",
    "CreditOfficer",
    "Population",
    "SupplyChainConfig",
    "SupplyChainModel",
    "draw_population",
]
