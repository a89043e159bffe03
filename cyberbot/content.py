"""Where the data files the code reads live: ``content/`` at the project's root."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).resolve().parents[1] / "content"


def content_path(name: str) -> Path:
    """The path of ``content/<name>``."""
    return CONTENT_DIR / name


@cache
def load_content(name: str) -> Any:
    """The parsed YAML of ``content/<name>``, read once per process."""
    return yaml.safe_load(content_path(name).read_text(encoding="utf-8"))
