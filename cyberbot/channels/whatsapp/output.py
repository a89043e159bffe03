"""The bot's messages to a WhatsApp user, within the rules of the Cloud API.

Free-form messages go out only within 24 hours of the user's last message. Outside that
window a message that must reach the user (a call-back confirmation, say) goes out as
the approved template configured for it; any other message is not attempted and is
logged. Sending failures are logged, not raised: the conversation itself goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from rasa.core.channels.channel import OutputChannel
from sqlalchemy.engine import Engine

from cyberbot.channels.whatsapp.config import WhatsAppConfig
from cyberbot.channels.whatsapp.graph_client import GraphClient, GraphError
from cyberbot.channels.whatsapp.outbound import (
    image_message,
    interactive_message,
    template_message,
    text_messages,
)
from cyberbot.channels.whatsapp.store import within_window

logger = logging.getLogger(__name__)

# Keys a message carries (from ``dispatcher.utter_message(..., whatsapp_template=...)``)
# to say which configured template stands in for it outside the 24-hour window.
TEMPLATE_KEY = "whatsapp_template"
TEMPLATE_VALUES_KEY = "template_values"


class WhatsAppOutput(OutputChannel):
    def __init__(self, client: GraphClient, config: WhatsAppConfig, engine: Engine) -> None:
        self.client = client
        self.config = config
        self.engine = engine

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._deliver(recipient_id, text_messages(recipient_id, text), kwargs)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._deliver(recipient_id, interactive_message(recipient_id, text, buttons), kwargs)

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._deliver(recipient_id, [image_message(recipient_id, image)], kwargs)

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        await self._deliver(recipient_id, text_messages(recipient_id, str(attachment)), kwargs)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """A custom payload {"whatsapp": {<Cloud API message fields>}} is sent as it is."""
        body = json_message.get("whatsapp") if isinstance(json_message, dict) else None
        if not isinstance(body, dict):
            logger.info("WhatsApp: a custom message without a 'whatsapp' part is not sent")
            return
        full = {"messaging_product": "whatsapp", "recipient_type": "individual", **body,
                "to": recipient_id}
        await self._deliver(recipient_id, [full], kwargs)

    async def send_body(self, recipient_id: str, body: dict[str, Any]) -> None:
        """One prepared Cloud API message body (the channel's own replies)."""
        await self._deliver(recipient_id, [body], {})

    async def _deliver(
        self, recipient_id: str, bodies: Sequence[dict[str, Any]], message: Mapping[str, Any]
    ) -> None:
        if not await asyncio.to_thread(within_window, self.engine, recipient_id):
            await self._outside_window(recipient_id, message)
            return
        for body in bodies:
            try:
                await self.client.send(body)
            except GraphError as error:
                if error.outside_window:
                    await self._outside_window(recipient_id, message)
                else:
                    logger.error("WhatsApp message not delivered: %s", error)
                return

    async def _outside_window(self, recipient_id: str, message: Mapping[str, Any]) -> None:
        key = message.get(TEMPLATE_KEY)
        template = self.config.templates.get(key) if isinstance(key, str) else None
        if template is None:
            logger.warning(
                "WhatsApp: message %s not sent: the user's last message is more than 24 "
                "hours ago and no template is configured for it",
                key or message.get("utter_action") or "(free-form)",
            )
            return
        values = message.get(TEMPLATE_VALUES_KEY)
        values = values if isinstance(values, Mapping) else {}
        parameters = [str(values.get(name, "")) for name in template.parameters]
        try:
            await self.client.send(
                template_message(recipient_id, template.name, template.language, parameters)
            )
        except GraphError as error:
            logger.error("WhatsApp template %s not delivered: %s", template.name, error)
        else:
            logger.info("WhatsApp: outside the 24-hour window, template %s sent instead",
                        template.name)
