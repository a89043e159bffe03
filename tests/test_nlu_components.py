"""The custom NLU components, trained, persisted and loaded through Rasa's model storage."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cyberbot.nlu.input_screen import InputScreen, foreign_words, is_dutch_word, stop_words
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
    # Spoken Flemish and everyday Dutch are not foreign (content/everyday_words.yml).
    assert "da" not in foreign_words()["de"] and "merci" not in foreign_words()["fr"]
    assert "dank" not in foreign_words()["de"] and "morgen" not in foreign_words()["de"]


@pytest.mark.parametrize("language", ["nl", "en", "fr", "de"])
def test_stop_words_are_spacys_own(language: str) -> None:
    module = importlib.import_module(f"spacy.lang.{language}.stop_words")
    assert stop_words(language) == frozenset(module.STOP_WORDS)
    assert len(stop_words(language)) > 100


def test_a_language_spacy_does_not_have_is_an_error() -> None:
    with pytest.raises((ImportError, FileNotFoundError)):
        stop_words("xx-none")


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


def test_unknown_words_are_left_to_a_very_sure_classifier(screen: InputScreen) -> None:
    [sure, unsure] = screen.process([predicted("hallooo", confidence=0.95),
                                     predicted("qwzx plork", confidence=0.6)])
    assert issue_of(sure) is None and sure.get("intent")["name"] == "greet"
    assert issue_of(unsure) == "unknown_words"


def test_words_learnt_in_training_count_as_known(screen: InputScreen) -> None:
    [message] = screen.process([predicted("ransomware", intent="faq")])
    assert issue_of(message) is None
    assert message.get("intent")["name"] == "faq"


@pytest.mark.parametrize(
    "text", ["Is een cyberverzekering verplicht?", "/request_quote", "12", "statistieken?",
             "merci hé, da helpt", "is da verplicht voor ne kmo", "dank u, tot morgen"]
)
def test_ordinary_messages_are_left_alone(screen: InputScreen, text: str) -> None:
    [message] = screen.process([predicted(text)])
    assert issue_of(message) is None
    assert message.get("intent")["name"] == "greet"


def test_the_reason_reaches_rasas_output_also_for_an_empty_message(screen: InputScreen) -> None:
    # Rasa passes on only output properties; an empty message reaches no classifier.
    [empty] = screen.process([Message(data={"text": ""})])
    output = empty.as_dict(only_output_properties=True)
    assert output["intent"]["name"] == "nlu_fallback"
    assert [e["value"] for e in output["entities"]] == ["empty"]


def test_even_a_certain_prediction_on_foreign_text_is_not_trusted(screen: InputScreen) -> None:
    [message] = screen.process([predicted("Hello, is cyber insurance mandatory for my company?",
                                          intent="faq", confidence=1.0)])
    assert issue_of(message) == "foreign"
    assert message.get("intent")["name"] == "nlu_fallback"
    [french] = screen.process([predicted("c'est combien pour une petite entreprise?")])
    assert issue_of(french) == "foreign"


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

    budget = TokenBudget.create({"max_tokens": 5, "head_tokens": 2}, storage(tmp_path),
                                Resource("b"), CONTEXT)
    long, short = tokenized(2000), tokenized(3)
    budget.process([long, short])
    # the opening and the end, where a visitor who gives context first asks the question
    assert [token.text for token in long.get("text_tokens")] == [
        "woord0", "woord1", "woord1997", "woord1998", "woord1999"]
    assert len(short.get("text_tokens")) == 3
    assert long.get("text").endswith("woord1999")  # the text itself stays whole
    training = TrainingData([tokenized(9)])
    budget.process_training_data(training)
    assert len(training.training_examples[0].get("text_tokens")) == 5
    with pytest.raises(ValueError, match="max_tokens"):
        TokenBudget(0)
    with pytest.raises(ValueError, match="head_tokens"):
        TokenBudget(5, head_tokens=6)
    head_only = TokenBudget(3, head_tokens=3)
    message = tokenized(10)
    head_only.process([message])
    assert [token.text for token in message.get("text_tokens")] == ["woord0", "woord1", "woord2"]


# --- the label classifier, the sentence features and the insurer names ---------------

LABELLED = {
    ("faq", "faq/kosten"): ["wat kost een cyberverzekering", "hoe duur is zo'n polis",
                            "wat is de premie per jaar", "hoeveel betaal ik ervoor"],
    ("faq", "faq/verplicht"): ["is een cyberverzekering verplicht", "moet ik verplicht verzekeren",
                               "is het wettelijk verplicht", "bestaat er een verzekeringsplicht"],
    ("greet", None): ["hallo", "goedemorgen", "hoi", "goeiedag"],
}


def labelled_data() -> TrainingData:
    messages = []
    for (intent, key), texts in LABELLED.items():
        for text in texts:
            data = {"text": text, "intent": intent}
            if key:
                data["intent_response_key"] = key
            messages.append(Message(data=data))
    return TrainingData(messages)


def featurised(messages: list[Message]) -> list[Message]:
    from cyberbot.nlu.sentence_features import SentenceFeatures

    SentenceFeatures("sentence").process(messages)
    return messages


def test_sentence_features_carry_meaning_beyond_the_words() -> None:
    from cyberbot.nlu.sentence_features import embed

    price, dear, hello = embed(["wat kost een cyberverzekering",
                                "hoe duur is zo'n polis", "goedemorgen"])
    assert price.shape == (384,) and abs(float(price @ price) - 1.0) < 1e-3
    assert float(price @ dear) > float(price @ hello)
    assert embed([]).shape == (0, 384)


def test_the_label_classifier_predicts_intent_and_faq_key_in_rasa_shapes(
    tmp_path: Path,
) -> None:
    from cyberbot.nlu.label_classifier import LabelClassifier

    model_storage, resource = storage(tmp_path), Resource("labels")
    config = {**LabelClassifier.get_default_config(), "calibration_folds": 2}
    data = labelled_data()
    featurised(data.training_examples)
    LabelClassifier.create(config, model_storage, resource, CONTEXT).train(data)
    classifier = LabelClassifier.load(config, model_storage, resource, CONTEXT)

    question, greeting = featurised(
        [Message(data={"text": "hoeveel kost zo'n verzekering?"}),
         Message(data={"text": "goeiemorgen"})])
    classifier.process([question, greeting])

    assert question.get("intent")["name"] == "faq"
    ranking = question.get("intent_ranking")
    assert [item["name"] for item in ranking] == ["faq", "greet"]
    assert sum(item["confidence"] for item in ranking) == pytest.approx(1.0)
    selection = question.get("response_selector")
    assert selection["all_retrieval_intents"] == ["faq"]
    response = selection["faq"]["response"]
    assert response["intent_response_key"] == "faq/kosten"
    assert response["utter_action"] == "utter_faq/kosten"
    keys = selection["faq"]["ranking"]
    assert sum(item["confidence"] for item in keys) == pytest.approx(1.0)
    assert greeting.get("intent")["name"] == "greet"


def test_without_a_trained_model_the_classifier_leaves_messages_alone(tmp_path: Path) -> None:
    from cyberbot.nlu.label_classifier import LabelClassifier

    classifier = LabelClassifier.load(LabelClassifier.get_default_config(), storage(tmp_path),
                                      Resource("missing"), CONTEXT)
    message = Message(data={"text": "hallo"})
    classifier.process([message])
    assert message.get("intent") is None


@pytest.mark.parametrize(
    ("text", "found"),
    [("Ik twijfel tussen Hiscox en AIG", [("hiscox", "Hiscox"), ("aig", "AIG")]),
     ("wat biedt hiscocks?", [("hiscox", "hiscocks")]),
     ("CyberEdge of Chubb?", [("aig", "CyberEdge"), ("chubb", "Chubb")]),
     ("geen voorkeur", []), ("/ask_insurer", [])],
)
def test_insurer_names_become_entities_with_their_spans(text: str, found: list[Any]) -> None:
    from cyberbot.nlu.insurer_names import InsurerNames

    message = Message(data={"text": text})
    InsurerNames().process([message])
    entities = message.get("entities") or []
    assert [(e["value"], text[e["start"]:e["end"]]) for e in entities] == found
