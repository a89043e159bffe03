"""Rasa input channels used by the assistant (drop-in replacements of Rasa's own)."""
