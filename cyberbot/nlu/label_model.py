"""The label model: which label (an intent, or ``faq/<key>``) a message has, with a
probability that means what it says.

A multinomial logistic regression over three views of a message: character n-grams
(robust to typos, run-together words and Flemish spellings), words, and a dense sentence
embedding that carries meaning beyond the training words (``sentence_encoder``). Each
view is scaled to unit length so that none drowns the others.

The probabilities are calibrated with one temperature fitted on out-of-fold predictions
of the training data: a model judged on the examples it learnt from is far too sure of
itself, and the assistant's thresholds ("answer", "Bedoelt u …?", "dat weet ik niet")
need a confidence that says how often it is right.

Pure scikit-learn and numpy; the Rasa component is ``label_classifier``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, cpu_count, delayed
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

# Temperatures tried when calibrating: from sharpening (0.5) to strong softening (8).
_TEMPERATURES = np.exp(np.linspace(np.log(0.5), np.log(8.0), 81))


@dataclass(frozen=True)
class LabelModelSettings:
    # Inverse regularisation strength: 30 fits these few thousand short messages best in
    # cross-validation (README, "Understanding").
    c: float = 30.0
    calibration_folds: int = 5
    random_seed: int = 42
    max_iter: int = 3000


@dataclass
class LabelModel:
    chars: TfidfVectorizer
    words: TfidfVectorizer
    dense_mean: np.ndarray | None  # centre of the training embeddings, or None: no dense view
    classifier: LogisticRegression
    temperature: float

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.classifier.classes_]

    def probabilities(self, texts: Sequence[str], dense: np.ndarray | None) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in ``labels`` order."""
        return softmax(self._logits(texts, dense) / self.temperature)

    def _logits(self, texts: Sequence[str], dense: np.ndarray | None) -> np.ndarray:
        """The classifier's decision function, summed view by view: the same numbers as
        scikit-learn's over the stacked features, without stacking sparse matrices or
        validating them again (a message's label step: 2.1 ms of CPU before, 1.5 after)."""
        views = _views(self.chars, self.words, self.dense_mean, texts, dense)
        logits = self.classifier.intercept_ + sum(
            view @ weights for view, weights in zip(views, self._weights, strict=True))
        return logits.ravel() if logits.shape[1] == 1 else logits

    @cached_property
    def _weights(self) -> list[np.ndarray]:
        """The classifier's weights of each view, features by labels, contiguous."""
        chars_end = len(self.chars.vocabulary_)
        words_end = chars_end + len(self.words.vocabulary_)
        starts = [0, chars_end, words_end]
        ends = [chars_end, words_end, self.classifier.coef_.shape[1]]
        return [np.ascontiguousarray(self.classifier.coef_[:, start:end].T)
                for start, end in zip(starts, ends, strict=True) if end > start]

    def __getstate__(self) -> dict[str, object]:
        """Saved without the weights' copy, which is made again when first needed."""
        state = dict(self.__dict__)
        state.pop("_weights", None)
        return state

    def _features(self, texts: Sequence[str], dense: np.ndarray | None) -> sp.csr_matrix:
        return _stack(self.chars, self.words, self.dense_mean, texts, dense)


def fit_label_model(
    texts: Sequence[str],
    labels: Sequence[str],
    dense: np.ndarray | None = None,
    settings: LabelModelSettings = LabelModelSettings(),
) -> LabelModel:
    """Fits the model on all examples, and its temperature on out-of-fold predictions.

    The fit on all examples and the fits of the calibration folds are independent: they
    run in parallel, one per core (the same models as one after another, in a fraction
    of the time)."""
    if len(texts) != len(labels) or (dense is not None and len(dense) != len(texts)):
        raise ValueError("texts, labels and dense embeddings must be of the same length")
    if len(set(labels)) < 2:
        raise ValueError("the label model needs examples of at least two labels")
    label_array = np.array(labels)
    folds = _calibration_folds(label_array, settings)
    subsets = [np.arange(len(texts)), *(train for train, _ in folds)]
    fitted: list[LabelModel] = Parallel(n_jobs=min(len(subsets), cpu_count()))(
        delayed(_fit)([texts[i] for i in subset], label_array[subset].tolist(),
                      None if dense is None else dense[subset], settings)
        for subset in subsets)
    model = fitted[0]
    if folds:
        model.temperature = _calibrated_temperature(texts, label_array, dense, folds,
                                                    fitted[1:])
    return model


def _fit(texts: Sequence[str], labels: Sequence[str], dense: np.ndarray | None,
         settings: LabelModelSettings) -> LabelModel:
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True,
                            sublinear_tf=True)
    words = TfidfVectorizer(analyzer="word", lowercase=True, token_pattern=r"(?u)\b\w+\b",
                            sublinear_tf=True)
    chars.fit(texts)
    words.fit(texts)
    dense_mean = None if dense is None else dense.mean(axis=0, keepdims=True)
    classifier = LogisticRegression(C=settings.c, max_iter=settings.max_iter)
    classifier.fit(_stack(chars, words, dense_mean, texts, dense), list(labels))
    return LabelModel(chars, words, dense_mean, classifier, temperature=1.0)


Fold = tuple[np.ndarray, np.ndarray]  # indices of the examples fitted on, and of those held out


def _calibration_folds(label_array: np.ndarray, settings: LabelModelSettings) -> list[Fold]:
    """Stratified folds; none when a label has fewer examples than two folds need."""
    smallest = min(np.unique(label_array, return_counts=True)[1])
    folds = min(settings.calibration_folds, int(smallest))
    if folds < 2:
        return []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=settings.random_seed)
    return list(splitter.split(np.zeros(len(label_array)), label_array))


def _calibrated_temperature(texts: Sequence[str], label_array: np.ndarray,
                            dense: np.ndarray | None, folds: list[Fold],
                            parts: list[LabelModel]) -> float:
    """The temperature that makes out-of-fold probabilities most likely (least NLL)."""
    all_labels = np.unique(label_array)
    logits: list[np.ndarray] = []
    truths: list[np.ndarray] = []
    for (_, test), part in zip(folds, parts, strict=True):
        raw = part.classifier.decision_function(
            part._features([texts[i] for i in test], None if dense is None else dense[test]))
        # Columns in the full label order; a label missing from the fold gets no mass.
        full = np.full((len(test), len(all_labels)), -np.inf)
        full[:, np.searchsorted(all_labels, part.classifier.classes_)] = raw
        logits.append(full)
        truths.append(np.searchsorted(all_labels, label_array[test]))
    return fit_temperature(np.vstack(logits), np.concatenate(truths))


def fit_temperature(logits: np.ndarray, truth: np.ndarray) -> float:
    """The temperature in 0.5 … 8 with the least negative log-likelihood of ``truth``."""
    best, best_loss = 1.0, np.inf
    for temperature in _TEMPERATURES:
        probabilities = softmax(logits / temperature)
        chosen = probabilities[np.arange(len(truth)), truth]
        loss = -np.mean(np.log(np.clip(chosen, 1e-12, 1.0)))
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return best


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    exponents = np.exp(shifted)
    return exponents / exponents.sum(axis=1, keepdims=True)


def _stack(chars: TfidfVectorizer, words: TfidfVectorizer, dense_mean: np.ndarray | None,
           texts: Sequence[str], dense: np.ndarray | None) -> sp.csr_matrix:
    return sp.hstack([sp.csr_matrix(view) if isinstance(view, np.ndarray) else view
                      for view in _views(chars, words, dense_mean, texts, dense)]).tocsr()


def _views(chars: TfidfVectorizer, words: TfidfVectorizer, dense_mean: np.ndarray | None,
           texts: Sequence[str], dense: np.ndarray | None) -> list[sp.csr_matrix | np.ndarray]:
    """The features of each view: character n-grams, words, and the dense embedding."""
    views: list[sp.csr_matrix | np.ndarray] = [chars.transform(texts), words.transform(texts)]
    if dense_mean is not None:
        if dense is None:
            raise ValueError("this model was trained with dense features; none were given")
        views.append(_unit_rows(dense - dense_mean))
    return views


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)
