"""Static checks of the deployment files: docker-compose.yml, .env.production.example,
deploy/Dockerfile, deploy/nginx.conf, the Helm values and the Kubernetes guide.

No container can be started here (images cannot be pulled), so these files are never
run by the tests. What can be checked is checked: they parse, they agree with
endpoints.production.yml and credentials.yml, their commands are valid command lines
for `rasa run`, `rasa run actions` and `cyberbot`, and, where the tools are installed,
`docker compose config` and `nginx -t` accept them.

The Rasa and action servers run as ``python -m cyberbot.servers.rasa_server`` and
``python -m cyberbot.servers.action_server``, the operator console as ``python -m
cyberbot.console.server``, whose own argument parsers check them.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from cyberbot.model_gate.store import approved_model

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.production.example"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
RASA_VALUES = ROOT / "deploy" / "helm" / "rasa-values.yml"
ACTIONS_VALUES = ROOT / "deploy" / "helm" / "actions-values.yml"
KUBERNETES_GUIDE = ROOT / "deploy" / "kubernetes.md"
README = ROOT / "README.md"
ENDPOINTS = ROOT / "endpoints.production.yml"
CREDENTIALS = ROOT / "credentials.yml"

SERVICES = {
    "postgres", "redis", "rabbitmq", "actions-1", "actions-2", "rasa-1", "rasa-2",
    "worker", "console-follow", "web", "console", "nginx",
}
# The public demo site: pages and the widget's script. It reads no database and no
# secret, so it gets neither (the console, which does, is a service of its own).
SITE = "web"
CONSOLE = "console"
HANDOFF_VARIABLES = frozenset({
    "CYBERBOT_WEBHOOK_URL", "CYBERBOT_WEBHOOK_SECRET", "CYBERBOT_SMTP_HOST",
    "CYBERBOT_SMTP_PORT", "CYBERBOT_SMTP_USER", "CYBERBOT_SMTP_PASSWORD",
    "CYBERBOT_SMTP_STARTTLS", "CYBERBOT_SMTP_FROM", "CYBERBOT_SMTP_TO",
})
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")


# --- helpers ----------------------------------------------------------------------------


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def variables_in(value: Any) -> set[str]:
    """The ${NAME}s in the strings of a parsed YAML document (comments do not count)."""
    if isinstance(value, str):
        return set(VARIABLE.findall(value))
    if isinstance(value, dict):
        return set().union(*(variables_in(item) for item in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(variables_in(item) for item in value)) if value else set()
    return set()


@functools.cache
def endpoint_variables() -> frozenset[str]:
    """Every variable endpoints.production.yml needs (Rasa refuses to start without)."""
    return frozenset(variables_in(load_yaml(ENDPOINTS)))


@functools.cache
def compose() -> dict[str, Any]:
    data = load_yaml(COMPOSE)  # PyYAML resolves the anchors and "<<" merge keys
    assert isinstance(data, dict)
    return data


def services() -> dict[str, Any]:
    result = compose()["services"]
    assert isinstance(result, dict)
    return result


def app_services() -> dict[str, Any]:
    """The services built from deploy/Dockerfile (every Python process)."""
    return {
        name: service for name, service in services().items()
        if isinstance(service.get("build"), dict)
        and service["build"].get("dockerfile") == "deploy/Dockerfile"
    }


def backed_services() -> dict[str, Any]:
    """The services on the image that use PostgreSQL, Redis or RabbitMQ: all but the site."""
    return {name: service for name, service in app_services().items() if name != SITE}


def argv(command: Any) -> list[str]:
    """A compose or Dockerfile command as the program's argv: ``sh -c "exec ..."`` unwrapped,
    compose's "$$" (a literal "$") undone."""
    if isinstance(command, str):
        command = shlex.split(command)
    assert isinstance(command, list), command
    words = [str(word).replace("$$", "$") for word in command]
    if words[:2] == ["sh", "-c"]:
        words = shlex.split(words[2])
        if words[0] == "exec":
            words = words[1:]
    return words


RASA_SERVER = ["python", "-m", "cyberbot.servers.rasa_server"]
ACTION_SERVER = ["python", "-m", "cyberbot.servers.action_server"]
# What may never be on a command line (ps shows it to every local user).
SECRETS = ("RASA_AUTH_TOKEN", "CYBERBOT_ACTION_TOKEN", "CYBERBOT_SESSION_SECRET",
           "CYBERBOT_REST_TOKEN", "auth-token", "auth_token")


def parse_rasa_server(words: list[str]) -> argparse.Namespace:
    from cyberbot.servers.rasa_server import parse_arguments

    assert words[:3] == RASA_SERVER, words
    assert not any(secret in word for word in words for secret in SECRETS), words
    return parse_arguments(words[3:])


def parse_action_server(words: list[str]) -> argparse.Namespace:
    from cyberbot.servers.action_server import parse_arguments

    assert words[:3] == ACTION_SERVER, words
    assert not any(secret in word for word in words for secret in SECRETS), words
    return parse_arguments(words[3:])


def is_rasa_server(words: list[str]) -> bool:
    return words[:3] == RASA_SERVER


def is_action_server(words: list[str]) -> bool:
    return words[:3] == ACTION_SERVER


def check_cyberbot_command(words: list[str]) -> None:
    """``python -m cyberbot.cli ...`` and the console server parse with the real parsers;
    the site's flags exist."""
    assert words[:2] == ["python", "-m"], words
    if words[2] == "cyberbot.cli":
        from cyberbot.cli import build_parser

        args = build_parser().parse_args(words[3:])
        assert callable(args.handler)
    elif words[2] == "cyberbot.web.site":
        source = (ROOT / "cyberbot" / "web" / "site.py").read_text(encoding="utf-8")
        for flag in (word for word in words[3:] if word.startswith("--")):
            assert f'add_argument("{flag}"' in source, f"cyberbot.web.site has no {flag}"
        # The site listens on 127.0.0.1 by default: unreachable from another container.
        assert words[words.index("--host") + 1] == "0.0.0.0"
        # In production the public site carries no console: that is its own process.
        assert "--console" not in words, words
    elif words[2] == "cyberbot.console.server":
        from cyberbot.console.server import parse_arguments

        source = (ROOT / "cyberbot" / "console" / "server.py").read_text(encoding="utf-8")
        for flag in (word for word in words[3:] if word.startswith("--")):
            assert f'add_argument("{flag}"' in source, f"cyberbot.console.server has no {flag}"
        assert not any(secret in word for word in words for secret in SECRETS), words
        # The console, too, listens on 127.0.0.1 unless told.
        assert parse_arguments(words[3:]).host == "0.0.0.0"
    else:
        raise AssertionError(f"unknown module in {words}")


def env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


# --- nginx.conf: a small parser (directives, arguments, blocks) --------------------------


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None
    children: list[Directive] = field(default_factory=list)

    def find(self, name: str) -> list[Directive]:
        return [child for child in self.children if child.name == name]

    def walk(self) -> Iterator[Directive]:
        for child in self.children:
            yield child
            yield from child.walk()


TOKEN = re.compile(r"""'[^']*'|"[^"]*"|[{};]|[^\s{};'"]+""")


def parse_nginx(text: str) -> Directive:
    text = "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())
    root = Directive("main", [])
    stack = [root]
    words: list[str] = []
    for token in TOKEN.findall(text):
        if token == ";":
            stack[-1].children.append(Directive(words[0], words[1:]))
            words = []
        elif token == "{":
            block = Directive(words[0], words[1:])
            stack[-1].children.append(block)
            stack.append(block)
            words = []
        elif token == "}":
            assert not words, f"unterminated directive {words}"
            stack.pop()
        else:
            words.append(token.strip("'\"") if token[0] in "'\"" else token)
    assert len(stack) == 1 and not words, "unbalanced braces in nginx.conf"
    return root


@functools.cache
def nginx() -> Directive:
    return parse_nginx(NGINX_CONF.read_text(encoding="utf-8"))


def http() -> Directive:
    (block,) = nginx().find("http")
    return block


def upstreams() -> dict[str, Directive]:
    return {block.args[0]: block for block in http().find("upstream")}


def upstream_servers(name: str) -> set[str]:
    return {server.args[0] for server in upstreams()[name].find("server")}


def location(server_port: str, path: str) -> Directive:
    for server in http().find("server"):
        if any(listen.args[0] == server_port for listen in server.find("listen")):
            for block in server.find("location"):
                if block.args == [path]:
                    return block
    raise AssertionError(f"no location {path} in the server on {server_port}")


def proxied_upstream(block: Directive) -> str:
    (proxy_pass,) = block.find("proxy_pass")
    return proxy_pass.args[0].removeprefix("http://")


def headers(block: Directive) -> dict[str, str]:
    return {d.args[0].lower(): " ".join(d.args[1:]) for d in block.find("proxy_set_header")}


# --- docker-compose.yml -----------------------------------------------------------------


def test_compose_has_every_service() -> None:
    assert set(services()) >= SERVICES


def test_two_rasa_replicas_and_two_action_servers() -> None:
    commands = {name: argv(service["command"]) for name, service in app_services().items()}
    assert sorted(n for n, c in commands.items() if is_rasa_server(c)) == ["rasa-1", "rasa-2"]
    assert sorted(n for n, c in commands.items() if is_action_server(c)) == [
        "actions-1", "actions-2",
    ]


def test_backing_services_images_and_health() -> None:
    assert services()["postgres"]["image"] == "postgres:15"
    assert services()["redis"]["image"] == "redis:7"
    assert services()["rabbitmq"]["image"] == "rabbitmq:3-management"
    for name in ("postgres", "redis", "rabbitmq"):
        assert services()[name]["healthcheck"]["test"], name
    # Nothing but nginx is reachable from outside.
    assert [name for name, service in services().items() if service.get("ports")] == ["nginx"]
    for name, service in backed_services().items():
        depends = service["depends_on"]
        for backing in ("postgres", "redis", "rabbitmq"):
            assert depends[backing]["condition"] == "service_healthy", (name, backing)


def test_every_python_service_runs_the_one_image() -> None:
    expected = SERVICES - {"postgres", "redis", "rabbitmq", "nginx"}
    assert set(app_services()) == expected
    images = {service["image"] for service in app_services().values()}
    assert len(images) == 1


def test_every_service_on_the_image_but_the_site_gets_every_endpoints_variable() -> None:
    needed = endpoint_variables()
    assert needed >= {"ACTION_ENDPOINT_URL", "POSTGRES_PASSWORD", "REDIS_KEY_PREFIX",
                      "RABBITMQ_QUEUE"}
    assert set(backed_services()) == set(app_services()) - {SITE}
    for name, service in backed_services().items():
        environment = service["environment"]
        missing = needed - set(environment)
        assert not missing, f"{name} lacks {sorted(missing)}"
        assert all(str(environment[variable]).strip() for variable in needed), name
        assert environment["DATABASE_URL"].startswith("postgresql://"), name
        assert environment["CYBERBOT_ENDPOINTS"] == "endpoints.production.yml", name
        assert environment["RASA_TELEMETRY_ENABLED"] == "false", name


def test_replicas_have_identical_settings() -> None:
    assert services()["rasa-1"]["environment"] == services()["rasa-2"]["environment"]
    assert services()["rasa-1"]["command"] == services()["rasa-2"]["command"]
    assert services()["actions-1"]["environment"] == services()["actions-2"]["environment"]
    rasa = services()["rasa-1"]["environment"]
    for name in ("RASA_AUTH_TOKEN", "CYBERBOT_SESSION_SECRET", "CYBERBOT_ACTION_TOKEN",
                 "CYBERBOT_ALLOWED_ORIGINS"):
        assert rasa[name], name
    assert services()["actions-1"]["environment"]["CYBERBOT_ACTION_TOKEN"]


def test_only_nginx_may_name_a_client_address() -> None:
    (address,) = [net["ipv4_address"] for net in services()["nginx"]["networks"].values()]
    # Rasa's abuse limits per client address and the console's login throttle.
    for name in ("rasa-1", "rasa-2", CONSOLE):
        assert services()[name]["environment"]["CYBERBOT_TRUSTED_PROXIES"] == f"{address}/32"


def test_the_site_gets_no_secret_and_no_database() -> None:
    """The public site needs the widget's server only: no Rasa API token, no database
    password, no action token, no models volume, no backing service."""
    site = services()[SITE]
    assert set(site["environment"]) == {"CYBERBOT_WIDGET_SERVER"}
    assert "RASA_AUTH_TOKEN" not in site["environment"]
    assert not set(site["environment"]) & set(endpoint_variables())
    assert not site.get("volumes")
    assert not site.get("depends_on")
    assert set(services()["nginx"]["depends_on"]) >= {SITE, CONSOLE}


def test_secrets_only_where_they_are_needed() -> None:
    # Rasa's API token: the replicas, and the console for live chat. Nothing else.
    holders = {name for name, service in app_services().items()
               if "RASA_AUTH_TOKEN" in service.get("environment", {})}
    assert holders == {"rasa-1", "rasa-2", CONSOLE}
    # The session secret signs the widget's session ids: the Rasa replicas only.
    holders = {name for name, service in app_services().items()
               if "CYBERBOT_SESSION_SECRET" in service.get("environment", {})}
    assert holders == {"rasa-1", "rasa-2"}
    # Where leads go, and its secrets: the outbox worker only (the action servers store
    # leads, the worker dispatches and delivers them).
    for variable in HANDOFF_VARIABLES:
        holders = {name for name, service in app_services().items()
                   if variable in service.get("environment", {})}
        assert holders == {"worker"}, variable
    helm = {entry["name"] for entry in actions_values()["extraEnv"]}
    assert not helm & HANDOFF_VARIABLES
    assert "CYBERBOT_PRIVACY_URL" in helm  # the consent question links to it


def test_the_console_is_its_own_service_with_what_live_chat_needs() -> None:
    console = services()[CONSOLE]
    words = argv(console["command"])
    assert words[:3] == ["python", "-m", "cyberbot.console.server"]
    check_cyberbot_command(words)
    from cyberbot.console.server import parse_arguments

    port = parse_arguments(words[3:]).port
    assert port == 8081
    environment = console["environment"]
    assert environment["RASA_AUTH_TOKEN"] == (
        "${RASA_AUTH_TOKEN:?set RASA_AUTH_TOKEN in the env file}")
    # Any replica's HTTP API on the compose network (never through nginx: not routed).
    assert environment["CYBERBOT_RASA_URL"] in {"http://rasa-1:5005", "http://rasa-2:5005"}
    assert environment["CYBERBOT_CONSOLE_SECURE_COOKIE"] == (
        "${CYBERBOT_CONSOLE_SECURE_COOKIE:-1}")
    health = " ".join(console["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/operator/login" in health
    assert proxied_upstream(location("8080", "/operator")) == "console"
    assert upstream_servers("console") == {f"{CONSOLE}:{port}"}


def test_action_calls_go_through_the_nginx_upstream_of_both_action_servers() -> None:
    url = services()["rasa-1"]["environment"]["ACTION_ENDPOINT_URL"]
    assert url == "http://nginx:5055/webhook"
    assert proxied_upstream(location("5055", "/")) == "actions"
    assert upstream_servers("actions") == {"actions-1:5055", "actions-2:5055"}
    assert "5055" not in str(services()["nginx"].get("ports"))


def test_commands_are_valid_command_lines() -> None:
    for name, service in app_services().items():
        words = argv(service["command"])
        if is_action_server(words):
            args = parse_action_server(words)
            assert args.actions == "actions" and args.port == 5055, name
            # On the compose network (not published): 127.0.0.1 would be out of reach.
            assert args.host == "0.0.0.0", name
        elif is_rasa_server(words):
            args = parse_rasa_server(words)
            assert args.endpoints == "endpoints.production.yml", name
            assert args.credentials == "credentials.yml", name
            assert args.port == 5005 and args.host == "0.0.0.0", name
        else:
            check_cyberbot_command(words)


def test_the_console_follower_and_the_worker_run() -> None:
    assert argv(services()["console-follow"]["command"])[3:] == ["console", "follow"]
    assert argv(services()["worker"]["command"])[3:] == ["outbox", "work"]


def test_the_widget_connects_to_the_public_url() -> None:
    environment = services()["web"]["environment"]
    assert environment["CYBERBOT_WIDGET_SERVER"] == "${PUBLIC_URL:-http://localhost:8080}"
    assert "nginx.conf:/etc/nginx/nginx.conf" in " ".join(services()["nginx"]["volumes"])


def test_compose_variables_are_in_the_env_example_and_it_holds_no_secrets() -> None:
    text = COMPOSE.read_text(encoding="utf-8").replace("$$", "")
    used = set(VARIABLE.findall(text))
    example = env_example()
    assert used <= set(example), f"not in {ENV_EXAMPLE.name}: {sorted(used - set(example))}"
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    assert required >= {"POSTGRES_PASSWORD", "RABBITMQ_PASSWORD", "RASA_AUTH_TOKEN"}
    for name in required:
        assert example[name], f"{name} needs a placeholder in {ENV_EXAMPLE.name}"
    for name, value in example.items():
        if re.search(r"PASSWORD|SECRET|TOKEN", name) and value:
            assert value.startswith("change-me"), f"{name} looks like a real secret"


def compose_command() -> list[str] | None:
    """``docker compose`` (the plugin), else the stand-alone ``docker-compose``."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    command = compose_command()
    if command is None:
        pytest.skip("neither the docker compose plugin nor docker-compose is installed; "
                    "the compose file is checked only by the other tests here")
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root")}
    result = subprocess.run(
        [*command, "--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE), "config", "--quiet"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    # Without the env file the required secrets are missing, and compose says so.
    empty = tmp_path / "empty.env"
    empty.write_text("")
    missing = subprocess.run(
        [*command, "--env-file", str(empty), "-f", str(COMPOSE), "config", "--quiet"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False,
    )
    assert missing.returncode != 0
    assert "env file" in missing.stderr


# --- deploy/nginx.conf ------------------------------------------------------------------


def test_socketio_is_sticky_with_the_websocket_upgrade() -> None:
    block = location("8080", "/socket.io/")
    upstream = proxied_upstream(block)
    assert upstream_servers(upstream) == {"rasa-1:5005", "rasa-2:5005"}
    balancing = {d.name for d in upstreams()[upstream].children}
    assert balancing & {"ip_hash", "hash", "sticky"}, "the socket.io upstream is not sticky"
    assert block.find("proxy_http_version")[0].args == ["1.1"]
    sent = headers(block)
    assert sent["upgrade"] == "$http_upgrade"
    assert sent["connection"] in {"$connection_upgrade", "upgrade"}
    if sent["connection"] == "$connection_upgrade":
        (mapping,) = [m for m in http().find("map") if m.args == ["$http_upgrade",
                                                                   "$connection_upgrade"]]
        assert [d.args for d in mapping.children if d.name == "default"] == [["upgrade"]]
    timeout = block.find("proxy_read_timeout")[0].args[0]
    assert int(timeout.rstrip("s")) >= 60


def test_whatsapp_reaches_any_replica_the_console_its_service_and_the_site_the_rest() -> None:
    webhooks = location("8080", "/webhooks/whatsapp/")
    assert upstream_servers(proxied_upstream(webhooks)) == {"rasa-1:5005", "rasa-2:5005"}
    site = location("8080", "/")
    assert upstream_servers(proxied_upstream(site)) == {"web:8080"}
    console = location("8080", "/operator")
    assert upstream_servers(proxied_upstream(console)) == {"console:8081"}
    for block in (site, console):
        # The console's CSRF check compares Origin with Host, port included.
        assert headers(block)["host"] == "$http_host"
        assert headers(block)["x-forwarded-for"] == "$proxy_add_x_forwarded_for"
        assert headers(block)["x-forwarded-proto"] == "$scheme"
        assert headers(block)["connection"] == ""  # keepalive to the upstream
    # CSV exports of many leads take a while.
    (timeout,) = console.find("proxy_read_timeout")
    assert int(timeout.args[0].rstrip("s")) >= 120
    # Rasa's HTTP API and the REST channel (trusted servers only) are not routed outside.
    paths = {tuple(d.args) for d in http().walk() if d.name == "location"}
    assert not {p for p in paths if p and p[0].startswith(
        ("/conversations", "/model", "/webhooks/rest"))}
    assert ("/webhooks/",) not in paths


def test_a_message_at_its_limit_reaches_rasa_and_bigger_bodies_do_not() -> None:
    from cyberbot.channels.socketio import max_packet_bytes
    from cyberbot.security.settings import load_settings

    (server,) = [s for s in http().find("server")
                 if any(listen.args[0] == "8080" for listen in s.find("listen"))]
    (size,) = [d.args[0] for d in server.find("client_max_body_size")]
    units = {"k": 1024, "m": 1024 * 1024}
    number = int(size[:-1]) * units[size[-1].lower()] if size[-1].isalpha() else int(size)
    settings = load_settings({"CYBERBOT_SECURITY_CONFIG": str(ROOT / "security.yml")})
    assert max_packet_bytes(settings) <= number <= 128 * 1024


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if binary is None:
        pytest.skip("nginx is not installed; nginx.conf is checked only by the parser here")
    # The compose service names do not resolve here: test with loopback addresses.
    text = re.sub(r"server (rasa-[12]|actions-[12]|web|console):", "server 127.0.0.1:",
                  NGINX_CONF.read_text(encoding="utf-8"))
    config = tmp_path / "nginx.conf"
    config.write_text(text, encoding="utf-8")
    result = subprocess.run([binary, "-t", "-c", str(config), "-p", f"{tmp_path}/"],
                            capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0 and "Permission denied" in result.stderr:
        pytest.skip(f"nginx -t needs more rights here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr


# --- deploy/Dockerfile ------------------------------------------------------------------


@functools.cache
def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        current += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            keyword, _, rest = current.strip().partition(" ")
            instructions.append((keyword.upper(), " ".join(rest.split())))
            current = ""
    return instructions


def runs() -> list[str]:
    return [args for keyword, args in dockerfile() if keyword == "RUN"]


def copied() -> set[str]:
    sources: set[str] = set()
    for keyword, args in dockerfile():
        if keyword == "COPY":
            words = [w for w in args.split() if not w.startswith("--")]
            sources.update(word.rstrip("/") for word in words[:-1])
    return sources


def test_dockerfile_base_user_and_telemetry() -> None:
    keywords = [keyword for keyword, _ in dockerfile()]
    assert keywords[0] == "FROM"
    assert dockerfile()[0][1].startswith("python:3.10-slim")
    users = [args for keyword, args in dockerfile() if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    environment = " ".join(args for keyword, args in dockerfile() if keyword == "ENV")
    assert "RASA_TELEMETRY_ENABLED=false" in environment


def test_dockerfile_installs_like_make_install_without_test_dependencies() -> None:
    steps = " ".join(runs())
    assert "pip install -r requirements.lock" in steps
    assert "pip install --no-deps --no-build-isolation -e ." in steps
    assert "requirements.nodeps.lock" not in " ".join(args for _, args in dockerfile())
    assert "requirements-dev.lock" not in " ".join(args for _, args in dockerfile())
    runtime = (ROOT / "requirements.lock").read_text(encoding="utf-8").lower()
    for tool in ("pytest", "playwright", "ruff", "mypy", "aiosmtpd"):
        assert f"\n{tool}==" not in runtime, f"{tool} would be in the production image"
    # The spaCy pipeline before training, where config.yml loads it from.
    spacy_step = next(i for i, step in enumerate(runs()) if "cyberbot.spacy_nl" in step)
    train_step = next(i for i, step in enumerate(runs()) if "rasa train" in step)
    assert spacy_step < train_step
    pipeline = load_yaml(ROOT / "config.yml")["pipeline"]
    (spacy,) = [component for component in pipeline if component["name"] == "SpacyNLP"]
    assert f"python -m cyberbot.spacy_nl {spacy['model']}" in runs()[spacy_step]
    assert "--fixed-model-name cyberbot" in runs()[train_step]


def test_dockerfile_copies_everything_the_processes_read() -> None:
    sources = copied()
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such path"
    assert not sources & {".", ".venv", "var", "models", "results", ".env"}
    needed = {
        "requirements.lock", "pyproject.toml", "README.md", "cyberbot", "actions", "data",
        "domain.yml", "config.yml", "credentials.yml", "endpoints.production.yml",
        "handoff.yml",
    }
    # And whatever the code opens next to itself: Path(__file__).parents[n] / "name",
    # directly or through a name such as ROOT = Path(__file__).resolve().parents[n].
    for module in [*ROOT.glob("cyberbot/**/*.py"), *ROOT.glob("actions/**/*.py")]:
        source = module.read_text(encoding="utf-8")
        found = re.findall(r"parents\[(\d+)\]\s*/\s*\"([^\"]+)\"", source)
        for variable, level in re.findall(
            r"^(\w+)\s*=\s*Path\(__file__\)\.resolve\(\)\.parents\[(\d+)\]\s*$", source, re.M
        ):
            found += [(level, name) for name in re.findall(
                rf"\b{variable}\s*/\s*\"([^\"]+)\"", source)]
        for level, name in found:
            if module.parents[int(level)] == ROOT:
                needed.add(name)
    assert {"content", "web", "widget"} <= needed
    assert needed <= sources, f"not copied into the image: {sorted(needed - sources)}"


def test_dockerfile_default_command_is_the_production_rasa_server() -> None:
    (command,) = [args for keyword, args in dockerfile() if keyword == "CMD"]
    args = parse_rasa_server(argv(yaml.safe_load(command)))
    assert args.endpoints == "endpoints.production.yml" and args.host == "0.0.0.0"
    assert args.model == APPROVED


# --- The approved model: one models folder shared by the replicas ------------------------

APPROVED = str(approved_model())


def test_every_rasa_replica_loads_the_approved_model_from_the_shared_folder() -> None:
    replicas = {name: service for name, service in app_services().items()
                if is_rasa_server(argv(service["command"]))}
    assert set(replicas) == {"rasa-1", "rasa-2"}
    for name, service in replicas.items():
        assert parse_rasa_server(argv(service["command"])).model == APPROVED, name
        assert "models:/app/models" in service["volumes"], name
    # The console names the models; the gate's commands run in the console container.
    assert "models:/app/models" in services()[CONSOLE]["volumes"]
    assert not services()[SITE].get("volumes")
    assert "models" in compose()["volumes"]


def test_the_image_holds_an_approved_model_and_what_the_gate_compares_on() -> None:
    train_step = next(step for step in runs() if "rasa train" in step)
    assert train_step.index("--fixed-model-name cyberbot") < train_step.index(
        "python -m cyberbot.model_gate select")
    assert "chown -R cyberbot:cyberbot var models" in train_step
    assert {"tests/nlu_heldout.yml", "tests/test_stories.yml"} <= copied()


# --- Helm values and the Kubernetes guide -----------------------------------------------

# The `rasa` chart's defaults for the sections we use (charts/rasa/values.yaml). Helm
# merges our values over them; a key set to null is removed.
CHART_DEFAULTS: dict[str, dict[str, Any]] = {
    "trackerStore": {
        "enabled": True, "type": "sql", "dialect": "postgresql", "url": "${DB_HOST}",
        "port": "${DB_PORT}", "username": "${DB_USER}", "password": "${DB_PASSWORD}",
        "db": "${DB_DATABASE}", "login_db": "${DB_DATABASE}",
    },
    "lockStore": {
        "enabled": False, "type": "redis", "url": "${REDIS_HOST}", "port": "${REDIS_PORT}",
        "password": "${REDIS_PASSWORD}", "db": "1",
    },
    "eventBroker": {
        "enabled": False, "type": "pika", "url": "${RABBITMQ_HOST}",
        "username": "${RABBITMQ_USERNAME}", "password": "${RABBITMQ_PASSWORD}",
        "port": "${RABBITMQ_PORT}", "queues": ["rasa_production_events"],
    },
}
RENDERED_AS = {"trackerStore": "tracker_store", "lockStore": "lock_store",
               "eventBroker": "event_broker"}


def rasa_values() -> dict[str, Any]:
    values = load_yaml(RASA_VALUES)
    assert isinstance(values, dict)
    return values


def actions_values() -> dict[str, Any]:
    values = load_yaml(ACTIONS_VALUES)
    assert isinstance(values, dict)
    return values


def rendered_endpoints(values: dict[str, Any]) -> dict[str, Any]:
    """The endpoints.yml the chart's config-map template writes from these values."""
    settings = values["applicationSettings"]["endpoints"]
    endpoints: dict[str, Any] = {}
    for key, name in RENDERED_AS.items():
        merged = {**CHART_DEFAULTS[key], **settings.get(key, {})}
        if not merged["enabled"]:
            continue
        section = {k: v for k, v in merged.items() if k != "enabled" and v is not None}
        # The template writes "key: value" as Go text for anything that is not a map:
        # the text must read back as the same value.
        for k, v in section.items():
            if not isinstance(v, dict):
                text = f"{k}: {go_text(v)}"
                assert yaml.safe_load(text) == {k: v}, f"{key} renders as {text!r}"
        endpoints[name] = section
    additional = settings.get("additionalEndpoints") or {}
    assert not set(additional) & set(endpoints), "a section would be written twice"
    endpoints.update(additional)
    return endpoints


def go_text(value: Any) -> str:
    """A value as Go's text/template prints it ({{ $value }})."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(go_text(item) for item in value) + "]"
    return "<no value>" if value is None else str(value)


def extra_env_names(values: dict[str, Any]) -> set[str]:
    return {entry["name"] for entry in values["extraEnv"]}


def references(values: dict[str, Any], kind: str) -> set[str]:
    """The keys that extraEnv takes from the ConfigMap or Secret and that must exist."""
    keys = set()
    for entry in values["extraEnv"]:
        reference = (entry.get("valueFrom") or {}).get(kind)
        if reference and not reference.get("optional"):
            keys.add(reference["key"])
    return keys


@functools.cache
def guide_documents() -> tuple[Any, ...]:
    text = KUBERNETES_GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    assert blocks
    return tuple(doc for block in blocks for doc in yaml.safe_load_all(block) if doc)


def guide_object(kind: str, name: str) -> dict[str, Any]:
    for document in guide_documents():
        if document.get("kind") == kind and document["metadata"]["name"] == name:
            assert isinstance(document, dict)
            return document
    raise AssertionError(f"{kind} {name} is not in {KUBERNETES_GUIDE.name}")


def test_helm_values_render_the_production_endpoints() -> None:
    assert rendered_endpoints(rasa_values()) == load_yaml(ENDPOINTS)


def test_helm_values_carry_the_credentials_as_they_are() -> None:
    credentials = rasa_values()["applicationSettings"]["credentials"]
    assert credentials["enabled"] is True
    assert credentials["additionalChannelCredentials"] == load_yaml(CREDENTIALS)


def test_helm_values_name_the_same_variables() -> None:
    values = rasa_values()
    assert variables_in(values["applicationSettings"]["endpoints"]) == endpoint_variables()
    needed = endpoint_variables() | {"RASA_AUTH_TOKEN", "DATABASE_URL", "CYBERBOT_SESSION_SECRET",
                                     "CYBERBOT_ALLOWED_ORIGINS", "CYBERBOT_TRUSTED_PROXIES"}
    assert extra_env_names(values) >= needed
    assert {"DATABASE_URL", "RASA_TELEMETRY_ENABLED", "CYBERBOT_ACTION_TOKEN"} <= extra_env_names(
        actions_values())


def test_helm_values_two_replicas_of_the_image_with_its_model() -> None:
    for values in (rasa_values(), actions_values()):
        assert values["replicaCount"] == 2
        # registry + image.name: the action-server chart's schema allows no repository.
        assert values["registry"] and values["image"]["name"] and values["image"]["tag"]
        assert "repository" not in values["image"]
        assert values["applicationSettings"]["telemetry"]["enabled"] is False
    settings = rasa_values()["applicationSettings"]
    assert settings["initialModel"] == "" and settings["trainInitialModel"] is False
    for name in ("postgresql", "redis", "rabbitmq", "rasa-action-server"):
        assert rasa_values()[name]["install"] is False, name
    assert rasa_values()["nginx"]["enabled"] is False


def test_helm_commands_are_valid_command_lines() -> None:
    values = rasa_values()
    args = parse_rasa_server([*values["command"], *values["args"]])
    assert args.model == "models/approved/model.tar.gz" and args.endpoints == "endpoints.yml"
    assert args.credentials == "credentials.yml" and args.host == "0.0.0.0"
    actions = actions_values()
    args = parse_action_server([*actions["command"], *actions["args"]])
    assert args.port == actions["applicationSettings"]["port"] and args.host == "0.0.0.0"


def test_socketio_ingress_is_sticky_by_cookie() -> None:
    ingress = rasa_values()["ingress"]
    assert ingress["enabled"] is True and ingress["path"] == "/socket.io/"
    annotations = ingress["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 60


def test_guide_manifests_parse_and_supply_every_variable() -> None:
    config = guide_object("ConfigMap", "cyberbot-config")["data"]
    secret = guide_object("Secret", "cyberbot-secrets")["stringData"]
    for values in (rasa_values(), actions_values()):
        assert references(values, "configMapKeyRef") <= set(config)
        assert references(values, "secretKeyRef") <= set(secret)
    assert set(config) | set(secret) >= endpoint_variables() | {"DATABASE_URL"}
    assert config["CYBERBOT_ENDPOINTS"] == "endpoints.production.yml"
    # The action servers' Service, named after the release in the guide.
    release = "cyberbot-rasa-action-server"
    assert config["ACTION_ENDPOINT_URL"] == f"http://{release}/webhook"
    assert f"helm install {release} rasa/rasa-action-server" in KUBERNETES_GUIDE.read_text(
        encoding="utf-8")
    assert actions_values()["service"]["port"] == 80


def test_guide_deployments_run_valid_commands() -> None:
    names = {"cyberbot-web", "cyberbot-console", "cyberbot-worker", "cyberbot-console-follow"}
    for name in names:
        deployment = guide_object("Deployment", name)
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        check_cyberbot_command(container["command"])
        sources = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
        # The site reads no secret: the ConfigMap only.
        expected = {"cyberbot-config"} if name == "cyberbot-web" else {
            "cyberbot-config", "cyberbot-secrets"}
        assert sources == expected, name


def test_guide_routes_the_console_to_its_own_deployment() -> None:
    from cyberbot.console.server import parse_arguments

    deployment = guide_object("Deployment", "cyberbot-console")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    port = parse_arguments(container["command"][3:]).port
    assert [p["containerPort"] for p in container["ports"]] == [port]
    assert container["readinessProbe"]["httpGet"]["path"] == "/operator/login"
    environment = {entry["name"]: entry["value"] for entry in container["env"]}
    assert environment["CYBERBOT_RASA_URL"] == "http://cyberbot-rasa:5005"
    (service_port,) = guide_object("Service", "cyberbot-console")["spec"]["ports"]
    routes = {
        path["path"]: path["backend"]["service"]
        for document in guide_documents() if document.get("kind") == "Ingress"
        for rule in document["spec"]["rules"] for path in rule["http"]["paths"]
    }
    assert routes["/operator"] == {"name": "cyberbot-console",
                                   "port": {"number": service_port["port"]}}
    assert routes["/"]["name"] == "cyberbot-web"
    text = KUBERNETES_GUIDE.read_text(encoding="utf-8")
    assert "exec -it deploy/cyberbot-console -- cyberbot operators add" in text
    assert "deploy/cyberbot-web --" not in text


def readme_section(title: str) -> str:
    """The README's section under the heading ``## <title>``."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_readme_section_says_what_is_not_run_here() -> None:
    text = readme_section("Deploying elsewhere")
    for name in ("deploy/Dockerfile", "docker-compose.yml", "deploy/nginx.conf",
                 "deploy/kubernetes.md", ".env.production.example"):
        assert name in text
    assert "**yes**" in text and "**no**" in text


def test_operator_and_model_gate_commands_run_in_the_console_container() -> None:
    for text in (README.read_text(encoding="utf-8"), COMPOSE.read_text(encoding="utf-8")):
        assert "exec console cyberbot operators add" in text
        assert "exec web " not in text
    assert "exec console python -m cyberbot.model_gate select" in readme_section("The model gate")
