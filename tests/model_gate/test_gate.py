"""The gate's decisions, on stand-in models and evaluations: the first model serves, a
better one replaces it, a worse one is refused unless forced, a rollback goes back, old
models are removed but never the serving one or the rollback target."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cyberbot.model_gate import gate
from cyberbot.model_gate.__main__ import main
from cyberbot.model_gate.gate import (
    FAILED,
    OK,
    REFUSED,
    GateError,
    after_training,
    rollback,
    select,
    settings_from_environment,
    status,
)
from cyberbot.model_gate.store import GateStore, KnownModel, known_models
from tests.model_gate.models import FakeEvaluator, fake_model, figures, settings

FIGURES = {
    "a": figures(0.80),
    "b": figures(0.90),
    "c": figures(0.70),  # much worse than b
    "d": figures(0.89),  # within the margin of b
}


def serving(tmp_path: Path) -> str | None:
    """The file the approved link points to."""
    return GateStore(tmp_path / "models").approved_target()


def test_the_first_model_serves_without_comparing(tmp_path: Path) -> None:
    fake_model(tmp_path / "models", "a", 1)
    evaluator = FakeEvaluator(FIGURES)

    result = select(settings(tmp_path), evaluator=evaluator)

    assert result.code == OK
    assert "the first model" in result.text
    assert serving(tmp_path) == "a.tar.gz"
    assert evaluator.calls == []
    link = tmp_path / "models" / "approved" / "model.tar.gz"
    assert os.readlink(link) == "../a.tar.gz"
    assert link.resolve() == (tmp_path / "models" / "a.tar.gz").resolve()


def test_a_better_model_replaces_the_serving_one(tmp_path: Path) -> None:
    fake_model(tmp_path / "models", "a", 1)
    select(settings(tmp_path), evaluator=FakeEvaluator(FIGURES))
    fake_model(tmp_path / "models", "b", 2)
    evaluator = FakeEvaluator(FIGURES)

    result = select(settings(tmp_path), evaluator=evaluator)

    assert result.code == OK
    assert serving(tmp_path) == "b.tar.gz"
    assert sorted(evaluator.calls) == ["a.tar.gz", "b.tar.gz"]
    assert "0.800     0.900   +0.100" in result.text


def test_a_worse_model_is_refused_with_the_figures(tmp_path: Path) -> None:
    for order, name in enumerate("bc", 1):
        fake_model(tmp_path / "models", name, order)
        select(settings(tmp_path), evaluator=FakeEvaluator(FIGURES))

    result = select(settings(tmp_path), evaluator=FakeEvaluator(FIGURES))

    assert result.code == REFUSED
    assert serving(tmp_path) == "b.tar.gz"
    assert result.text.startswith("Refusing to switch to the new model c.tar.gz")
    assert "0.900     0.700   -0.200  <- worse than the margin" in result.text
    assert "make run FORCE_MODEL=1" in result.text and "make rollback" in result.text
    decisions = GateStore(tmp_path / "models").read().decisions
    assert [d["decision"] for d in decisions] == ["first", "refused", "refused"]


def test_worse_within_the_margin_is_accepted(tmp_path: Path) -> None:
    for order, name in enumerate("bd", 1):
        fake_model(tmp_path / "models", name, order)
        result = select(settings(tmp_path), evaluator=FakeEvaluator(FIGURES))

    assert result.code == OK
    assert serving(tmp_path) == "d.tar.gz"
    strict = select(settings(tmp_path, margin=0.0), evaluator=FakeEvaluator(FIGURES))
    assert strict.code == OK  # d already serves: nothing to judge


def test_forced_a_worse_model_serves(tmp_path: Path) -> None:
    for order, name in enumerate("bc", 1):
        fake_model(tmp_path / "models", name, order)
        select(settings(tmp_path), evaluator=FakeEvaluator(FIGURES))
    evaluator = FakeEvaluator(FIGURES)

    result = select(settings(tmp_path), force=True, evaluator=evaluator)

    assert result.code == OK
    assert "forced" in result.text
    assert serving(tmp_path) == "c.tar.gz"


def test_each_model_is_evaluated_once_per_version_of_the_test_data(tmp_path: Path) -> None:
    evaluator = FakeEvaluator(FIGURES)
    fake_model(tmp_path / "models", "b", 1)
    select(settings(tmp_path), evaluator=evaluator)  # b first
    fake_model(tmp_path / "models", "c", 2)

    for _ in range(3):
        select(settings(tmp_path), evaluator=evaluator)
    assert sorted(evaluator.calls) == ["b.tar.gz", "c.tar.gz"]

    (tmp_path / "heldout.yml").write_text("nlu: [] # new examples\n")
    select(settings(tmp_path), evaluator=evaluator)
    assert sorted(evaluator.calls) == ["b.tar.gz", "b.tar.gz", "c.tar.gz", "c.tar.gz"]


def test_rollback_goes_back_to_the_model_that_served_before(tmp_path: Path) -> None:
    for order, name in enumerate("ab", 1):
        fake_model(tmp_path / "models", name, order)
        select(settings(tmp_path), evaluator=FakeEvaluator(FIGURES))
    assert serving(tmp_path) == "b.tar.gz"

    result = rollback(settings(tmp_path))

    assert result.code == OK
    assert "Rolled back from b.tar.gz to a.tar.gz" in result.text
    assert serving(tmp_path) == "a.tar.gz"
    # make run then serves a again, without judging b once more.
    evaluator = FakeEvaluator(FIGURES)
    assert select(settings(tmp_path), evaluator=evaluator).code == OK
    assert serving(tmp_path) == "a.tar.gz"
    assert evaluator.calls == []
    # A newer model is judged against a.
    fake_model(tmp_path / "models", "d", 3)
    assert select(settings(tmp_path), evaluator=evaluator).code == OK
    assert serving(tmp_path) == "d.tar.gz"


def test_rollback_sets_a_refused_model_aside(tmp_path: Path) -> None:
    for order, name in enumerate("bc", 1):
        fake_model(tmp_path / "models", name, order)
        select(settings(tmp_path), evaluator=FakeEvaluator(FIGURES))

    result = rollback(settings(tmp_path))

    assert "Set aside the new model c.tar.gz" in result.text
    assert select(settings(tmp_path), evaluator=FakeEvaluator(FIGURES)).code == OK
    assert serving(tmp_path) == "b.tar.gz"
    assert "set aside by a rollback" in status(settings(tmp_path)).text


def test_no_rollback_without_an_earlier_model(tmp_path: Path) -> None:
    fake_model(tmp_path / "models", "a", 1)
    select(settings(tmp_path), evaluator=FakeEvaluator(FIGURES))

    with pytest.raises(GateError, match="no earlier approved model"):
        rollback(settings(tmp_path))


def test_no_model_at_all(tmp_path: Path) -> None:
    with pytest.raises(GateError, match="run make train first"):
        select(settings(tmp_path))


def test_after_training_keeps_the_newest_the_serving_and_the_previous(tmp_path: Path) -> None:
    models = tmp_path / "models"
    for order, name in enumerate(["m1", "m2"], 1):
        fake_model(models, name, order)
        select(settings(tmp_path), evaluator=FakeEvaluator({"m1": figures(0.8),
                                                            "m2": figures(0.8)}))
    for order, name in enumerate(["m3", "m4", "m5", "m6"], 3):
        fake_model(models, name, order)

    result = after_training(settings(tmp_path, keep=2), evaluate=False)

    assert sorted(path.name for path in models.glob("*.tar.gz")) == [
        "m1.tar.gz", "m2.tar.gz", "m5.tar.gz", "m6.tar.gz"]
    assert "Removed old model m3.tar.gz" in result.text
    assert "New model m6.tar.gz; make run compares it with m2.tar.gz" in result.text
    assert set(GateStore(models).read().models) == {"m1.tar.gz", "m2.tar.gz", "m5.tar.gz",
                                                    "m6.tar.gz"}


def test_after_training_gives_the_verdict(tmp_path: Path) -> None:
    for order, name in enumerate("bc", 1):
        fake_model(tmp_path / "models", name, order)
        if name == "b":
            select(settings(tmp_path), evaluator=FakeEvaluator(FIGURES))

    result = after_training(settings(tmp_path), evaluator=FakeEvaluator(FIGURES))

    assert "The gate refuses c.tar.gz: make run will keep serving b.tar.gz" in result.text
    assert serving(tmp_path) == "b.tar.gz"


def test_the_first_training_needs_no_evaluation(tmp_path: Path) -> None:
    fake_model(tmp_path / "models", "a", 1)

    result = after_training(settings(tmp_path), evaluator=FakeEvaluator({}))

    assert "a.tar.gz is the first model: make run will serve it." in result.text


def test_missing_test_data_is_an_error(tmp_path: Path) -> None:
    gate_settings = settings(tmp_path)
    fake_model(tmp_path / "models", "a", 1)
    select(gate_settings, evaluator=FakeEvaluator(FIGURES))
    fake_model(tmp_path / "models", "b", 2)
    gate_settings.stories.unlink()

    with pytest.raises(GateError, match=r"stories\.yml is missing"):
        select(gate_settings, evaluator=FakeEvaluator(FIGURES))


def test_settings_from_the_environment(tmp_path: Path) -> None:
    read = settings_from_environment({"CYBERBOT_MODEL_GATE_MARGIN": "0.05",
                                      "CYBERBOT_MODELS_KEPT": "5",
                                      "CYBERBOT_MODELS_DIR": str(tmp_path)})

    assert (read.margin, read.keep, read.models_dir) == (0.05, 5, tmp_path)
    assert settings_from_environment({}, margin=0.1).margin == 0.1
    for bad in ({"CYBERBOT_MODEL_GATE_MARGIN": "veel"}, {"CYBERBOT_MODEL_GATE_MARGIN": "1.5"},
                {"CYBERBOT_MODELS_KEPT": "0"}):
        with pytest.raises(GateError):
            settings_from_environment(bad)


def test_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(gate, "evaluate_in_subprocess", FakeEvaluator(FIGURES))
    gate_settings = settings(tmp_path)
    options = ["--models-dir", str(gate_settings.models_dir), "--heldout",
               str(gate_settings.heldout), "--stories", str(gate_settings.stories)]

    assert main(["select", *options]) == FAILED
    assert "Model gate: No trained model" in capsys.readouterr().err
    for order, name in enumerate("bc", 1):
        fake_model(gate_settings.models_dir, name, order)
        code = main(["select", *options])
    assert code == REFUSED
    assert "Refusing to switch" in capsys.readouterr().err
    assert main(["select", "--force", *options]) == OK
    assert main(["rollback", *options]) == OK
    assert "Rolled back from c.tar.gz to b.tar.gz" in capsys.readouterr().out
    assert main(["status", *options]) == OK
    out = capsys.readouterr().out
    assert "b.tar.gz  id b-id  serving" in out


def test_the_state_file_is_json_and_survives_a_failed_command(tmp_path: Path) -> None:
    fake_model(tmp_path / "models", "a", 1)
    select(settings(tmp_path), evaluator=FakeEvaluator(FIGURES))
    before = (tmp_path / "models" / "gate.json").read_text()
    fake_model(tmp_path / "models", "b", 2)

    def broken(model: Path, _: object) -> dict[str, object]:
        raise GateError("evaluation failed")

    with pytest.raises(GateError):
        select(settings(tmp_path), evaluator=broken)

    assert (tmp_path / "models" / "gate.json").read_text() == before
    assert json.loads(before)["serving"] == ["a.tar.gz"]


def test_known_models_name_the_ids_for_the_dashboard(tmp_path: Path) -> None:
    assert known_models(tmp_path / "models") == {}
    for order, name in enumerate("ab", 1):
        fake_model(tmp_path / "models", name, order)
        select(settings(tmp_path), evaluator=FakeEvaluator(FIGURES))

    known = known_models(tmp_path / "models")

    assert known["b-id"] == KnownModel("b", "2026-12-01T10:02", serving=True)
    assert known["a-id"].serving is False
    (tmp_path / "models" / "gate.json").write_text("[")
    assert known_models(tmp_path / "models") == {}
