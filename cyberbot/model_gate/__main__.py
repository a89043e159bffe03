"""``python -m cyberbot.model_gate``: the model gate on the command line.

    status        the kept models, which one serves, the last decisions
    select        choose the model that serves (make run); --force skips the comparison
    after-train   remove old models and show the gate's verdict on the new one (make train)
    rollback      undo the newest model (make rollback)

Exit codes: 0 done, 1 the new model was refused, 2 something to fix first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cyberbot.model_gate.gate import (
    FAILED,
    GateError,
    after_training,
    rollback,
    select,
    settings_from_environment,
    status,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cyberbot.model_gate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["status", "select", "after-train", "rollback"])
    parser.add_argument("--force", action="store_true",
                        help="select: serve the newest model without comparing")
    parser.add_argument("--no-evaluate", action="store_true",
                        help="after-train: only remove old models")
    parser.add_argument("--models-dir", type=Path, help="default: models (CYBERBOT_MODELS_DIR)")
    parser.add_argument("--heldout", type=Path, help="default: tests/nlu_heldout.yml")
    parser.add_argument("--stories", type=Path, help="default: tests/test_stories.yml")
    parser.add_argument("--margin", type=float,
                        help="how much worse a figure may get; default 0.02 "
                             "(CYBERBOT_MODEL_GATE_MARGIN)")
    parser.add_argument("--keep", type=int, help="newest models kept; default 3 "
                                                 "(CYBERBOT_MODELS_KEPT)")
    args = parser.parse_args(argv)
    try:
        settings = settings_from_environment(
            models_dir=args.models_dir, heldout=args.heldout, stories=args.stories,
            margin=args.margin, keep=args.keep)
        if args.command == "select":
            result = select(settings, force=args.force)
        elif args.command == "after-train":
            result = after_training(settings, evaluate=not args.no_evaluate)
        elif args.command == "rollback":
            result = rollback(settings)
        else:
            result = status(settings)
    except GateError as error:
        print(f"Model gate: {error}", file=sys.stderr)
        return FAILED
    print(result.text, file=sys.stdout if result.code == 0 else sys.stderr, flush=True)
    return result.code


if __name__ == "__main__":
    sys.exit(main())
