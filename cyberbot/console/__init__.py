"""The operator console: conversations, leads, corrections for training, operator accounts."""
