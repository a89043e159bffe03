"""Alembic's migrations of the project's tables (``cyberbot db upgrade`` applies them)."""
