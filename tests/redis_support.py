"""The Redis server on 127.0.0.1:6379 (database 1), as the production profile's tests use it."""

from __future__ import annotations

from typing import Any

import pytest


def local_redis() -> Any:
    """A client of the local Redis server; skips the test without one."""
    redis = pytest.importorskip("redis")
    client = redis.Redis(host="127.0.0.1", port=6379, db=1, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    return client
