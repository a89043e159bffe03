"""One module per migration, ``v<revision>_<message>.py`` (``cyberbot db revision``)."""
