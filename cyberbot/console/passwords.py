"""Operator passwords: Argon2id hashes and the rules a new password must meet.

``HASHER`` carries argon2-cffi's default parameters, the RFC 9106 low-memory profile;
tests replace it with cheaper ones. A stored hash made with other parameters still
verifies, and ``needs_rehash`` tells when to store a fresh one.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error, InvalidHashError

MIN_PASSWORD_LENGTH = 12
# Long enough for any passphrase, short enough that hashing stays cheap.
MAX_PASSWORD_LENGTH = 1024

HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` in PHC string form, with a fresh salt."""
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; False for a malformed hash."""
    try:
        return HASHER.verify(password_hash, password)
    except (Argon2Error, InvalidHashError):
        return False


def verify_nothing(password: str) -> None:
    """Spend the effort of ``verify_password`` without an account to check against.

    Logging in with an unknown address then takes as long as with a known one, so the
    response time does not tell which addresses have an account.
    """
    verify_password(_dummy_hash(HASHER), password)


def needs_rehash(password_hash: str) -> bool:
    """Whether ``password_hash`` was made with other parameters than ``HASHER``'s."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except (Argon2Error, InvalidHashError):
        return True


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` is too weak for the account ``email``, in Dutch; None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Het wachtwoord moet minstens {MIN_PASSWORD_LENGTH} tekens lang zijn."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Het wachtwoord mag hoogstens {MAX_PASSWORD_LENGTH} tekens lang zijn."
    if password.isdigit():
        return "Het wachtwoord mag niet alleen uit cijfers bestaan."
    if email is not None and password.strip().lower() == email.strip().lower():
        return "Het wachtwoord mag niet gelijk zijn aan het e-mailadres."
    return None


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of a random password, made once per set of parameters."""
    return hasher.hash(secrets.token_urlsafe(16))
