"""Secrets kept in the database encrypted at rest (Fernet), so a leaked dump or backup
does not hand out working tokens.

``MENTORBOT_SECRET_KEY`` is the key; a comma-separated list rotates keys (the first
encrypts, any decrypts). ``cryptography`` is imported only when a cipher is made: only
OAuth installs need it, and it costs start-up time.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

GENERATE_KEY = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


class SecretKeyError(ValueError):
    """The key is missing, malformed, or not the one the secrets were sealed with; the
    message is one line that says what to do."""


class SecretCipher:
    """Fernet encryption of a JSON object of secrets."""

    def __init__(self, fernet: MultiFernet) -> None:
        self._fernet = fernet

    @classmethod
    def from_setting(cls, value: str | None, *, what: str = "the stored tokens") -> SecretCipher:
        """From ``MENTORBOT_SECRET_KEY``; ``what`` names what it protects, for the error."""
        if not value or not value.strip():
            raise SecretKeyError(
                f"MENTORBOT_SECRET_KEY is missing: it encrypts {what}; "
                f"generate one with {GENERATE_KEY}"
            )
        from cryptography.fernet import Fernet, MultiFernet

        try:
            keys = [Fernet(k.strip().encode()) for k in value.split(",") if k.strip()]
        except (ValueError, TypeError):
            raise SecretKeyError(
                "MENTORBOT_SECRET_KEY is not a Fernet key (32 url-safe base64 bytes); "
                f"generate one with {GENERATE_KEY}"
            ) from None
        return cls(MultiFernet(keys))

    def encrypt(self, values: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(values).encode()).decode()

    def decrypt(self, token: str) -> dict[str, Any]:
        from cryptography.fernet import InvalidToken

        try:
            data = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise SecretKeyError(
                "MENTORBOT_SECRET_KEY cannot decrypt the stored secrets: was the key "
                "changed? Put the old key after the new one, comma-separated"
            ) from None
        return data if isinstance(data, dict) else {}
