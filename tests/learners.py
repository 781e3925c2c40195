"""Many learners at once, straight into the database (onboarding them one by one is slow)."""

from __future__ import annotations

import uuid

from storage.models import Learner, utcnow


def make_learners(
    service,
    count: int,
    channel: str,
    language: str = "es",
    role: str = "migrant",
    first: int = 0,
    **extra,
) -> list[str]:
    """Onboarded learners with addresses like a real channel's; their addresses."""
    addresses = [
        (f"+52155{first + n:08d}" if channel != "telegram" else str(900_000_000 + first + n))
        for n in range(count)
    ]
    now = utcnow()
    rows = [
        {
            "pseudonym": uuid.uuid4().hex,
            "channel": channel,
            "address_hash": service.cipher.lookup_hash(channel, address),
            "address_encrypted": service.cipher.encrypt(address),
            "language": language,
            "role": role,
            "consented_at": now,
            "pushes_stopped": False,
            "state": {"dialog": "menu", "step": "main"},
            "created_at": now,
            "last_seen_at": now,
            **extra,
        }
        for address in addresses
    ]
    with service.sessions.begin() as session:
        session.execute(Learner.__table__.insert(), rows)
    return addresses
