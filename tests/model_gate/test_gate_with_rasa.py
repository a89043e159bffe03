"""The gate for real, on small Rasa models trained in the test: the same commands, the
same evaluation (Rasa parses the held-out set and runs the story test) and the same
decisions as for the full model, only with a small, fast pipeline.

The small project is made from the project's own data: the intents of ``data/nlu.yml``
named in INTENTS with their examples, one rule each, the matching part of
``tests/nlu_heldout.yml`` and two test stories per intent from it. Three models:

- weak: three examples per intent;
- better: every example (accepted over weak);
- degraded: every example, but the labels of pairs of intents swapped (refused).

The refusal as the operator sees it is saved in results/model_gate_refusal.txt.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from cyberbot.model_gate.store import GateStore, approved_model, model_metadata
from tests.e2e.servers import ROOT
from tests.harness.cluster import (
    Cluster,
    delete_queue,
    postgres_database,
    production_environment,
    stop_process,
    wait_until_up,
)

pytestmark = pytest.mark.e2e
RESULTS = ROOT / "results"
INTENTS = ("greet", "goodbye", "thank", "affirm", "deny", "stop")
# The degraded training set: each intent's examples labelled as its partner.
SWAPPED = {"greet": "goodbye", "goodbye": "greet", "thank": "affirm", "affirm": "thank",
           "deny": "stop", "stop": "deny"}
CONFIG = {
    "recipe": "default.v1",
    "language": "nl",
    "assistant_id": "model-gate-test",
    "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2,
         "max_ngram": 4},
        {"name": "LogisticRegressionClassifier"},
    ],
    "policies": [{"name": "RulePolicy"}],
}
TRAIN = """
import sys
from rasa.model_training import train
for name, data in zip(sys.argv[2::2], sys.argv[3::2]):
    result = train("domain.yml", "config.yml", [data, "rules.yml"], output=sys.argv[1],
                   fixed_model_name=name)
    assert result.code == 0, (name, result.code)
"""


def examples(path: Path, key: str) -> dict[str, list[str]]:
    """intent -> examples of the NLU file (``key`` "intent")."""
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    for block in content["nlu"]:
        if block.get(key) in INTENTS:
            found.setdefault(block[key], []).extend(
                line[2:].strip() for line in block["examples"].splitlines()
                if line.startswith("- "))
    return found


def nlu_file(path: Path, by_intent: dict[str, list[str]]) -> None:
    path.write_text(yaml.safe_dump({"version": "3.1", "nlu": [
        {"intent": intent, "examples": "".join(f"- {text}\n" for text in texts)}
        for intent, texts in by_intent.items()
    ]}, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The small project with its three models trained (oldest first: weak, better,
    degraded), but no gate decision yet."""
    directory = tmp_path_factory.mktemp("gate-project")
    training = examples(ROOT / "data" / "nlu.yml", "intent")
    heldout = examples(ROOT / "tests" / "nlu_heldout.yml", "intent")
    assert set(training) == set(heldout) == set(INTENTS)
    (directory / "config.yml").write_text(yaml.safe_dump(CONFIG))
    (directory / "domain.yml").write_text(yaml.safe_dump({
        "version": "3.1", "intents": list(INTENTS),
        "responses": {f"utter_{intent}": [{"text": intent}] for intent in INTENTS},
    }))
    (directory / "rules.yml").write_text(yaml.safe_dump({"version": "3.1", "rules": [
        {"rule": intent, "steps": [{"intent": intent}, {"action": f"utter_{intent}"}]}
        for intent in INTENTS
    ]}))
    (directory / "stories.yml").write_text(yaml.safe_dump({"version": "3.1", "stories": [
        {"story": f"{intent} {number}",
         "steps": [{"user": text, "intent": intent}, {"action": f"utter_{intent}"}]}
        for intent in INTENTS for number, text in enumerate(heldout[intent][:2])
    ]}, allow_unicode=True))
    nlu_file(directory / "heldout.yml", heldout)
    nlu_file(directory / "weak.yml", {intent: texts[:3] for intent, texts in training.items()})
    nlu_file(directory / "better.yml", training)
    nlu_file(directory / "degraded.yml",
             {intent: training[SWAPPED[intent]] for intent in INTENTS})
    models = directory / "models"
    subprocess.run(
        [sys.executable, "-c", TRAIN, str(models), "weak", "weak.yml", "better", "better.yml",
         "degraded", "degraded.yml"],
        cwd=directory, check=True, timeout=900,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    # The training order is the models' order (Rasa's "latest" is the newest file).
    for order, name in enumerate(("weak", "better", "degraded")):
        os.utime(models / f"{name}.tar.gz", (1_800_000_000 + order * 60,) * 2)
    yield directory


def gate(project: Path, *command: str, models: Path | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cyberbot.model_gate", *command,
         "--models-dir", str(models or project / "models"),
         "--heldout", str(project / "heldout.yml"),
         "--stories", str(project / "stories.yml")],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )


def hide(project: Path, *names: str) -> None:
    """Make models invisible to the gate, as if they were not trained yet."""
    for name in names:
        path = project / "models" / f"{name}.tar.gz"
        path.rename(path.with_suffix(".hidden"))


def show(project: Path, *names: str) -> None:
    for name in names:
        path = project / "models" / f"{name}.tar.hidden"
        path.rename(path.with_suffix(".gz"))


def serving(project: Path) -> str | None:
    return GateStore(project / "models").approved_target()


def figures(project: Path, name: str) -> dict[str, Any]:
    state = json.loads((project / "models" / "gate.json").read_text())
    [evaluation] = state["evaluations"][f"{name}.tar.gz"].values()
    result: dict[str, Any] = evaluation
    return result


def test_better_accepted_degraded_refused_rollback_restores(project: Path) -> None:
    # The first model serves without comparison.
    hide(project, "better", "degraded")
    first = gate(project, "select")
    assert first.returncode == 0, first.stderr
    assert serving(project) == "weak.tar.gz"

    # A model trained on more examples: evaluated for real, accepted.
    show(project, "better")
    accepted = gate(project, "select")
    assert accepted.returncode == 0, accepted.stderr
    assert serving(project) == "better.tar.gz"
    weak, better = figures(project, "weak"), figures(project, "better")
    assert better["heldout"]["label_accuracy"] > weak["heldout"]["label_accuracy"]
    heldout = examples(project / "heldout.yml", "intent")
    assert better["heldout"]["messages"] == sum(len(set(texts)) for texts in heldout.values())
    assert better["stories"]["stories"] == 12

    # The degraded training set: refused with the figures, the better model stays.
    show(project, "degraded")
    refused = gate(project, "select")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "model_gate_refusal.txt").write_text(
        f"$ python -m cyberbot.model_gate select   (exit code {refused.returncode})\n"
        + refused.stderr)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Refusing to switch to the new model degraded.tar.gz" in refused.stderr
    assert "<- worse than the margin" in refused.stderr
    degraded = figures(project, "degraded")
    assert degraded["heldout"]["intent_accuracy"] < better["heldout"]["intent_accuracy"] - 0.5
    assert serving(project) == "better.tar.gz"
    assert gate(project, "after-train", "--no-evaluate").returncode == 0

    # make rollback, once: the refused model is set aside; make run serves better.
    first_rollback = gate(project, "rollback")
    assert "Set aside the new model degraded.tar.gz" in first_rollback.stdout
    assert gate(project, "select").returncode == 0
    assert serving(project) == "better.tar.gz"

    # make rollback, again: back to the model that served before.
    second_rollback = gate(project, "rollback")
    assert "Rolled back from better.tar.gz to weak.tar.gz" in second_rollback.stdout
    again = gate(project, "select")
    assert again.returncode == 0
    assert serving(project) == "weak.tar.gz"
    assert (project / "models" / "approved" / "model.tar.gz").resolve() == (
        project / "models" / "weak.tar.gz").resolve()
    status = gate(project, "status").stdout
    assert "weak.tar.gz" in status and "serving" in status


def test_replicas_of_the_production_profile_load_the_approved_model(
    project: Path, tmp_path: Path
) -> None:
    """Two Rasa replicas on PostgreSQL, Redis and RabbitMQ share the models folder and
    are started on its approved link; restarted after a rollback, both serve the
    previous model."""
    models = tmp_path / "models"
    models.mkdir()
    for order, name in enumerate(("weak", "better")):
        shutil.copy2(project / "models" / f"{name}.tar.gz", models)
        os.utime(models / f"{name}.tar.gz", (1_800_000_000 + order * 60,) * 2)
    ids = {name: model_metadata(models / f"{name}.tar.gz")["model_id"]
           for name in ("weak", "better")}
    (models / "better.tar.gz").rename(models / "better.hidden")
    assert gate(project, "select", models=models).returncode == 0
    (models / "better.hidden").rename(models / "better.tar.gz")
    assert gate(project, "select", "--force", models=models).returncode == 0

    with postgres_database() as url:
        environment = production_environment(url)
        cluster = Cluster(tmp_path / "cluster", rasa_replicas=2, action_replicas=1,
                          production_env=environment, worker=False,
                          model=str(approved_model(models)))
        try:
            with cluster:
                assert served(cluster) == [ids["better"]] * 2
                rolled = gate(project, "rollback", models=models)
                assert "Rolled back from better.tar.gz to weak.tar.gz" in rolled.stdout
                for replica in cluster.rasa:
                    stop_process(replica.process)
                    cluster.start_rasa(replica, wait=False)
                for replica in cluster.rasa:
                    assert replica.process is not None
                    wait_until_up(f"{replica.url}/webhooks/rest/", replica.process)
                assert served(cluster) == [ids["weak"]] * 2
        finally:
            delete_queue(environment)


def served(cluster: Cluster) -> list[str]:
    """The model id each replica reports on Rasa's /status."""
    return [
        requests.get(f"{url}/status", params={"token": cluster.token}, timeout=30)
        .json()["model_id"]
        for url in cluster.urls
    ]
