"""The fence around Rasa's internals: every name of Rasa 3.6 this project relies on beyond
its documented extension points, and every patch, in one place.

- :func:`install` applies the patches. The Rasa server calls it explicitly at start-up
  (``cyberbot.servers.rasa_server``); importing a module never patches anything.
- :data:`RASA_NAMES` lists the undocumented names the code uses, who uses them and why.
  :func:`missing_names` checks them; ``tests/test_rasa_compat.py`` fails with the list
  when an upgrade of Rasa renames, removes or stops calling one of them.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass

from cyberbot.rasa_compat import (
    action_validation,
    endpoint_sessions,
    model_loading,
    policy_deferral,
)


@dataclass(frozen=True)
class RasaName:
    """One internal of Rasa: ``module``:``qualname``, optionally with parameters it must
    accept, the project module that uses it, and why."""

    module: str
    qualname: str
    used_by: str
    why: str
    parameters: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.module}.{self.qualname}"


RASA_NAMES: tuple[RasaName, ...] = (
    RasaName("rasa.core.actions.action", "RemoteAction._validate_action_result",
             "cyberbot/rasa_compat/action_validation.py",
             "replaced by a validator built once (40 ms of CPU per custom action)",
             ("self", "result")),
    RasaName("rasa.utils.endpoints", "EndpointConfig.session",
             "cyberbot/rasa_compat/endpoint_sessions.py",
             "hands out a kept session, so action calls reuse their connections "
             "(called by EndpointConfig.request)", ("self",)),
    RasaName("rasa.core.run", "configure_app", "cyberbot/rasa_compat/endpoint_sessions.py",
             "the server's app closes the kept sessions when it stops"),
    RasaName("rasa.utils.tensorflow.models", "RasaModel.load",
             "cyberbot/rasa_compat/model_loading.py",
             "loads TED for prediction without tracing its training step (16 s of start-up)",
             ("model_file_name", "model_data_example", "predict_data_example",
              "finetune_mode")),
    RasaName("rasa.utils.tensorflow.models", "RasaModel.run_inference",
             "cyberbot/rasa_compat/model_loading.py",
             "traces the prediction step once before the server answers",
             ("self", "model_data")),
    RasaName("rasa.engine.loader", "load_predict_graph_runner",
             "cyberbot/rasa_compat/policy_deferral.py",
             "creates the prediction graph with TED after the other policies",
             ("storage_path", "model_archive_path", "model_storage_class",
              "graph_runner_class")),
    RasaName("rasa.core.policies.ted_policy", "TEDPolicy.predict_action_probabilities",
             "cyberbot/rasa_compat/policy_deferral.py",
             "skipped when another policy's prediction wins anyway (8 ms of CPU each); "
             "reads TED's only_e2e and fake_features",
             ("self", "tracker", "domain", "rule_only_data", "precomputations")),
    RasaName("rasa.core.policies.memoization", "MemoizationPolicy.predict_action_probabilities",
             "cyberbot/rasa_compat/policy_deferral.py",
             "skipped when the rule policy's prediction wins anyway (about 1 ms of CPU each)",
             ("self", "tracker", "domain", "rule_only_data")),
    RasaName("rasa.core.policies.ensemble", "DefaultPolicyPredictionEnsemble._pick_best_policy",
             "cyberbot/rasa_compat/policy_deferral.py",
             "the choice between predictions that the deferral of TED mirrors",
             ("predictions",)),
    RasaName("rasa.core.tracker_store", "SQLTrackerStore._stream_new_events",
             "cyberbot/tracker_store.py", "streams only the new events to the broker"),
    RasaName("rasa.core.tracker_store", "SQLTrackerStore.SQLEvent",
             "cyberbot/tracker_store.py", "the events table, for the store's own SQL"),
    RasaName("rasa.shared.core.events", "Event._from_parameters",
             "cyberbot/tracker_store.py", "builds an event once its class is known",
             ("parameters",)),
    RasaName("rasa.core.processor", "MessageProcessor.log_message",
             "cyberbot/live/gate.py",
             "records a visitor's message without predicting while an operator has it",
             ("self", "message", "should_save_tracker")),
    RasaName("rasa.core.lock_store", "LockStore.lock", "cyberbot/live/gate.py",
             "one replica at a time records a conversation's message",
             ("self", "conversation_id")),
    RasaName("rasa.core.lock_store", "LockStore.issue_ticket", "cyberbot/lock_store.py",
             "takes a ticket atomically (called by LockStore.lock)",
             ("self", "conversation_id", "lock_lifetime")),
    RasaName("rasa.core.lock_store", "LockStore.update_lock", "cyberbot/lock_store.py",
             "drops expired tickets atomically (called while waiting for the lock)",
             ("self", "conversation_id")),
    RasaName("rasa.core.lock_store", "LockStore.cleanup", "cyberbot/lock_store.py",
             "releases a ticket atomically (called by LockStore.lock)",
             ("self", "conversation_id", "ticket_number")),
    RasaName("rasa.core.lock_store", "LockStore.finish_serving", "cyberbot/lock_store.py",
             "releases a ticket atomically", ("self", "conversation_id", "ticket_number")),
    RasaName("rasa.core.lock", "TicketLock.from_dict", "cyberbot/lock_store.py",
             "reads the stored lock in a Redis transaction", ("data",)),
    RasaName("rasa.core.channels.socketio", "SocketBlueprint",
             "cyberbot/channels/socketio.py", "mounts python-socketio on Sanic"),
    RasaName("rasa.core.channels.socketio", "SocketIOOutput",
             "cyberbot/channels/socketio.py", "sends to a conversation's room"),
    RasaName("rasa.server", "EXECUTE_SIDE_EFFECTS_QUERY_KEY", "cyberbot/live/rasa_bridge.py",
             "appended operator messages are sent through the visitor's channel"),
)


def install() -> None:
    """Apply every patch (idempotent)."""
    action_validation.install()
    endpoint_sessions.install()
    model_loading.install()
    policy_deferral.install()


def missing_names(names: tuple[RasaName, ...] = RASA_NAMES) -> list[str]:
    """A sentence per name that Rasa no longer has, or no longer takes the parameters of."""
    problems = []
    for name in names:
        try:
            found: object = importlib.import_module(name.module)
            for part in name.qualname.split("."):
                found = getattr(found, part)
        except (ImportError, AttributeError):
            problems.append(f"{name.full_name} is gone; {name.used_by} relies on it: {name.why}")
            continue
        if name.parameters:
            target = inspect.unwrap(found)  # type: ignore[arg-type]
            present = tuple(inspect.signature(target).parameters)
            absent = [p for p in name.parameters if p not in present]
            if absent:
                problems.append(f"{name.full_name} no longer takes {', '.join(absent)}; "
                                f"{name.used_by} relies on it: {name.why}")
    return problems
