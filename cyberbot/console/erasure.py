"""Erasure from the console: the same ``forget`` as the command line, recorded in the
audit log under the operator's name with the erasure's pseudonym, never the erased id."""

from __future__ import annotations

from cyberbot.console.audit import record
from cyberbot.console.context import ConsoleContext
from cyberbot.privacy.forget import ForgetReport, forget


def forget_conversation(
    context: ConsoleContext, conversation_id: str, *, actor: str
) -> ForgetReport:
    report = forget(conversation_id, context.engine, context.tracker())
    record(
        context.engine,
        actor,
        "forget",
        target=report.pseudonym,
        detail=forget_summary(report),
    )
    return report


def forget_summary(report: ForgetReport) -> str:
    """What an erasure deleted, for the audit log (references and counts only)."""
    return (
        f"leads {', '.join(report.lead_references) or '-'}; "
        f"{report.conversations_deleted} gesprekken, {report.events_deleted} gebeurtenissen, "
        f"{report.console_rows_deleted} consolerijen"
    )
