"""Rasa input channels used by the assistant (drop-in replacements of Rasa's own).

Importing this package (Rasa does, for credentials.yml) also installs the fix in
``cyberbot.rasa_speedups``.
"""

from cyberbot.rasa_speedups import install

install()
