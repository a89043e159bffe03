"""The arguments and the environment the Rasa server wrapper gives ``rasa run``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from rasa.__main__ import create_argument_parser

from cyberbot.servers.rasa_server import parse_arguments, prepare_environment, rasa_arguments


def test_a_token_that_begins_with_a_dash_reaches_rasa_whole() -> None:
    """secrets.token_urlsafe can begin with "-"; as a separate argument Rasa's parser read
    it as an option and the server exited with code 2 (a rare, random CI failure)."""
    args = parse_arguments(["--model", "models", "--port", "5999"])
    argv = rasa_arguments(args, "-Xy_token", ("http://localhost:8080",))
    parsed = create_argument_parser().parse_args(argv)
    assert parsed.auth_token == "-Xy_token"
    assert parsed.interface == "127.0.0.1" and parsed.port == 5999


# What a server process does before it serves: the environment, Rasa, one message encoded.
_THREADS_PROBE = """
import json, os, threadpoolctl
os.environ.pop("OMP_NUM_THREADS", None)
from cyberbot.servers.rasa_server import prepare_environment
prepare_environment()
import rasa.core.agent
from cyberbot.nlu.sentence_features import embed
embed(["Is een cyberverzekering verplicht?"])
print(json.dumps({info["internal_api"]: info["num_threads"]
                  for info in threadpoolctl.threadpool_info()}))
"""


def test_the_server_encodes_on_one_thread() -> None:
    """The encoder's own num_threads=1 comes too late: scikit-learn has started OpenMP by
    then, with a thread per core (and OpenBLAS likewise)."""
    probe = subprocess.run([sys.executable, "-c", _THREADS_PROBE], capture_output=True,
                           text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert probe.returncode == 0, probe.stderr[-2000:]
    pools = json.loads(probe.stdout.strip().splitlines()[-1])
    assert "openmp" in pools and "openblas" in pools
    assert set(pools.values()) == {1}, pools


def test_the_environment_keeps_what_the_operator_set() -> None:
    environ = {"OMP_NUM_THREADS": "4"}
    prepare_environment(environ)
    assert environ == {"OMP_NUM_THREADS": "4", "RASA_TELEMETRY_ENABLED": "false"}
