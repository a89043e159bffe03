"""The demo comparison site that carries the chat widget."""
