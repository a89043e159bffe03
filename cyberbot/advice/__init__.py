"""Advice on insurers: parsing visitors' answers, the insurer catalogue and the ranking."""
