"""Two Rasa replicas and two action servers on PostgreSQL, Redis and RabbitMQ (the
production profile, endpoints.production.yml), on the services running on this machine.

Messages of one conversation go to either replica, as a load balancer without sticky
sessions would send them; Redis's lock store makes one replica at a time handle a
conversation, PostgreSQL holds the trackers, the leads and the outbox, and Redis the
abuse limits, which both replicas count together. The cluster runs with the default
limits of security.yml; as behind nginx, each visitor's address comes in
X-Forwarded-For from a trusted proxy (this test, on 127.0.0.1).
"""

from __future__ import annotations

import hashlib
import ipaddress
import queue
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import socketio
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import ProgrammingError

from cyberbot.channels.rest import conversation_id as rest_conversation
from cyberbot.console.models import conversations as console_conversations
from cyberbot.leads.models import leads
from cyberbot.live.config import live_text
from cyberbot.security.settings import Limits
from tests.e2e.live_support import OperatorAPI, Visitor
from tests.e2e.receiver import WebhookReceiver
from tests.e2e.servers import running_site, user_texts, wait_until
from tests.e2e.sockets import close, socket_client
from tests.harness.cluster import (
    ROOT,
    Cluster,
    delete_queue,
    postgres_database,
    production_environment,
    stop_process,
)

pytestmark = pytest.mark.e2e
REFERENCE = re.compile(r"CV-\d{4}-\d{6}")
CONVERSATIONS = 50
LIVE_MESSAGES = 50
RESULTS = ROOT / "results"


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, receiver: WebhookReceiver
) -> Iterator[Cluster]:
    workdir = tmp_path_factory.mktemp("cluster")
    with postgres_database() as url:
        environment = production_environment(url)
        cluster = Cluster(
            workdir, rasa_replicas=2, action_replicas=2,
            production_env=environment,
            extra_env={"CYBERBOT_WEBHOOK_URL": receiver.url,
                       "CYBERBOT_WEBHOOK_SECRET": receiver.secret,
                       "CYBERBOT_OUTBOX_POLL_SECONDS": "0.5",
                       # The limits of security.yml, with this test as the trusted proxy.
                       **{f"CYBERBOT_LIMIT_{name.upper()}": str(field.default)
                          for name, field in Limits.__fields__.items()},
                       "CYBERBOT_TRUSTED_PROXIES": "127.0.0.1/32",
                       # Live chat whatever the hour; only the live test makes anyone
                       # available.
                       "CYBERBOT_LIVE_HOURS": "always"},
        )
        # A second outbox worker: two workers and two action servers all try to deliver.
        log = (workdir / "worker-2.log").open("ab")
        second_worker = subprocess.Popen(
            [sys.executable, "-m", "cyberbot.cli", "outbox", "work"],
            cwd=ROOT, env=cluster.base_env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            with cluster:
                yield cluster
        finally:
            stop_process(second_worker)
            delete_queue(environment)
            for log_file in sorted(workdir.glob("*.log")):
                lines = log_file.read_text(errors="replace").splitlines()
                errors = [line for line in lines if "ERROR" in line or "Traceback" in line]
                if errors:
                    print(f"--- {log_file.name}: {len(errors)} error lines, last ones ---")
                    print("\n".join(errors[-10:]))


def visitor_address(sender: str) -> str:
    """A client address of each visitor's own, as nginx would forward it."""
    number = int.from_bytes(hashlib.sha256(sender.encode()).digest()[:3], "big")
    return str(ipaddress.ip_address("10.0.0.0") + number)


def post(cluster: Cluster, url: str, sender: str, message: str,
         client: str | None = None) -> requests.Response:
    return requests.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
        headers={"Authorization": f"Bearer {cluster.rest_token}",
                 "X-Forwarded-For": client or visitor_address(sender)},
        timeout=120,
    )


def say(cluster: Cluster, url: str, sender: str, message: str) -> str:
    reply = post(cluster, url, sender, message)
    reply.raise_for_status()
    return "\n".join(str(part.get("text", "")) for part in reply.json())


def tracker(cluster: Cluster, url: str, sender: str) -> dict[str, Any]:
    """The tracker of a REST sender's conversation."""
    reply = requests.get(f"{url}/conversations/{rest_conversation(sender)}/tracker",
                         params={"token": cluster.token}, timeout=60)
    reply.raise_for_status()
    result: dict[str, Any] = reply.json()
    return result


def quote(cluster: Cluster, sender: str, first_replica: int = 0) -> str:
    """A whole quote conversation, each message to the next replica; returns the reference."""
    messages = [
        "Ik wil een offerte voor mijn webshop in Utrecht met 12 medewerkers en 1,2 miljoen omzet",
        "Hiscox", "ja", "Jan de Vries", "Pixelwerk", f"{sender}@pixelwerk.nl", "06-12345678",
    ]
    transcript: list[str] = []
    reply = ""
    for number, message in enumerate(messages):
        reply = say(cluster, cluster.urls[(first_replica + number) % 2], sender, message)
        transcript += [f"> {message}", reply]
    found = REFERENCE.search(reply)
    assert found, f"{sender}:\n" + "\n".join(transcript)
    return found.group(0)


def test_one_conversation_alternating_between_replicas_stays_consistent(
    cluster: Cluster,
) -> None:
    sender = f"alternating-{secrets.token_hex(4)}"
    steps = [
        ("Ik wil advies voor mijn webshop in Utrecht met 12 medewerkers en 1,2 miljoen omzet",
         "Verenigde Staten"),
        ("nee", "persoonsgegevens"),
        ("Is een cyberverzekering verplicht?", "persoonsgegevens"),  # an FAQ in the form
        ("ja", "belangrijkst"),
        ("Zo breed mogelijk verzekerd", "Vergelijking van AIG, Hiscox en Chubb"),
    ]
    for number, (message, expected) in enumerate(steps):
        assert expected in say(cluster, cluster.urls[number % 2], sender, message)
    first, second = (tracker(cluster, url, sender) for url in cluster.urls)
    assert first["events"] == second["events"]
    users = [event["text"] for event in first["events"] if event["event"] == "user"]
    assert users == [message for message, _ in steps]
    slots = first["slots"]
    assert slots["country"] == "nl"
    assert slots["sector"] == "detailhandel" and slots["employees"] == 12
    assert slots["usa_canada"] is False and slots["personal_data"] is True
    assert sorted(slots["recommended_insurers"]) == ["aig", "chubb", "hiscox"]
    assert first["active_loop"] == {}


def test_fifty_concurrent_conversations_each_store_and_deliver_their_lead_once(
    cluster: Cluster, receiver: WebhookReceiver
) -> None:
    senders = [f"concurrent-{n:02d}-{secrets.token_hex(3)}" for n in range(CONVERSATIONS)]
    with ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
        references = list(pool.map(lambda pair: quote(cluster, *pair),
                                   [(sender, n % 2) for n, sender in enumerate(senders)]))
    assert len(set(references)) == CONVERSATIONS
    engine = create_engine(cluster.database_url, future=True)
    with engine.connect() as connection:
        stored = connection.execute(
            select(leads.c.conversation_id, func.count())
            .where(leads.c.conversation_id.in_([rest_conversation(s) for s in senders]))
            .group_by(leads.c.conversation_id)
        ).all()
    engine.dispose()
    assert sorted(stored) == sorted((rest_conversation(sender), 1) for sender in senders)
    for reference in references:
        receiver.wait_for(reference, timeout=120)
    # The receiver serves the whole test session: other bots' leads may share a reference.
    for sender, reference in zip(senders, references, strict=True):
        ours = [r for r in receiver.accepted_for(reference)
                if r.payload["lead"]["conversation_id"] == rest_conversation(sender)]
        assert len(ours) == 1, reference


def test_a_replica_killed_mid_conversation_loses_nothing(cluster: Cluster) -> None:
    sender = f"killed-{secrets.token_hex(4)}"
    first, second = cluster.rasa
    assert "België" in say(cluster, first.url, sender, "Ik wil advies voor mijn "
                           "bouwbedrijf met 8 medewerkers en 600.000 euro omzet")
    assert "Verenigde Staten" in say(cluster, first.url, sender, "Nederland")
    assert "persoonsgegevens" in say(cluster, first.url, sender, "nee")
    cluster.kill(first)
    try:
        reply = say(cluster, second.url, sender, "ja")
        assert "online" in reply or "belangrijkst" in reply
        state = tracker(cluster, second.url, sender)
        assert state["slots"]["usa_canada"] is False
        assert state["slots"]["personal_data"] is True
        assert state["active_loop"].get("name") == "advice_form"
    finally:
        cluster.start_rasa(first)
    assert tracker(cluster, first.url, sender)["events"] == tracker(
        cluster, second.url, sender)["events"]


def test_the_console_index_follows_the_event_broker(cluster: Cluster) -> None:
    """`cyberbot console follow` indexes new conversations from RabbitMQ, with no page
    request and no polling."""
    # The same environment as the Rasa replicas: the endpoints file needs all of it.
    env = {**cluster.base_env, "CYBERBOT_ENDPOINTS": str(ROOT / "endpoints.production.yml"),
           "ACTION_ENDPOINT_URL": f"{cluster.actions[0].url}/webhook"}
    log = (cluster.workdir / "follow.log").open("ab")
    follower = subprocess.Popen([sys.executable, "-m", "cyberbot.cli", "console", "follow"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    engine = create_engine(cluster.database_url, future=True)
    try:
        # Rasa's events wait in the durable queue until the follower consumes them, so
        # the order of the follower's start and the message does not matter.
        sender = f"followed-{secrets.token_hex(4)}"
        say(cluster, cluster.urls[0], sender, "Wat kost een cyberverzekering?")

        def indexed() -> Any:
            try:
                with engine.connect() as connection:
                    return connection.execute(
                        select(console_conversations.c.turns,
                               console_conversations.c.faq_answered)
                        .where(console_conversations.c.conversation_id
                               == rest_conversation(sender))
                    ).first()
            except ProgrammingError:  # the follower has not created its tables yet
                return None

        found = wait_until(indexed, timeout=60, what="the follower to index the conversation")
        assert tuple(found) == (1, True)
    finally:
        engine.dispose()
        stop_process(follower)
    assert follower.returncode == 0
    assert "events consumed" in (cluster.workdir / "follow.log").read_text()


# ----- ids and limits on the production profile -----------------------------------------


def web_client(url: str, events: queue.Queue[tuple[str, Any]]) -> socketio.Client:
    """A widget's connection from the site's origin."""
    return socket_client(url, "http://localhost:8080", events)


def test_a_signed_session_id_continues_on_the_other_replica_and_a_forged_one_does_not(
    cluster: Cluster,
) -> None:
    first, second = cluster.urls
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    client = web_client(first, events)
    try:
        client.emit("session_request", {"session_id": None})
        name, token = events.get(timeout=30)
        assert name == "session_confirm"
        client.emit("user_uttered", {"message": "hallo", "session_id": token})
        assert events.get(timeout=60)[0] == "bot_uttered"
    finally:
        close(client)
    conversation = token.split(".")[0]
    other: queue.Queue[tuple[str, Any]] = queue.Queue()
    client = web_client(second, other)
    try:
        client.emit("session_request", {"session_id": token})
        assert other.get(timeout=30) == ("session_confirm", token)
        client.emit("user_uttered", {"message": "Wat kost het?", "session_id": token})
        assert other.get(timeout=60)[0] == "bot_uttered"
        forged = conversation[:-1] + ("0" if conversation[-1] != "0" else "1") + "." + (
            token.split(".")[1])
        client.emit("session_request", {"session_id": forged})
        name, fresh = other.get(timeout=30)
        assert name == "session_confirm" and fresh.split(".")[0] not in (
            conversation, forged.split(".")[0])
    finally:
        close(client)

    def users() -> list[str]:
        reply = requests.get(f"{first}/conversations/{conversation}/tracker",
                             params={"token": cluster.token}, timeout=60)
        return user_texts(reply.json())

    # The bot's answer is emitted before the replica saves the conversation (Rasa saves
    # it when the turn is over; the lock store keeps the next message of the conversation
    # waiting until then), so the first replica sees the second message once it is saved.
    wait_until(lambda: len(users()) >= 2, what="the second replica's turn saved")
    assert users() == ["hallo", "Wat kost het?"]


def test_the_replicas_count_one_conversations_messages_together(cluster: Cluster) -> None:
    sender = f"limited-{secrets.token_hex(4)}"
    limit = Limits().messages_per_minute_per_conversation
    statuses = [post(cluster, cluster.urls[n % 2], sender, "hallo").status_code
                for n in range(limit + 1)]
    assert statuses == [200] * limit + [429]
    users = [e for e in tracker(cluster, cluster.urls[0], sender)["events"]
             if e["event"] == "user"]
    assert len(users) == limit  # the refused message was not stored


def test_the_replicas_count_one_client_address_together(cluster: Cluster) -> None:
    client = "198.51.100.77"
    limit = Limits().messages_per_minute_per_client
    statuses = [post(cluster, cluster.urls[n % 2], f"client-{n}-{secrets.token_hex(2)}",
                     "hallo", client=client).status_code for n in range(limit + 1)]
    assert statuses == [200] * limit + [429]
    # Another address behind the same proxy is not affected.
    assert post(cluster, cluster.urls[0], f"other-{secrets.token_hex(2)}", "hallo",
                client="198.51.100.78").status_code == 200


@pytest.fixture()
def console_on_second_replica(cluster: Cluster) -> Iterator[str]:
    """The operator console, reaching the visitors through the second Rasa replica."""
    env = {**cluster.base_env, "CYBERBOT_RASA_URL": cluster.urls[1],
           "CYBERBOT_ENDPOINTS": str(ROOT / "endpoints.production.yml")}
    with running_site(env, cluster.workdir / "console.log", cluster.urls[0]) as url:
        yield url


def test_an_operator_on_one_replica_reaches_a_widget_on_the_other(
    cluster: Cluster, console_on_second_replica: str
) -> None:
    email = "live-replicas@voorbeeld.nl"
    added = subprocess.run(
        [sys.executable, "-m", "cyberbot.cli", "operators", "add", email, "--role", "operator",
         "--password-stdin"], cwd=ROOT, env=cluster.base_env,
        input="een lang en sterk wachtwoord\n", capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    made = subprocess.run([sys.executable, "-m", "cyberbot.cli", "operators", "token", email],
                          cwd=ROOT, env=cluster.base_env, capture_output=True, text=True,
                          timeout=120)
    operator = OperatorAPI(console_on_second_replica, made.stdout.strip())
    assert operator.availability(True).status_code == 200
    first, second = cluster.urls
    visitor = Visitor(first, "http://localhost:8080")
    try:
        conversation = visitor.conversation_id
        visitor.say("Ik wil een adviseur spreken")
        assert visitor.next_message()["text"] == live_text("connecting", minutes=2)
        assert operator.claim(conversation).status_code == 200
        assert visitor.next_message()["text"] == live_text("claimed", name="Live")

        # The same visitor on the second replica: the bot is silent there too.
        other = Visitor(second, "http://localhost:8080", token=visitor.token)
        try:
            assert other.conversation_id == conversation
            other.client.emit("user_uttered", {"message": "Wat kost een cyberverzekering?",
                                               "session_id": visitor.token})
            wait_until(lambda: "Wat kost een cyberverzekering?"
                       in operator.visitor_texts(conversation), what="the transcript")
        finally:
            other.close()

        latencies = []
        for number in range(LIVE_MESSAGES):
            text = f"Bericht {number + 1} van de adviseur."
            started = time.perf_counter()
            assert operator.send(conversation, text).status_code == 200
            assert visitor.next_message()["text"] == text
            latencies.append((time.perf_counter() - started) * 1000)
        assert operator.release(conversation).status_code == 200
        assert visitor.next_message()["text"] == live_text("released", name="Live")
    finally:
        visitor.close()
        operator.availability(False)
    ordered = sorted(latencies)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "live_latency.md").write_text(
        "# Delivery latency of operator messages\n\n"
        f"{LIVE_MESSAGES} messages, from the console API call (second Rasa replica) to the "
        "widget's socket.io client (first replica, long-polling), production profile "
        "(PostgreSQL, Redis, RabbitMQ):\n\n"
        f"- p50: {ordered[len(ordered) // 2]:.0f} ms\n"
        f"- p95: {ordered[int(len(ordered) * 0.95) - 1]:.0f} ms\n"
        f"- max: {ordered[-1]:.0f} ms\n", encoding="utf-8")
