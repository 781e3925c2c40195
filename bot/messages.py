"""The message model every layer speaks: what a person sent, and what Senda answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class MediaKind(StrEnum):
    """Kinds of non-text content a person can send; the service reads text only."""

    PHOTO = "photo"
    VOICE = "voice"
    VIDEO = "video"
    STICKER = "sticker"
    DOCUMENT = "document"
    CONTACT = "contact"
    OTHER = "other"


@dataclass(frozen=True)
class Location:
    """A shared location: used for one lookup and never stored."""

    latitude: float
    longitude: float


@dataclass(frozen=True)
class Inbound:
    """One message from a person, as any channel delivers it."""

    channel: str
    address: str
    text: str = ""
    message_id: str | None = None
    choice: str | None = None  # the value of a pressed button, when the channel has buttons
    location: Location | None = None
    media: MediaKind | None = None
    start_parameter: str | None = None
    reply_to: str | None = None  # the channel's id of the message whose button was pressed
    written_id: str | None = None  # the channel's id of the person's message in the chat


@dataclass(frozen=True)
class Option:
    """One answer a person can pick: by its number, its text, or a button carrying its value."""

    label: str
    value: str


@dataclass(frozen=True)
class Outbound:
    """One message Senda sends: text plus up to ten options."""

    text: str
    options: tuple[Option, ...] = field(default_factory=tuple)

    MAX_OPTIONS = 10

    def __post_init__(self) -> None:
        if len(self.options) > self.MAX_OPTIONS:
            raise ValueError(f"an outbound message has at most {self.MAX_OPTIONS} options")
