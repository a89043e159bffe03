"""``python -m cyberbot.rasa_compat <rasa arguments>``: Rasa's own command line with the
project's patches installed, so that a command which loads a model (``test core``,
``shell``) loads it as the Rasa server does (``model_loading``: 16 s sooner)."""

from __future__ import annotations

import sys

from rasa.__main__ import main as rasa_main

from cyberbot.rasa_compat import install


def main() -> None:
    install()
    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
