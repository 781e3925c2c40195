"""Many learners at once, straight into the database (onboarding them one by one is slow)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from storage.models import AlertSubscription, Learner, utcnow


def make_learners(
    service,
    count: int,
    channel: str,
    language: str = "es",
    role: str = "migrant",
    first: int = 0,
    regions: tuple[str, ...] = (),
    **extra,
) -> list[str]:
    """Onboarded learners with addresses like a real channel's, subscribed to the alerts of
    `regions`; their addresses."""
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
        if regions:
            hashes = [row["address_hash"] for row in rows]
            ids = session.scalars(select(Learner.id).where(Learner.address_hash.in_(hashes)))
            session.execute(
                AlertSubscription.__table__.insert(),
                [{"learner_id": i, "region": r, "created_at": now} for i in ids for r in regions],
            )
    return addresses
