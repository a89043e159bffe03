"""Stand-ins for trained models (an archive with Rasa's metadata.json) and evaluations."""

from __future__ import annotations

import io
import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cyberbot.model_gate.gate import GateSettings


def fake_model(models_dir: Path, name: str, order: int) -> Path:
    """An archive like Rasa's, trained ``order`` minutes after the first."""
    models_dir.mkdir(parents=True, exist_ok=True)
    path = models_dir / f"{name}.tar.gz"
    metadata = json.dumps({"model_id": f"{name}-id", "trained_at": f"2026-12-01T10:{order:02}"})
    with tarfile.open(path, "w:gz") as archive:
        for member, content in (("components/x", b"weights"), ("metadata.json", metadata.encode())):
            info = tarfile.TarInfo(member)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    os.utime(path, (1_800_000_000 + order * 60,) * 2)
    return path


def figures(label: float, story: float = 1.0) -> dict[str, Any]:
    return {"heldout": {"label_accuracy": label, "intent_accuracy": label},
            "stories": {"story_accuracy": story, "action_accuracy": story}}


@dataclass
class FakeEvaluator:
    """Figures per model file name; records what it was asked."""

    figures: dict[str, dict[str, Any]]
    calls: list[str] = field(default_factory=list)

    def __call__(self, model: Path, settings: GateSettings) -> dict[str, Any]:
        self.calls.append(model.name)
        return self.figures[model.name.removesuffix(".tar.gz")]


def settings(tmp_path: Path, **changes: Any) -> GateSettings:
    heldout, stories = tmp_path / "heldout.yml", tmp_path / "stories.yml"
    if not heldout.exists():
        heldout.write_text("nlu: []\n")
        stories.write_text("stories: []\n")
    return GateSettings(models_dir=tmp_path / "models", heldout=heldout, stories=stories,
                        **changes)
