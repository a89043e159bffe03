"""CPU of the steps the Rasa server runs for every message that this project writes
itself, each against what Rasa or scikit-learn does in its place, in the same process:
reading and saving a conversation, and the label model's probabilities. Run by
``make bench``, never by ``make test``; the README's "Footprint" quotes these figures."""

from __future__ import annotations

import asyncio
import tarfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted

from cyberbot.nlu.label_model import LabelModel, softmax
from cyberbot.tracker_store import CompactingSQLTrackerStore
from tests.test_tracker_store import DOMAIN, ROOT, long_conversation, tracker_of, turn

pytestmark = pytest.mark.bench
ROUNDS = 200


def cpu_ms(step: Callable[[], object], rounds: int = ROUNDS) -> float:
    """CPU milliseconds per call of ``step``, after one call not counted."""
    step()
    started = time.process_time()
    for _ in range(rounds):
        step()
    return (time.process_time() - started) * 1000 / rounds


StoreCpu = Callable[[SQLTrackerStore], Coroutine[Any, Any, float]]


def compare_stores(tmp_path: Path, what: str, cpu_ms_of: StoreCpu) -> None:
    """``cpu_ms_of`` for this project's store and for Rasa's own, each on its database."""
    stores = {
        "ours": CompactingSQLTrackerStore(domain=DOMAIN, dialect="sqlite",
                                          db=str(tmp_path / "ours.db"), keep_turns=10),
        "rasa": SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db")),
    }
    figures = {name: asyncio.run(cpu_ms_of(store)) for name, store in stores.items()}
    print(f"{what}: ours {figures['ours']:.2f} ms, Rasa's {figures['rasa']:.2f} ms of CPU")
    assert figures["ours"] < figures["rasa"], figures


@pytest.mark.parametrize("faq_turns", [3, 40], ids=["short", "long"])
def test_reading_a_conversation(tmp_path: Path, faq_turns: int) -> None:
    async def read_cpu_ms(store: SQLTrackerStore) -> float:
        await store.save(tracker_of(long_conversation(faq_turns)))
        await store.retrieve("conv")
        started = time.process_time()
        for _ in range(ROUNDS):
            await store.retrieve("conv")
        return (time.process_time() - started) * 1000 / ROUNDS

    compare_stores(tmp_path, f"reading a conversation of {faq_turns + 3} user messages",
                   read_cpu_ms)


def test_saving_a_turn(tmp_path: Path) -> None:
    async def save_cpu_ms(store: SQLTrackerStore) -> float:
        await store.save(tracker_of(long_conversation(3)))
        spent = 0.0
        for _ in range(ROUNDS):
            tracker = await store.retrieve("conv")
            assert tracker is not None
            for event in turn("vraag", "faq", "Een antwoord.", ActionExecuted("utter_faq")):
                tracker.update(event)
            started = time.process_time()
            await store.save(tracker)
            spent += time.process_time() - started
        return spent * 1000 / ROUNDS

    compare_stores(tmp_path, "saving a turn of 4 events", save_cpu_ms)


def trained_label_model(tmp_path: Path) -> LabelModel:
    """The label model of the newest trained model (make bench trains one first)."""
    archives = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    if not archives:
        pytest.skip("no trained model in models/: run make train")
    with tarfile.open(archives[-1]) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("/label_model.joblib"))
        archive.extract(member, tmp_path)
    model: LabelModel = joblib.load(tmp_path / member.name)
    return model


def test_the_label_probabilities_of_one_message(tmp_path: Path) -> None:
    model = trained_label_model(tmp_path)
    message = ["Ik wil advies voor mijn webshop in Gent met 12 medewerkers"]
    assert model.dense_mean is not None
    embedding = np.random.default_rng(1).normal(size=model.dense_mean.shape)

    def stacked() -> np.ndarray:
        logits = model.classifier.decision_function(model._features(message, embedding))
        return softmax(logits / model.temperature)

    assert np.allclose(model.probabilities(message, embedding), stacked())
    ours = cpu_ms(lambda: model.probabilities(message, embedding), 1000)
    scikit = cpu_ms(stacked, 1000)
    print(f"label probabilities of one message ({len(model.labels)} labels): view by view "
          f"{ours:.2f} ms, stacked for scikit-learn {scikit:.2f} ms of CPU")
    assert ours < scikit, (ours, scikit)
