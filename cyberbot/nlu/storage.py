"""Persist small JSON artefacts of custom NLU components in Rasa's model storage."""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


def save_json(model_storage: ModelStorage, resource: Resource, name: str, data: Any) -> None:
    with model_storage.write_to(resource) as directory:
        (directory / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False))


def load_json(model_storage: ModelStorage, resource: Resource, name: str) -> Any:
    with model_storage.read_from(resource) as directory:
        return json.loads((directory / f"{name}.json").read_text())
