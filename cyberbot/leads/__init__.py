"""Leads and call-backs: contact details, storage, hand-off to advisors."""
