"""Live chat: an operator takes a conversation over from the bot and hands it back."""
