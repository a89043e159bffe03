"""Where the data files the code reads live: ``content/`` at the project's root.

Files that steer what the assistant says are checked by pydantic models built on
``ContentModel``; :func:`parse_content` reports every problem at once, each with its
place in the file: ``insurers.yml: insurers.hiscox.premiums[0]: missing key(s) source``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConstrainedStr, Extra, ValidationError, validator

CONTENT_DIR = Path(__file__).resolve().parents[1] / "content"

ModelT = TypeVar("ModelT", bound=BaseModel)
# The error types of missing and of unknown keys: named together per mapping.
_KEY_PROBLEMS = {"value_error.missing": "missing key(s)", "value_error.extra": "unknown key(s)"}
# Parts of an error's location that are no key in the file.
_NOT_IN_FILE = ("__root__", "__key__")


def content_path(name: str) -> Path:
    """The path of ``content/<name>``."""
    return CONTENT_DIR / name


@cache
def load_content(name: str) -> Any:
    """The parsed YAML of ``content/<name>``, read once per process."""
    return yaml.safe_load(content_path(name).read_text(encoding="utf-8"))


class Text(ConstrainedStr):
    """Text as YAML writes it, without surrounding whitespace and not empty (not a number)."""

    strict = True
    strip_whitespace = True
    min_length = 1


class Checked:
    """A field type of a content model whose values pydantic passes to ``check``."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], Any]]:
        yield cls.check

    @staticmethod
    def check(value: Any) -> Any:
        """The value for the model; ValueError with the problem if the file's is wrong."""
        raise NotImplementedError


class ContentModel(BaseModel):
    """A mapping of a content file: exactly its keys, problems in plain English."""

    class Config:
        extra = Extra.forbid
        error_msg_templates = {  # noqa: RUF012 (pydantic reads it from the class)
            "type_error.str": "expected non-empty text",
            "value_error.any_str.min_length": "expected non-empty text",
            "type_error.none.not_allowed": "expected a value",
            "type_error.dict": "expected a mapping",
            "type_error.list": "expected a list",
            "value_error.list.min_items": "expected at least one entry",
        }


def key_check(field: str, known: Sequence[str], kind: str, *, all_required: bool = True) -> Any:
    """A validator of the mapping ``field``: its keys are ``known`` ones, all of them if
    ``all_required``; the model gets them in the order of ``known``."""

    def check(cls: type[ContentModel], entries: Any) -> Any:
        if not isinstance(entries, dict):
            return entries  # the model names the wrong type
        problems = []
        unknown = sorted(str(key) for key in entries if key not in known)
        if unknown:
            problems.append(f"unknown {kind}(s) {', '.join(unknown)} (known: {', '.join(known)})")
        missing = [key for key in known if key not in entries] if all_required else []
        if missing:
            problems.append(f"missing {kind}(s) {', '.join(missing)}")
        if problems:
            raise ValueError(" and ".join(problems))
        return {key: entries[key] for key in known if key in entries}

    return validator(field, pre=True, allow_reuse=True)(check)


def parse_content(
    model: type[ModelT], data: Any, source: str, error: Callable[[str], ValueError]
) -> ModelT:
    """``data``, the YAML of the file ``source``, as ``model``, or ``error`` naming every
    problem."""
    if not isinstance(data, dict):
        raise error(f"{source}: (top level): expected a mapping, got {type(data).__name__}")
    try:
        return model.parse_obj(data)
    except ValidationError as problems:
        raise error(f"{source}: {_problems(problems)}") from None


def _problems(error: ValidationError) -> str:
    """The problems as "place: what is wrong", the missing and the unknown keys of a
    mapping named together: "insurers.aig: missing key(s) name, product"."""
    keys: dict[str, list[str]] = {}  # "place: what is wrong" -> the keys it concerns
    for problem in error.errors():
        loc = problem["loc"]
        kind = _KEY_PROBLEMS.get(problem["type"])
        if kind is None:
            keys.setdefault(f"{_place(loc)}: {problem['msg']}", [])
        else:
            keys.setdefault(f"{_place(loc[:-1])}: {kind}", []).append(str(loc[-1]))
    return "; ".join(
        f"{what} {', '.join(names)}" if names else what for what, names in keys.items()
    )


def _place(loc: tuple[int | str, ...]) -> str:
    """("insurers", "aig", "cover", 0, "source") as insurers.aig.cover[0].source."""
    place = ""
    for part in loc:
        if isinstance(part, int):
            place += f"[{part}]"
        elif part not in _NOT_IN_FILE:
            place += f".{part}" if place else str(part)
    return place or "(top level)"
