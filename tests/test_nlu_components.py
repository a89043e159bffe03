"""The custom NLU components, trained, persisted and loaded through Rasa's model storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cyberbot.nlu.input_screen import InputScreen, foreign_words, is_dutch_word
from cyberbot.nlu.retrieval_payload import RetrievalPayload

CONTEXT = ExecutionContext(GraphSchema({}), "test")


def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


def predicted(text: str, intent: str = "greet", confidence: float = 0.97) -> Message:
    prediction = {"name": intent, "confidence": confidence}
    return Message(data={"text": text, "intent": prediction, "intent_ranking": [prediction],
                         "entities": []})


def issue_of(message: Message) -> Any:
    values = [e["value"] for e in message.get("entities") if e["entity"] == "input_issue"]
    return values[0] if values else None


@pytest.fixture()
def screen(tmp_path: Path) -> InputScreen:
    model_storage, resource = storage(tmp_path), Resource("screen")
    config = InputScreen.get_default_config()
    trained = InputScreen.create(config, model_storage, resource, CONTEXT)
    data = TrainingData([Message(data={"text": "hoi ransomware zzp'er", "intent": "greet"})])
    trained.train(data)
    return InputScreen.load(config, model_storage, resource, CONTEXT)


def test_lexicon_comes_from_spacy_language_data() -> None:
    known = ["verzekering", "betalen", "niet", "wij", "statistieken", "uitsluitingen",
             "voorzorgsmaatregelen", "betaalden"]
    assert all(is_dutch_word(word) for word in known)
    assert not is_dutch_word("insurance") and not is_dutch_word("qwzx")
    assert "the" in foreign_words()["en"] and "is" not in foreign_words()["en"]
    assert "est" in foreign_words()["fr"] and "die" not in foreign_words()["de"]


@pytest.mark.parametrize(
    ("text", "issue"),
    [("", "empty"), ("🙂🙂", "no_words"), ("qwzx plork", "unknown_words"),
     ("Hello, what does the insurance cover for my shop?", "foreign")],
)
def test_suspect_messages_become_nlu_fallback(screen: InputScreen, text: str, issue: str) -> None:
    [message] = screen.process([predicted(text, confidence=0.8)])
    assert issue_of(message) == issue
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == "nlu_fallback"


def test_words_learnt_in_training_count_as_known(screen: InputScreen) -> None:
    [message] = screen.process([predicted("ransomware", intent="faq")])
    assert issue_of(message) is None
    assert message.get("intent")["name"] == "faq"


@pytest.mark.parametrize(
    "text", ["Is een cyberverzekering verplicht?", "/request_quote", "12", "statistieken?"]
)
def test_ordinary_messages_are_left_alone(screen: InputScreen, text: str) -> None:
    [message] = screen.process([predicted(text)])
    assert issue_of(message) is None
    assert message.get("intent")["name"] == "greet"


def test_even_a_certain_prediction_on_foreign_text_is_not_trusted(screen: InputScreen) -> None:
    [message] = screen.process([predicted("Hello, is cyber insurance mandatory for my company?",
                                          intent="faq", confidence=1.0)])
    assert issue_of(message) == "foreign"
    assert message.get("intent")["name"] == "nlu_fallback"


@pytest.fixture()
def payloads(tmp_path: Path) -> RetrievalPayload:
    model_storage, resource = storage(tmp_path), Resource("payload")
    component = RetrievalPayload.create({}, model_storage, resource, CONTEXT)
    data = TrainingData(responses={"utter_faq/kosten": [{"text": "..."}],
                                   "utter_greet": [{"text": "..."}]})
    component.train(data)
    return RetrievalPayload.load({}, model_storage, resource, CONTEXT)


def test_known_faq_payload_selects_that_answer(payloads: RetrievalPayload) -> None:
    [message] = payloads.process([predicted("/faq/kosten", intent="deny", confidence=0.4)])
    assert message.get("intent") == {"name": "faq", "confidence": 1.0}
    selected = message.get("response_selector")["faq"]["response"]
    assert selected["utter_action"] == "utter_faq/kosten"
    assert selected["intent_response_key"] == "faq/kosten"


@pytest.mark.parametrize("text", ["/faq/onbekend", "/greet", "faq/kosten", "wat kost het"])
def test_other_messages_are_untouched(payloads: RetrievalPayload, text: str) -> None:
    [message] = payloads.process([predicted(text)])
    assert message.get("intent")["name"] == "greet"
    assert message.get("response_selector") is None


def tokenized(words: int) -> Message:
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer

    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    message = Message(data={"text": " ".join(f"woord{n}" for n in range(words))})
    tokenizer.process([message])
    return message


def test_the_token_budget_bounds_what_the_classifiers_see(tmp_path: Path) -> None:
    from cyberbot.nlu.token_budget import TokenBudget

    budget = TokenBudget.create({"max_tokens": 5}, storage(tmp_path), Resource("b"), CONTEXT)
    long, short = tokenized(2000), tokenized(3)
    budget.process([long, short])
    assert [token.text for token in long.get("text_tokens")] == [f"woord{n}" for n in range(5)]
    assert len(short.get("text_tokens")) == 3
    assert long.get("text").endswith("woord1999")  # the text itself stays whole
    training = TrainingData([tokenized(9)])
    budget.process_training_data(training)
    assert len(training.training_examples[0].get("text_tokens")) == 5
    with pytest.raises(ValueError, match="max_tokens"):
        TokenBudget(0)
