"""Support code for the cyber-insurance assistant: NLU components, channels and tooling."""
