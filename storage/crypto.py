"""Addresses (phone numbers, chat ids) encrypted with Fernet and found by a keyed hash."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken


class AddressCipher:
    """Encrypts addresses and computes the keyed hash that finds a learner by address."""

    def __init__(self, data_key: str) -> None:
        self._fernet = Fernet(data_key.encode())
        # A separate key for the lookup hash, derived so that one secret configures both.
        self._hash_key = hmac.new(
            data_key.encode(), b"senda address lookup v1", hashlib.sha256
        ).digest()

    def lookup_hash(self, channel: str, address: str) -> str:
        """HMAC-SHA256 of the channel and address, hex: the only way to find a learner."""
        message = f"{channel}\x00{address}".encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()

    def encrypt(self, address: str) -> bytes:
        """Encrypt an address for storage."""
        return self._fernet.encrypt(address.encode())

    def seal(self, text: str) -> str:
        """Encrypt a short text kept between two messages (a step's data that says where the
        person is), for `unseal` to read back while it is fresh."""
        return self._fernet.encrypt(text.encode()).decode()

    def unseal(self, token: str, max_age_seconds: int) -> str | None:
        """A sealed text, or None when it is older than `max_age_seconds` or not one of ours."""
        try:
            return self._fernet.decrypt(token.encode(), ttl=max_age_seconds).decode()
        except (InvalidToken, ValueError):
            return None

    def decrypt(self, token: bytes) -> str:
        """The address in clear, for sending a message to it."""
        return self._fernet.decrypt(token).decode()


class MessageCipher:
    """Encrypts what a person writes to the help desk, and staff's answers, with a key of its own
    (SENDA_HELPDESK_KEY): the address key alone does not open them."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def encrypt(self, text: str) -> bytes:
        """A message's text, for storage."""
        return self._fernet.encrypt(text.encode())

    def decrypt(self, token: bytes) -> str:
        """A stored message's text, for the desk; an unreadable one says so instead of failing."""
        try:
            return self._fernet.decrypt(bytes(token)).decode()
        except InvalidToken:
            return "[this message cannot be read with the current SENDA_HELPDESK_KEY]"
