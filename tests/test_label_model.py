"""The label model on its own: fitting, calibration and what it refuses."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from cyberbot.nlu.label_model import (
    LabelModelSettings,
    fit_label_model,
    fit_temperature,
    softmax,
)

EXAMPLES = {
    "faq/kosten": ["wat kost een cyberverzekering", "hoe duur is zo'n polis",
                   "wat is de premie per jaar", "hoeveel betaal ik voor de verzekering",
                   "prijs van een cyberpolis", "kosten cyberverzekering"],
    "faq/verplicht": ["is een cyberverzekering verplicht", "moet ik verplicht verzekerd zijn",
                      "is het wettelijk verplicht", "bestaat er een verzekeringsplicht",
                      "ben ik verplicht een cyberpolis te nemen", "verplichting cyberverzekering"],
    "greet": ["hallo", "goedemorgen", "hoi", "dag", "goeiedag", "hey daar"],
}
SETTINGS = LabelModelSettings(calibration_folds=3)


def training() -> tuple[list[str], list[str]]:
    texts = [text for texts in EXAMPLES.values() for text in texts]
    labels = [label for label, texts in EXAMPLES.items() for _ in texts]
    return texts, labels


def test_it_learns_the_labels_and_gives_probabilities_that_sum_to_one() -> None:
    texts, labels = training()
    model = fit_label_model(texts, labels, settings=SETTINGS)
    assert model.labels == ["faq/kosten", "faq/verplicht", "greet"]
    rows = model.probabilities(["wat kost dat ongeveer", "goeiemorgen", "is dat verplicht?"], None)
    assert np.allclose(rows.sum(axis=1), 1.0)
    assert [model.labels[i] for i in rows.argmax(axis=1)] == [
        "faq/kosten", "greet", "faq/verplicht"]
    assert 0.5 <= model.temperature <= 8.0


def test_a_dense_view_is_used_and_then_required() -> None:
    texts, labels = training()
    rng = np.random.default_rng(0)
    centres = {label: rng.normal(size=8) for label in EXAMPLES}
    dense = np.vstack([centres[label] + 0.1 * rng.normal(size=8) for label in labels])
    model = fit_label_model(texts, labels, dense, SETTINGS)
    # A message of unseen words lands where its embedding is.
    row = model.probabilities(["zzz"], centres["faq/verplicht"][np.newaxis, :])[0]
    assert model.labels[int(row.argmax())] == "faq/verplicht"
    with pytest.raises(ValueError, match="dense"):
        model.probabilities(["zzz"], None)


def test_bad_training_input_is_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        fit_label_model(["a", "b"], ["x"])
    with pytest.raises(ValueError, match="two labels"):
        fit_label_model(["a", "b"], ["x", "x"])


def test_the_temperature_undoes_overconfidence() -> None:
    # Logits that are right only 60% of the time but claim near-certainty.
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 3, size=500)
    predicted = np.where(rng.random(500) < 0.6, truth, (truth + 1) % 3)
    logits = np.full((500, 3), 0.0)
    logits[np.arange(500), predicted] = 12.0
    temperature = fit_temperature(logits, truth)
    assert temperature > 4.0
    calibrated = softmax(logits / temperature).max(axis=1).mean()
    assert calibrated == pytest.approx(0.6, abs=0.1)


def test_softmax_is_stable_for_large_logits() -> None:
    rows = softmax(np.array([[1000.0, 0.0], [-1000.0, -1000.0]]))
    assert np.allclose(rows, [[1.0, 0.0], [0.5, 0.5]])


def test_the_logits_are_scikit_learns_and_the_saved_model_carries_no_copy() -> None:
    texts, labels = training()
    dense = np.random.default_rng(3).normal(size=(len(texts), 8))
    model = fit_label_model(texts, labels, dense, SETTINGS)
    probe = ["wat kost een polis", "goedemorgen", "xyz"]
    probe_dense = np.random.default_rng(4).normal(size=(len(probe), 8))
    expected = softmax(model.classifier.decision_function(model._features(probe, probe_dense))
                       / model.temperature)
    before = len(pickle.dumps(model))
    assert np.allclose(model.probabilities(probe, probe_dense), expected, atol=1e-12)
    assert len(pickle.dumps(model)) == before
    assert np.allclose(pickle.loads(pickle.dumps(model)).probabilities(probe, probe_dense),
                       expected, atol=1e-12)
