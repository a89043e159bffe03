"""The tables of the abuse limits, in the database of DATABASE_URL."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Float, Index, Integer, MetaData, String, Table

security_metadata = MetaData()

# One row per admitted hit of a limited key, kept for the length of its window (used
# when Redis is not configured). A refused hit leaves no row.
rate_hits = Table(
    "rate_hits",
    security_metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    # A hash of the rule and the conversation id or client pseudonym, never those values.
    Column("key_hash", String(64), nullable=False),
    Column("at", Float, nullable=False),  # unix time in seconds
    Index("ix_rate_hits_key_at", "key_hash", "at"),
    Index("ix_rate_hits_at", "at"),
)

# How often a limit refused something, per day, for the operators; no personal data.
limit_events = Table(
    "limit_events",
    security_metadata,
    Column("day", Date, primary_key=True),
    Column("rule", String(64), primary_key=True),
    Column("channel", String(32), primary_key=True),
    Column("count", Integer, nullable=False),
)
