"""Advice on insurers: the insurer catalogue, the sectors, the ranking and its explanation."""
