"""The WhatsApp channel settings the tests run the bot with (secrets for tests only)."""

from __future__ import annotations

from tests.whatsapp.fake_graph import PHONE_NUMBER_ID, TOKEN, VERSION

VERIFY_TOKEN = "verify-token-for-tests"
APP_SECRET = "app-secret-for-tests-0123456789"


def whatsapp_environment(graph_url: str) -> dict[str, str]:
    return {
        "CYBERBOT_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "CYBERBOT_WHATSAPP_APP_SECRET": APP_SECRET,
        "CYBERBOT_WHATSAPP_ACCESS_TOKEN": TOKEN,
        "CYBERBOT_WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "CYBERBOT_WHATSAPP_GRAPH_VERSION": VERSION,
        "CYBERBOT_WHATSAPP_BASE_URL": graph_url,
    }
