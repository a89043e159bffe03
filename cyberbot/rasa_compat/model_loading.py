"""Loading a trained TED policy for prediction without tracing its training step.

Rasa 3.6 builds a TensorFlow model before it reads the trained weights by fitting it on one
example (``RasaModel.load``). Keras runs that fit as a ``tf.function``, so TensorFlow
traces the whole training step first: the forward pass, two gradient tapes and the
optimizer. For this assistant's TED policy that is about 16 s of the model's 32 s load and
some 200 MB of memory that stays in use, for a step that runs once, on a dummy example,
and whose result the trained weights then overwrite.

``install`` loads a model that will only predict as TensorFlow restores any model: the
weights are read first, and each variable takes its trained value when the prediction
step (traced once, on the example Rasa keeps for that, before the server answers) creates
it. The optimizer's state and training-only variables are left unread: nothing here
trains a loaded model. Fine-tuning (``rasa train --finetune``) keeps Rasa's own path.
``tests/test_rasa_compat.py`` trains a small policy, loads it this way and checks that
every weight and every prediction equals the trained policy's.

Installed by :func:`cyberbot.rasa_compat.install`.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

_RASA_LOAD = RasaModel.__dict__["load"].__func__


def load_for_prediction(
    cls: type[RasaModel],
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: RasaModelData | None = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    """``RasaModel.load`` for prediction (see the module's docstring)."""
    if finetune_mode or predict_data_example is None:
        # Fine-tuning trains on after loading: Rasa's own path, unchanged.
        return _RASA_LOAD(cls, model_file_name, model_data_example, predict_data_example,
                          finetune_mode, *args, **kwargs)
    model = cls(*args, **kwargs)
    config = kwargs.get("config", {})
    model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
                  run_eagerly=config.get(RUN_EAGERLY))
    # Before the variables exist: each is restored when the prediction step creates it.
    # The optimizer's state and training-only variables are not needed to predict.
    model.load_weights(model_file_name).expect_partial()
    model.run_inference(predict_data_example)
    return model


def install() -> None:
    """Make every ``RasaModel`` subclass (TED here) load with :func:`load_built_eagerly`."""
    RasaModel.load = classmethod(load_for_prediction)

