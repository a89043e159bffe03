"""The understanding gate of `make test`: no data or pipeline change may silently make the
newest model understand the held-out messages worse than the floor.

The held-out set (tests/nlu_heldout.yml) is never trained on (tests/test_training_data.py
checks that no sentence of it is in data/). The floors are set a little below the figures
measured when they were last raised (README, "How it understands Dutch"), so that the
small differences between trainings do not fail the build but a real loss does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cyberbot import heldout
from cyberbot.faq.selection import thresholds
from tests.rasa_patches import patches_undone

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "nlu_heldout.yml"
# One pytest worker parses the held-out set once for all three tests (a minute and more);
# spread over both workers, each would load the model and parse it.
pytestmark = pytest.mark.xdist_group("understanding_floor")

# Measured on 2 December 2026: label accuracy 0.953, answered wrongly 0.017, the weakest
# label (faq/preventie) 11 of 14.
# Label accuracy: the intent, or for FAQ questions the FAQ key.
LABEL_ACCURACY_FLOOR = 0.94
# Messages answered with another label's answer: the mistake visitors feel most.
ANSWERED_WRONGLY_CEILING = 0.03


@pytest.fixture(scope="module")
def report() -> heldout.Report:
    try:
        model = heldout.latest_model(ROOT / "models")
    except FileNotFoundError:
        pytest.fail("no trained model: `make test` trains one before the tests run")
    pairs = heldout.unique(heldout.read_examples(HELDOUT))
    # heldout loads the model as the server does, with the project's Rasa patches; the
    # other tests of this pytest worker (tests/test_rasa_compat.py) need Rasa as shipped.
    with patches_undone():
        parses = heldout.parse_messages(model, [text for text, _ in pairs])
    return heldout.evaluate(pairs, parses, thresholds())


def _worst(report: heldout.Report) -> str:
    return ", ".join(f"{expected}->{predicted} x{count}"
                     for expected, predicted, count in report.confusions()[:10])


def test_heldout_label_accuracy_is_not_below_the_floor(report: heldout.Report) -> None:
    assert len(report.outcomes) >= 700
    assert report.label_accuracy >= LABEL_ACCURACY_FLOOR, _worst(report)


def test_few_heldout_messages_get_another_labels_answer(report: heldout.Report) -> None:
    assert report.answered_wrongly <= ANSWERED_WRONGLY_CEILING, _worst(report)


def test_every_label_is_understood_most_of_the_time(report: heldout.Report) -> None:
    weak = {label: f"{right}/{total}" for label, (right, total) in report.per_label().items()
            if right / total < 0.70}
    assert weak == {}
