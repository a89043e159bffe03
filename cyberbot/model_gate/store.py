"""The gate's state, kept in the models folder beside the models it is about.

- ``gate.json``: which models served, in order (the last one serves now), which were set
  aside, each model's id, the evaluations and the decisions made.
- ``approved/model.tar.gz``: a relative link to the model that serves. Every Rasa
  process is started with ``--model models/approved/model.tar.gz``; replicas that share
  the folder therefore load the same approved model when they start.

Changes happen under an exclusive lock on ``.gate.lock`` and are written to a temporary
file that then replaces ``gate.json``, so two gate commands never interleave and a crash
never leaves half a file.
"""

from __future__ import annotations

import fcntl
import json
import os
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE_FILE = "gate.json"
LOCK_FILE = ".gate.lock"
APPROVED_LINK = Path("approved") / "model.tar.gz"
# The decisions kept in gate.json, newest last.
DECISIONS_KEPT = 50


def approved_model(models_dir: Path = Path("models")) -> Path:
    """The path every Rasa process loads: the link to the approved model."""
    return models_dir / APPROVED_LINK


@dataclass(frozen=True)
class ModelFile:
    name: str
    path: Path
    # Modification time: Rasa's own order of models ("the latest model").
    mtime: float


class GateState:
    """gate.json as read under the lock; ``save`` writes it back."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.serving: list[str] = list(data.get("serving") or [])
        self.set_aside: dict[str, str] = dict(data.get("set_aside") or {})
        self.models: dict[str, dict[str, Any]] = dict(data.get("models") or {})
        self.evaluations: dict[str, dict[str, Any]] = dict(data.get("evaluations") or {})
        self.decisions: list[dict[str, Any]] = list(data.get("decisions") or [])

    @property
    def current(self) -> str | None:
        """The model that serves now."""
        return self.serving[-1] if self.serving else None

    @property
    def previous(self) -> str | None:
        """The model that served before it: what a rollback goes back to."""
        return self.serving[-2] if len(self.serving) > 1 else None

    def decide(self, decision: dict[str, Any]) -> None:
        self.decisions = [*self.decisions, decision][-DECISIONS_KEPT:]

    def forget_missing(self, present: set[str]) -> None:
        """Drop what refers to model files that are gone."""
        self.serving = [name for name in self.serving if name in present]
        for table in (self.set_aside, self.models, self.evaluations):
            for name in [name for name in table if name not in present]:
                del table[name]

    def as_json(self) -> dict[str, Any]:
        return {"serving": self.serving, "set_aside": self.set_aside, "models": self.models,
                "evaluations": self.evaluations, "decisions": self.decisions}


class GateStore:
    def __init__(self, models_dir: Path) -> None:
        self.models_dir = models_dir

    @contextmanager
    def locked(self) -> Iterator[GateState]:
        """The state, exclusively; written back when the block ends without an error."""
        self.models_dir.mkdir(parents=True, exist_ok=True)
        with (self.models_dir / LOCK_FILE).open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = self.read()
                yield state
                self._write(state)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def read(self) -> GateState:
        path = self.models_dir / STATE_FILE
        if not path.exists():
            return GateState({})
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{path} is not a JSON object")
        return GateState(data)

    def _write(self, state: GateState) -> None:
        path = self.models_dir / STATE_FILE
        temporary = path.with_name(f".{STATE_FILE}.{os.getpid()}")
        temporary.write_text(json.dumps(state.as_json(), indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)

    def model_files(self) -> list[ModelFile]:
        """The trained models in the folder, oldest first."""
        files = [
            ModelFile(path.name, path, path.stat().st_mtime)
            for path in self.models_dir.glob("*.tar.gz")
            if path.is_file() and not path.is_symlink()
        ]
        return sorted(files, key=lambda model: (model.mtime, model.name))

    def approved_target(self) -> str | None:
        """The file name the approved link points to (None without a link)."""
        link = self.models_dir / APPROVED_LINK
        return Path(os.readlink(link)).name if link.is_symlink() else None

    def point_approved(self, name: str) -> None:
        """Make the approved link point to ``name``, atomically."""
        link = self.models_dir / APPROVED_LINK
        link.parent.mkdir(exist_ok=True)
        temporary = link.with_name(f".model.tar.gz.{os.getpid()}")
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(Path("..") / name)
        os.replace(temporary, link)


def model_metadata(path: Path) -> dict[str, Any]:
    """The model's id and training time from Rasa's metadata.json in the archive."""
    with tarfile.open(path, mode="r:gz") as archive:
        for member in archive:
            if member.name.lstrip("./") == "metadata.json":
                handle = archive.extractfile(member)
                if handle is None:
                    break
                metadata = json.load(handle)
                return {"model_id": metadata.get("model_id"),
                        "trained_at": metadata.get("trained_at")}
    raise ValueError(f"{path.name} is not a Rasa model (no metadata.json)")


@dataclass(frozen=True)
class KnownModel:
    name: str
    trained_at: str | None
    serving: bool


def known_models(models_dir: Path) -> dict[str, KnownModel]:
    """Model id -> what the gate knows of it, for showing model ids to people; empty when
    the folder has no (readable) gate.json. Reads without the lock: the file is only
    ever replaced whole."""
    try:
        state = GateStore(models_dir).read()
    except (OSError, ValueError):
        return {}
    known = {}
    for name, info in state.models.items():
        if isinstance(info, dict) and isinstance(info.get("model_id"), str):
            known[info["model_id"]] = KnownModel(
                name=name.removesuffix(".tar.gz"), trained_at=info.get("trained_at"),
                serving=name == state.current)
    return known
