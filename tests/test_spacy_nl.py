"""The locally built Dutch spaCy pipeline: language data and lookup lemmas, no model."""

from __future__ import annotations

from pathlib import Path

import spacy

from cyberbot.spacy_nl import build


def test_build_writes_a_loadable_dutch_pipeline(tmp_path: Path) -> None:
    path = build(tmp_path / "nl")
    nlp = spacy.load(path)
    assert nlp.lang == "nl"
    assert nlp.pipe_names == ["lemmatizer"]
    doc = nlp("Wij zijn gisteren gehackt en betaalden losgeld")
    lemmas = {token.text: token.lemma_ for token in doc}
    assert lemmas["gehackt"] == "hacken"
    assert lemmas["betaalden"] == "betalen"
    assert doc[0].is_stop  # "Wij": Dutch stop words come with the language data
    assert not nlp.meta.get("vectors", {}).get("width")  # honest: no vectors
