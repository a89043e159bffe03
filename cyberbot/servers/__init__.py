"""How the project's server processes start: Rasa, the action server."""
