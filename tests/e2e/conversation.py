"""One visitor talking to the bot over REST, with a transcript for review."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e.servers import ROOT, BotServers, rest_conversation

TRANSCRIPTS = ROOT / "results" / "transcripts"


class Conversation:
    """Talks to the bot as one visitor and keeps a transcript."""

    def __init__(self, bot: BotServers, title: str) -> None:
        self.bot = bot
        self.sender = f"e2e-{uuid.uuid4().hex[:12]}"
        self.title = title
        self.lines: list[str] = []

    def say(self, message: str) -> str:
        replies = self.bot.say(self.sender, message)
        self.lines.append(f"**Bezoeker:** {message}")
        for reply in replies:
            text = reply.get("text", "")
            buttons = " ".join(f"[{b['title']}]" for b in reply.get("buttons", []))
            self.lines.append(f"**Bot:** {text}" + (f"  \n  knoppen: {buttons}" if buttons else ""))
        return "\n".join(str(reply.get("text", "")) for reply in replies)

    @property
    def conversation_id(self) -> str:
        return rest_conversation(self.sender)

    def slots(self) -> dict[str, Any]:
        slots: dict[str, Any] = self.bot.tracker(self.conversation_id)["slots"]
        return slots

    def save(self, name: str) -> None:
        TRANSCRIPTS.mkdir(parents=True, exist_ok=True)
        text = f"# {self.title}\n\n" + "\n\n".join(self.lines) + "\n"
        (TRANSCRIPTS / f"{name}.md").write_text(text, encoding="utf-8")
