"""The ``cyberbot`` command: export leads, run and inspect the outbox, erase personal data,
manage operator console accounts, export the operators' corrections for training and
migrate the database.

Exit codes: 0 success, 1 error, 2 wrong usage. The leads database is DATABASE_URL (default
``var/leads.db``); the hand-off destinations come from ``handoff.yml`` and the environment.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml
from alembic.util import CommandError
from rasa.shared.exceptions import RasaException
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from cyberbot.console import cli_console, cli_operators, cli_review
from cyberbot.console.audit import record
from cyberbot.console.erasure import forget_summary
from cyberbot.console.models import get_console_engine
from cyberbot.db import cli_db
from cyberbot.db.engine import get_engine
from cyberbot.db.rasa_tables import open_tracker_engine, tracker_database_url
from cyberbot.leads.export import leads_csv, leads_json
from cyberbot.leads.handoff_config import HandoffConfig, HandoffConfigError, load_handoff_config
from cyberbot.leads.outbox import deliver_due, retry_failed, run_worker, status_counts
from cyberbot.leads.store import list_leads
from cyberbot.privacy.forget import forget, mask_identifier

EXIT_OK, EXIT_ERROR = 0, 1
_ERRORS = (HandoffConfigError, SQLAlchemyError, CommandError, RasaException, yaml.YAMLError,
           OSError, ValueError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cyberbot",
        description=(
            "Leads, their hand-off to the advisors, erasure of personal data, operator "
            "console accounts, the export of operators' corrections and the database schema."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    leads_parser = commands.add_parser("leads", help="stored leads")
    leads_commands = leads_parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = leads_commands.add_parser(
        "export", help="write every stored lead (personal data: keep the output safe)"
    )
    export.add_argument("--format", choices=("json", "csv"), default="json", help="default: json")
    export.add_argument(
        "--output", type=Path, help="file to write (readable by its owner only); default: stdout"
    )
    export.set_defaults(handler=_export)

    outbox_parser = commands.add_parser("outbox", help="hand-off of leads to the advisors")
    outbox_commands = outbox_parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    outbox_commands.add_parser(
        "retry", help="queue failed deliveries again and deliver what is due now"
    ).set_defaults(handler=_retry)
    outbox_commands.add_parser(
        "work", help="deliver continuously until interrupted (SIGINT or SIGTERM)"
    ).set_defaults(handler=_work)
    outbox_commands.add_parser("status", help="number of deliveries per status").set_defaults(
        handler=_status
    )

    forget_parser = commands.add_parser(
        "forget", help="erase a visitor's leads and conversations (AVG right to erasure)"
    )
    forget_parser.add_argument(
        "identifier", help="conversation id (sender id), e-mail address or NL/BE phone number"
    )
    forget_parser.add_argument(
        "--endpoints",
        type=Path,
        default=Path("endpoints.yml"),
        help="Rasa endpoints file naming the SQL tracker store (default: endpoints.yml)",
    )
    forget_parser.set_defaults(handler=_forget)
    cli_operators.register(commands)
    cli_console.register(commands)
    cli_review.register(commands)
    cli_db.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2)
        return exit_.code if isinstance(exit_.code, int) else EXIT_ERROR
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.handler(args))
    except _ERRORS as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"cyberbot: error: {message}", file=sys.stderr)
        return EXIT_ERROR


def _export(args: argparse.Namespace) -> int:
    records = list_leads(get_engine())
    text = leads_csv(records) if args.format == "csv" else leads_json(records)
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    descriptor = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    print(f"Exported {len(records)} leads to {args.output}", file=sys.stderr)
    return EXIT_OK


def _retry(args: argparse.Namespace) -> int:
    config = load_handoff_config()
    engine = get_engine()
    queued = retry_failed(engine)
    report = asyncio.run(deliver_due(engine, config))
    print(
        f"Queued {queued} failed deliveries again. Delivered now: {report.delivered}, "
        f"to be retried: {report.retried}, failed: {report.failed}."
    )
    return EXIT_OK


def _work(args: argparse.Namespace) -> int:
    asyncio.run(_work_until_signalled(get_engine(), load_handoff_config()))
    return EXIT_OK


async def _work_until_signalled(engine: Engine, config: HandoffConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    await run_worker(engine, config, stop)


def _status(args: argparse.Namespace) -> int:
    for status, count in status_counts(get_engine()).items():
        print(f"{status}: {count}")
    return EXIT_OK


def _forget(args: argparse.Namespace) -> int:
    url = tracker_database_url(args.endpoints) if args.endpoints.is_file() else None
    tracker_engine = open_tracker_engine(url) if url else None
    try:
        report = forget(args.identifier, get_engine(), tracker_engine)
    finally:
        if tracker_engine is not None:
            tracker_engine.dispose()
    print(f"Erased what was stored about {mask_identifier(args.identifier)}:")
    print(f"  leads deleted: {report.leads_deleted} ({', '.join(report.lead_references) or '-'})")
    print(f"  outbox rows deleted: {report.outbox_rows_deleted}")
    print(f"  conversations deleted: {report.conversations_deleted}")
    print(f"  events deleted: {report.events_deleted}")
    print(f"  operator console rows deleted: {report.console_rows_deleted}")
    print(f"  WhatsApp rows deleted: {report.whatsapp_rows_deleted}")
    print(f"  recorded in the audit log as: {report.pseudonym}")
    record(get_console_engine(), "cli", "forget", target=report.pseudonym,
           detail=forget_summary(report))
    if url is None:
        print(
            f"  note: {args.endpoints} names no SQL tracker store, so no conversation was "
            "erased there; erase conversations in the tracker store that is in use"
        )
    elif tracker_engine is None:
        print("  note: the tracker database does not exist yet; no conversation to erase")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
