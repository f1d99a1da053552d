"""Case 3 agents: leased equipment with sensors, lessee firms and the leasing bank."""
