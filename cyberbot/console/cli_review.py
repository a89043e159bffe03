"""``cyberbot review export``: the operators' corrections as an NLU file for ``data/``.

Run from the project root: the labels come from ``domain.yml`` and ``data/``, and the
examples already in ``data/`` are left out. The export is written to the audit log with
"cli" as the actor. Handlers return the exit code: 0 success.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cyberbot.console.audit import record
from cyberbot.console.corrections import all_corrections
from cyberbot.console.labels import load_labels
from cyberbot.console.models import get_console_engine
from cyberbot.console.review_export import export_corrections, write_export

EXIT_OK = 0
ACTOR = "cli"
DEFAULT_OUTPUT = Path("var/review/nlu_corrections.yml")
STDOUT = "-"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``review`` command to the ``cyberbot`` subcommands."""
    parser = commands.add_parser("review", help="corrections made in the operator console")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export", help="write the corrections as Rasa NLU training data, without duplicates"
    )
    export.add_argument(
        "--output",
        default=str(DEFAULT_OUTPUT),
        help=f"file to write, '{STDOUT}' for stdout (default: {DEFAULT_OUTPUT})",
    )
    export.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    root = Path.cwd()
    engine = get_console_engine()
    export = export_corrections(all_corrections(engine), root / "data", labels=load_labels(root))
    if args.output == STDOUT:
        sys.stdout.write(export.yaml_text)
        report = sys.stderr
    else:
        write_export(export, Path(args.output))
        report = sys.stdout
    record(engine, ACTOR, "export_review", detail=export.summary())
    print(f"Corrections exported: {export.summary()}.", file=report)
    if args.output != STDOUT:
        print(f"Wrote {args.output}; add it under data/ and retrain the assistant.", file=report)
    return EXIT_OK
