"""Rasa as shipped around code that installs the project's patches in a test process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from rasa.core import run
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine import loader
from rasa.utils.endpoints import EndpointConfig
from rasa.utils.tensorflow.models import RasaModel


@contextmanager
def patches_undone() -> Iterator[pytest.MonkeyPatch]:
    """Whatever ``cyberbot.rasa_compat.install`` patches inside is put back on leaving,
    so later tests of the same pytest worker see Rasa's own methods."""
    with pytest.MonkeyPatch.context() as patches:
        patches.setattr(RemoteAction, "_validate_action_result",
                        RemoteAction._validate_action_result)
        patches.setattr(RasaModel, "load", RasaModel.__dict__["load"])
        for policy in (TEDPolicy, MemoizationPolicy):
            patches.setattr(policy, "predict_action_probabilities",
                            policy.__dict__["predict_action_probabilities"])
        patches.setattr(loader, "load_predict_graph_runner", loader.load_predict_graph_runner)
        patches.setattr(EndpointConfig, "session", EndpointConfig.__dict__["session"])
        patches.setattr(run, "configure_app", run.configure_app)
        yield patches
