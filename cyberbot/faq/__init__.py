"""Answering the FAQ: when an answer is sure enough to give, and what else to offer."""
