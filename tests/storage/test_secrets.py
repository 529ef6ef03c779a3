"""Secrets sealed at rest: key rotation, and a wrong or missing key in one line."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from storage.secrets import SecretCipher, SecretKeyError


def test_keys_rotate_and_a_wrong_key_says_so_in_one_line() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = SecretCipher.from_setting(old).encrypt({"bot_token": "xoxb-1"})
    assert SecretCipher.from_setting(f"{new},{old}").decrypt(sealed) == {"bot_token": "xoxb-1"}
    with pytest.raises(SecretKeyError) as wrong:
        SecretCipher.from_setting(new).decrypt(sealed)
    assert "\n" not in str(wrong.value) and "MENTORBOT_SECRET_KEY" in str(wrong.value)


@pytest.mark.parametrize(
    ("key", "says"),
    [(None, "MENTORBOT_SECRET_KEY is missing"), (" ", "is missing"), ("x", "not a Fernet key")],
)
def test_an_unusable_key_says_what_to_do(key: str | None, says: str) -> None:
    with pytest.raises(SecretKeyError) as failure:
        SecretCipher.from_setting(key, what="the tokens")
    assert says in str(failure.value) and "generate one with" in str(failure.value)


def test_the_secrets_are_not_in_the_sealed_text() -> None:
    cipher = SecretCipher.from_setting(Fernet.generate_key().decode())
    sealed = cipher.encrypt({"bot_token": "xoxb-secret"})
    assert "xoxb" not in sealed
    assert cipher.decrypt(sealed) == {"bot_token": "xoxb-secret"}
