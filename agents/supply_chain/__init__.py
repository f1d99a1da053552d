"""Case 1 agents: core enterprise, tier-1/tier-2 suppliers, bank, adversaries, paper credit officers."""

from agents.supply_chain.economy import SupplyChainModel
from agents.supply_chain.officer import CreditOfficers
from agents.supply_chain.population import ATTACK_KINDS, Population, draw_population

__all__ = ["ATTACK_KINDS", "CreditOfficers", "Population", "SupplyChainModel", "draw_population"]
