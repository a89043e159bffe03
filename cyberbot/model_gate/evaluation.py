"""How good one trained model is: its figures on the held-out NLU set and the test stories.

Run in a process of its own (``python -m cyberbot.model_gate.evaluation MODEL ...``) by
the gate, so that the memory of one loaded model is freed before the next is loaded.

- Held-out NLU (``tests/nlu_heldout.yml``): every example is parsed by the model.
  ``intent_accuracy``: the intent is right; ``label_accuracy``: the label is right,
  where the label of a retrieval intent is its response key (``faq/kosten``). The labels
  come from the file, so new intents and FAQ keys need no change here.
- Test stories (``tests/test_stories.yml``), with Rasa's own story test:
  ``story_accuracy`` is the share of stories predicted right from start to end,
  ``action_accuracy`` the share of actions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Shown per evaluation; the full list is in the JSON.
MAX_ERRORS_KEPT = 200


def evaluate(model: Path, heldout: Path, stories: Path) -> dict[str, Any]:
    """The model's figures; loads Rasa and the model (about a minute for a full model)."""
    from rasa.core.agent import Agent

    from cyberbot.rasa_compat import install

    install()  # loads the model as the Rasa server does (cyberbot/rasa_compat)

    agent = Agent.load(str(model))
    metadata = agent.processor.model_metadata if agent.processor else None
    return {
        "model": model.name,
        "model_id": metadata.model_id if metadata else None,
        "heldout": asyncio.run(_heldout(agent, heldout)),
        "stories": asyncio.run(_stories(agent, stories)),
    }


async def _heldout(agent: Any, path: Path) -> dict[str, Any]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = [
        (str(message.get("text")), str(message.get("intent")),
         str(message.get("intent_response_key") or message.get("intent")))
        for message in load_data(str(path)).intent_examples
    ]
    if not examples:
        raise ValueError(f"{path} holds no examples")
    intents_right = labels_right = 0
    errors = []
    for text, intent, label in examples:
        parsed = await agent.parse_message(text)
        predicted_intent, predicted_label = predicted(parsed)
        intents_right += predicted_intent == intent
        labels_right += predicted_label == label
        if predicted_label != label:
            errors.append({"text": text, "expected": label, "predicted": predicted_label})
    return {
        "messages": len(examples),
        "intent_accuracy": round(intents_right / len(examples), 4),
        "label_accuracy": round(labels_right / len(examples), 4),
        "errors": errors[:MAX_ERRORS_KEPT],
    }


def predicted(parsed: Mapping[str, Any]) -> tuple[str, str]:
    """The predicted intent and label (the response key for a retrieval intent)."""
    intent = str((parsed.get("intent") or {}).get("name"))
    selectors = parsed.get("response_selector") or {}
    selector = selectors.get(intent) or {}
    key = (selector.get("response") or {}).get("intent_response_key")
    return intent, str(key) if key else intent


async def _stories(agent: Any, path: Path) -> dict[str, Any]:
    import rasa.core.test

    with tempfile.TemporaryDirectory() as directory:
        result = await rasa.core.test.test(
            str(path), agent, out_directory=directory, disable_plotting=True,
            errors=False, warnings=False,
        )
        report = json.loads((Path(directory) / "story_report.json").read_text())
    conversations = report.get("conversation_accuracy") or {}
    total = int(conversations.get("total") or 0)
    if not total:
        raise ValueError(f"{path} holds no stories")
    return {
        "stories": total,
        "stories_right": int(conversations.get("correct") or 0),
        "story_accuracy": round(float(conversations.get("accuracy") or 0.0), 4),
        "action_accuracy": round(float(result["accuracy"]), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", type=Path)
    parser.add_argument("--heldout", type=Path, required=True)
    parser.add_argument("--stories", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    figures = evaluate(args.model, args.heldout, args.stories)
    args.out.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
