"""Build the local Dutch spaCy pipeline used by the default NLU config.

nl_core_news_sm cannot be downloaded everywhere, so the default pipeline is built from
packages already installed: spaCy's Dutch language data (tokenizer rules, stop words)
and the lookup lemmatizer whose table ships in spacy-lookups-data. Nothing is
downloaded; the result is a normal spaCy pipeline directory that ``SpacyNLP`` loads
by path.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import spacy

DEFAULT_PATH = Path("var/spacy/nl_lookups")


def build(target: Path) -> Path:
    """Write a blank Dutch pipeline with a lookup lemmatizer to ``target``."""
    nlp = spacy.blank("nl")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma_lookup table from spacy-lookups-data
    nlp.meta["name"] = "nl_lookups"
    nlp.meta["description"] = (
        "Blank Dutch pipeline: spaCy language data and lookup lemmatizer "
        "(spacy-lookups-data); no statistical model, no vectors."
    )
    target.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", nargs="?", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    path = build(args.target)
    print(f"Dutch spaCy pipeline written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
