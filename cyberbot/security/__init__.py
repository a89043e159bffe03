"""What protects the assistant from its clients: who may connect, how often, how much."""
