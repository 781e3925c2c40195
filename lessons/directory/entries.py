"""What one service of the directory is, and the kinds and needs people ask by."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lessons.model import Texts

# What a service does. `line` is a national phone line: it has no city and sits beside the rest.
KINDS = (
    "shelter",
    "food",
    "asylum",
    "legal",
    "health",
    "human_rights",
    "un",
    "consulate",
    "line",
)
# Who a service says it serves, when its source says so.
POPULATIONS = ("families", "women", "children", "men", "lgbti", "disabilities")
# What a person asks for, and the kinds that answer it (in this order of preference).
NEEDS: dict[str, tuple[str, ...]] = {
    "sleep": ("shelter",),
    "food": ("food", "shelter"),
    "doctor": ("health",),
    "legal": ("asylum", "legal", "human_rights", "un"),
    "consulate": ("consulate",),
}


@dataclass(frozen=True)
class Service:
    """One door a person can knock on, or a national line: every field as its source gives it,
    empty where the source says nothing."""

    id: str
    kinds: tuple[str, ...]  # the first is what it mainly is
    name: str
    city: str = ""  # as GeoNames names it (places.py finds it); empty for a national line
    state: str = ""  # a state id of places.STATES; empty for a national line
    address: str = ""  # as the source words it
    phones: tuple[str, ...] = ()  # dialable: +52 ..., a toll-free 800 number, or 911/089
    hours: Texts = field(default_factory=dict)
    offers: Texts = field(default_factory=dict)
    serves: tuple[str, ...] = ()  # of POPULATIONS
    languages: tuple[str, ...] = ()  # languages spoken there, when a source says so
    country: str = ""  # for a consulate: the ISO 3166 code of the country it represents
    latitude: float | None = None  # its own coordinates, only when a source gives them
    longitude: float | None = None
    source: str = ""
    checked: str = ""  # the date of its newest source: YYYY-MM-DD or YYYY-MM; empty if undated

    @property
    def kind(self) -> str:
        """What it mainly is."""
        return self.kinds[0] if self.kinds else ""

    @property
    def is_line(self) -> bool:
        """A national phone line rather than a place."""
        return self.kind == "line"

    def checked_on(self) -> date | None:
        """The date its details were last confirmed by a source (the first of the month when
        only the month is known)."""
        try:
            if len(self.checked) == 7:
                return date.fromisoformat(self.checked + "-01")
            return date.fromisoformat(self.checked) if self.checked else None
        except ValueError:
            return None

    def age_in_days(self, on: date) -> int | None:
        """Days from its `checked` date to `on`; None when undated."""
        checked = self.checked_on()
        return None if checked is None else (on - checked).days

    def is_stale(self, on: date, stale_days: int) -> bool:
        """Whether its details may be out of date: undated, or checked more than `stale_days`
        ago (SENDA_SERVICES_STALE_DAYS; the chat and the dashboard apply the same rule)."""
        age = self.age_in_days(on)
        return age is None or age > stale_days

    def answers(self, need: str | None) -> bool:
        """Whether it answers a need (any service answers no need in particular)."""
        return need is None or any(kind in NEEDS.get(need, ()) for kind in self.kinds)
