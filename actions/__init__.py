"""Custom actions of the assistant (rasa-sdk action server), grouped by concern."""
