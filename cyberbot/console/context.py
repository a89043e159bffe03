"""What every console request needs: settings and the two databases."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from cyberbot.console.labels import Labels, load_labels
from cyberbot.console.models import get_console_engine
from cyberbot.console.settings import ConsoleSettings
from cyberbot.db.rasa_tables import open_tracker_engine, tracker_database_url


@dataclass
class ConsoleContext:
    settings: ConsoleSettings
    # The leads database, which also holds the console's own tables.
    engine: Engine
    tracker_url: str | None
    _tracker: Engine | None = None
    _labels: Labels | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, settings: ConsoleSettings, database_url: str | None = None) -> ConsoleContext:
        return cls(
            settings=settings,
            engine=get_console_engine(database_url),
            tracker_url=tracker_database_url(settings.endpoints),
        )

    def tracker(self) -> Engine | None:
        """Rasa's tracker database; None while its SQLite file does not exist yet."""
        with self._lock:
            if self._tracker is None and self.tracker_url:
                self._tracker = open_tracker_engine(self.tracker_url)
            return self._tracker

    def labels(self) -> Labels:
        with self._lock:
            if self._labels is None:
                self._labels = load_labels(self.settings.project_root)
            return self._labels
