"""Distress in a person's own words: the phrases operators list in `distress.yaml`, and whether
a message holds one of them."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

DISTRESS_FILE = "distress.yaml"
MAX_CHARACTERS = 500  # a longer message is read this far: a cry for help comes first


def fold(text: str) -> str:
    """Casefolded, unaccented, words only, single spaces: "¡Ayúdenme!" is "ayudenme"."""
    decomposed = unicodedata.normalize("NFKD", text[:MAX_CHARACTERS].casefold())
    plain = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(plain.split())


@dataclass(frozen=True)
class DistressWords:
    """Every language's phrases of distress, folded, found anywhere in a message."""

    phrases: tuple[str, ...] = ()

    @classmethod
    def of(cls, phrases: Iterable[str]) -> DistressWords:
        """The phrases as written in the content file."""
        return cls(tuple(sorted({fold(p) for p in phrases if fold(p)})))

    def heard_in(self, text: str) -> bool:
        """Whether a message holds one of the phrases, as whole words."""
        folded = f" {fold(text)} "
        return folded.strip() != "" and any(f" {phrase} " in folded for phrase in self.phrases)
