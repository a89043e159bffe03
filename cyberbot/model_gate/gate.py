"""What the gate does: choose the model that serves, keep the last few, roll back.

- ``select`` (``make run``): the newest model that was not set aside serves if it is the
  first model, already serves, or is not worse than the serving model by more than the
  margin on any figure (or when forced). Otherwise it is refused: nothing changes and
  the figures say why.
- ``after_training`` (``make train``): removes old models (never the serving one nor
  the one a rollback would go back to) and tells what ``select`` will decide.
- ``rollback`` (``make rollback``): undoes the newest model. If it serves, the model that
  served before it serves again; if it was refused, it is set aside. Either way ``make
  run`` then serves the older model without asking again.

Evaluations are cached per model and per content of the held-out set and the test
stories, so each model is evaluated once on the same data, and both models are always
compared on the same data.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cyberbot.model_gate.store import GateState, GateStore, ModelFile, model_metadata
from cyberbot.model_gate.verdict import Verdict, compare, figures_table

MODELS_DIR_VARIABLE = "CYBERBOT_MODELS_DIR"
MARGIN_VARIABLE = "CYBERBOT_MODEL_GATE_MARGIN"
KEEP_VARIABLE = "CYBERBOT_MODELS_KEPT"
EVALUATION_TIMEOUT_SECONDS = 1800

# Exit codes of the command line.
OK, REFUSED, FAILED = 0, 1, 2

Evaluator = Callable[[Path, "GateSettings"], dict[str, Any]]


class GateError(Exception):
    """Something the operator has to fix; the message says what (English)."""


@dataclass(frozen=True)
class GateSettings:
    models_dir: Path = Path("models")
    heldout: Path = Path("tests/nlu_heldout.yml")
    stories: Path = Path("tests/test_stories.yml")
    # A figure may get this much worse (absolute: 0.02 is 2 percentage points).
    margin: float = 0.02
    # Newest models kept, besides the serving one and the one before it.
    keep: int = 3


def settings_from_environment(environ: Mapping[str, str] | None = None,
                              **overrides: Any) -> GateSettings:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if environ.get(MODELS_DIR_VARIABLE):
        values["models_dir"] = Path(environ[MODELS_DIR_VARIABLE])
    try:
        if environ.get(MARGIN_VARIABLE):
            values["margin"] = float(environ[MARGIN_VARIABLE])
        if environ.get(KEEP_VARIABLE):
            values["keep"] = int(environ[KEEP_VARIABLE])
    except ValueError as error:
        raise GateError(f"{MARGIN_VARIABLE} must be a number and {KEEP_VARIABLE} a whole "
                        f"number: {error}") from None
    values.update({key: value for key, value in overrides.items() if value is not None})
    settings = GateSettings(**values)
    if not 0 <= settings.margin < 1:
        raise GateError("the margin must be at least 0 and below 1 (0.02 = 2 points)")
    if settings.keep < 1:
        raise GateError("keep at least 1 model")
    return settings


@dataclass(frozen=True)
class Result:
    code: int
    text: str


def select(settings: GateSettings, *, force: bool = False,
           evaluator: Evaluator | None = None) -> Result:
    """Decide which model serves (see the module docstring)."""
    store = GateStore(settings.models_dir)
    with store.locked() as state:
        files = _files(store, state)
        candidate = _candidate(files, state)
        serving = state.current
        if candidate is None and serving is None:
            raise GateError("Every model has been set aside: run make train.")
        if candidate is None or candidate == serving:
            return _serve(store, state, str(serving), "already serving")
        if serving is None:
            state.serving.append(candidate)
            state.decide(_decision("first", candidate, None))
            return _serve(store, state, candidate, "the first model: nothing to compare with")
        if force:
            state.serving.append(candidate)
            state.decide(_decision("forced", candidate, serving))
            return _serve(store, state, candidate, f"forced, without comparing with {serving}")
        verdict = _verdict(store, state, settings, serving, candidate, evaluator)
        table = figures_table(verdict, serving, candidate)
        if not verdict.accepted:
            state.decide(_decision("refused", candidate, serving, verdict))
            worst = ", ".join(c.label for c in verdict.worse)
            return Result(REFUSED, (
                f"Refusing to switch to the new model {candidate}: it is worse than the "
                f"serving model {serving} by more than the margin of {settings.margin:.3f} "
                f"on: {worst}.\n{table}\n"
                "The serving model stays. To serve the new model anyway: make run "
                "FORCE_MODEL=1. To set it aside and go on with the serving model: make "
                "rollback. Or improve the training data and run make train again."
            ))
        state.serving.append(candidate)
        state.decide(_decision("approved", candidate, serving, verdict))
        return _serve(store, state, candidate,
                      f"not worse than {serving} beyond the margin of {settings.margin:.3f}"
                      f"\n{table}")


def after_training(settings: GateSettings, *, evaluate: bool = True,
                   evaluator: Evaluator | None = None) -> Result:
    """Remove old models, then say what ``select`` will decide about the newest."""
    store = GateStore(settings.models_dir)
    with store.locked() as state:
        files = _files(store, state)
        removed = _prune(files, state, settings.keep)
        files = [model for model in files if model.name not in removed]
        lines = [f"Removed old model {name}" for name in removed]
        candidate, serving = _candidate(files, state), state.current
        if candidate is None or candidate == serving:
            lines.append(f"Serving model: {serving or 'none yet'}; no new model to judge.")
        elif serving is None:
            lines.append(f"{candidate} is the first model: make run will serve it.")
        elif not evaluate:
            lines.append(f"New model {candidate}; make run compares it with {serving}.")
        else:
            verdict = _verdict(store, state, settings, serving, candidate, evaluator)
            table = figures_table(verdict, serving, candidate)
            if verdict.accepted:
                lines.append(f"The gate accepts {candidate}: make run will serve it.\n{table}")
            else:
                lines.append(f"The gate refuses {candidate}: make run will keep serving "
                             f"{serving} (make run FORCE_MODEL=1 to serve it anyway).\n{table}")
        return Result(OK, "\n".join(lines))


def rollback(settings: GateSettings) -> Result:
    """Undo the newest model (see the module docstring)."""
    store = GateStore(settings.models_dir)
    with store.locked() as state:
        files = _files(store, state)
        candidate, serving = _candidate(files, state), state.current
        now = _now()
        if candidate is not None and candidate != serving:
            state.set_aside[candidate] = f"set aside by a rollback on {now}"
            state.decide(_decision("set_aside", candidate, serving))
            if serving is None:
                return Result(OK, f"Set aside {candidate}; no model has served yet.")
            _point(store, serving)
            return Result(OK, f"Set aside the new model {candidate}, which did not serve. "
                              f"{serving} goes on serving.")
        previous = state.previous
        if serving is None or previous is None:
            raise GateError("There is no earlier approved model to roll back to "
                            f"(serving: {serving or 'none'}).")
        order = [model.name for model in files]
        for name in order[order.index(previous) + 1:]:
            state.set_aside.setdefault(name, f"set aside by a rollback on {now}")
        state.serving.pop()
        state.decide(_decision("rolled_back", previous, serving))
        _point(store, previous)
        return Result(OK, f"Rolled back from {serving} to {previous}, which serves again. "
                          "Restart the assistant (make run; on the production profile, "
                          "restart the Rasa replicas) to load it.")


def status(settings: GateSettings) -> Result:
    store = GateStore(settings.models_dir)
    with store.locked() as state:
        files = _files(store, state)
        if not files:
            return Result(OK, f"No models in {settings.models_dir}.")
        candidate = _candidate(files, state)
        lines = [f"Models in {settings.models_dir} (newest last); margin {settings.margin:.3f}:"]
        for model in files:
            info = state.models.get(model.name, {})
            role = ("serving" if model.name == state.current else
                    "previous (rollback target)" if model.name == state.previous else
                    state.set_aside.get(model.name) or
                    ("new, not yet served" if model.name == candidate else "older"))
            lines.append(f"  {model.name}  id {str(info.get('model_id'))[:8]}  {role}")
        for decision in state.decisions[-5:]:
            lines.append(f"  {decision['at']}: {decision['decision']} {decision['model']}")
        return Result(OK, "\n".join(lines))


def fingerprint(settings: GateSettings) -> str:
    """What the figures depend on besides the model: the test data's content."""
    digest = hashlib.sha256()
    for path in (settings.heldout, settings.stories):
        if not path.exists():
            raise GateError(f"Cannot compare models: {path} is missing.")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def evaluate_in_subprocess(model: Path, settings: GateSettings) -> dict[str, Any]:
    """The model's figures from ``python -m cyberbot.model_gate.evaluation``."""
    print(f"Evaluating {model.name} on {settings.heldout} and {settings.stories} "
          "(a minute or two)...", flush=True)
    with tempfile.TemporaryDirectory() as directory:
        out, log = Path(directory) / "figures.json", Path(directory) / "evaluation.log"
        with log.open("wb") as handle:
            run = subprocess.run(
                [sys.executable, "-m", "cyberbot.model_gate.evaluation", str(model),
                 "--heldout", str(settings.heldout), "--stories", str(settings.stories),
                 "--out", str(out)],
                stdout=handle, stderr=subprocess.STDOUT, timeout=EVALUATION_TIMEOUT_SECONDS,
                check=False,
            )
        if run.returncode != 0 or not out.exists():
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise GateError(f"Evaluating {model.name} failed:\n{tail}")
        figures: dict[str, Any] = json.loads(out.read_text())
        return figures


def _verdict(store: GateStore, state: GateState, settings: GateSettings, serving: str,
             candidate: str, evaluator: Evaluator | None) -> Verdict:
    key = fingerprint(settings)
    figures = {}
    for name in (serving, candidate):
        cached = state.evaluations.setdefault(name, {})
        if key not in cached:
            cached.clear()  # figures on data that has changed since are of no use
            cached[key] = (evaluator or evaluate_in_subprocess)(
                store.models_dir / name, settings)
        figures[name] = cached[key]
    return compare(figures[serving], figures[candidate], settings.margin)


def _files(store: GateStore, state: GateState) -> list[ModelFile]:
    files = store.model_files()
    if not files:
        raise GateError(f"No trained model in {store.models_dir}: run make train first.")
    state.forget_missing({model.name for model in files})
    for model in files:
        if model.name not in state.models:
            state.models[model.name] = model_metadata(model.path)
    return files


def _candidate(files: list[ModelFile], state: GateState) -> str | None:
    """The newest model not set aside."""
    kept = [model.name for model in files if model.name not in state.set_aside]
    return kept[-1] if kept else None


def _prune(files: list[ModelFile], state: GateState, keep: int) -> list[str]:
    """Delete all but the ``keep`` newest models, the serving one and the previous one."""
    protected = {state.current, state.previous} | {model.name for model in files[-keep:]}
    removed = []
    for model in files:
        if model.name not in protected:
            model.path.unlink()
            removed.append(model.name)
    state.forget_missing({model.name for model in files if model.name not in removed})
    return removed


def _serve(store: GateStore, state: GateState, name: str, why: str) -> Result:
    _point(store, name)
    model_id = str(state.models.get(name, {}).get("model_id"))
    return Result(OK, f"Serving model {name} (id {model_id[:8]}): {why}.")


def _point(store: GateStore, name: str) -> None:
    if store.approved_target() != name:
        store.point_approved(name)


def _decision(decision: str, model: str, serving: str | None,
              verdict: Verdict | None = None) -> dict[str, Any]:
    return {
        "at": _now(),
        "decision": decision,
        "model": model,
        "compared_with": serving,
        "figures": [
            {"figure": c.label, "serving": c.serving, "new": c.candidate}
            for c in (verdict.comparisons if verdict else ())
        ],
    }


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
