"""What every dialog is made of: a turn (one message in context) and steps declared as data.

A dialog is a few named steps. Each step has a prompt, which renders the question and its options
from the stored state alone, and a handler for the option the person picked. Matching the reply
to an option, and re-prompting when nothing matches, is done once here for every step, so no step
can leave a person at a dead end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from bot.i18n import Match, Translator, match_option
from bot.messages import Inbound, Option, Outbound
from lessons.model import Catalog, Course, Module
from storage.crypto import AddressCipher, MessageCipher
from storage.models import Learner

# The state's key for the language chosen for each course (course id -> language): it stays with
# the learner through every move of the conversation.
KEPT = "course_languages"


@dataclass(frozen=True)
class DeskInfo:
    """How the help desk works here: the key of its messages, its hours, what to promise."""

    cipher: MessageCipher
    hours: tuple[int, int] | None = None  # local start and end hour; None: always staffed
    reply_minutes: int = 30
    timezone: str = "America/Mexico_City"
    retention_days: int = 30


@dataclass(frozen=True)
class ServiceInfo:
    """What the consent message tells people about who runs the service and what it keeps."""

    operator_name: str = ""  # unset: the default name, in the learner's language
    retention_days: int = 365
    certificate_years: int = 10  # how long a certificate keeps verifying after it is issued
    public_url: str = "http://127.0.0.1:8000"  # for links to certificates
    # Links that open a module on each configured channel, from its start parameter.
    share_links: Callable[[str], list[str]] = field(default=lambda _parameter: [])
    # PUBLIC_URL when a learning record store is configured: quiz events are then kept as xAPI
    # statements for the worker to send. None: nothing is recorded.
    records_home: str | None = None
    # Days after which a directory entry whose source is older is marked as maybe out of date.
    services_stale_days: int = 365
    desk: DeskInfo | None = None  # None: no help desk (the person is never offered one)
    tidy_hours: int = 24  # a tidy chat's messages are deleted this long after they were sent


@dataclass
class Turn:
    """One inbound message with everything a dialog may look at or change."""

    inbound: Inbound
    learner: Learner
    session: Session
    catalog: Catalog
    service: ServiceInfo = field(default_factory=ServiceInfo)
    # Seals what a step keeps between two messages that would say where the person is.
    cipher: AddressCipher | None = None
    erased: bool = False
    clear_chat: bool = False  # delete the chat's messages before the answer goes (Telegram)
    records: int = 0  # learning records written in this turn, for the worker to send
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)
    # The state as this turn changed it, written to the learner once the dialog is done: a
    # query in the dialog would otherwise write the learner's row before the answer goes.
    _state: dict[str, Any] | None = field(default=None, repr=False)

    def memo(self, key: Any, load: Callable[[], Any]) -> Any:
        """Load something once per message (a row several steps of one answer look at)."""
        if key not in self._memo:
            self._memo[key] = load()
        return self._memo[key]

    @property
    def t(self) -> Translator:
        """Interface strings in the learner's language."""
        return Translator(self.learner.language)

    @property
    def state(self) -> Mapping[str, Any]:
        """The learner's conversation state: which dialog and step, and its data."""
        if self._state is not None:
            return self._state
        return self.learner.state or {}

    def current_module(self) -> tuple[Course, Module] | None:
        """The course and module the current step is about, if they still exist."""
        return self.catalog.module(self.state.get("course", ""), self.state.get("module", ""))

    def go(self, dialog: str, step: str, **data: Any) -> None:
        """Move the conversation to a dialog's step (stored with the learner); the language
        chosen for each course goes along."""
        kept = {KEPT: self.state[KEPT]} if self.state.get(KEPT) else {}
        self._state = {"dialog": dialog, "step": step, **data, **kept}

    def update(self, **changes: Any) -> None:
        """Change some of the current step's data."""
        self._state = {**self.state, **changes}

    def course_language(self, course: Course) -> str:
        """The language the person reads a course in: theirs when the course has it, else the one
        they chose for it, else the course's own (never a mix of the two)."""
        if self.learner.language in course.readable_languages:
            return self.learner.language
        chosen = self.chosen_language(course)
        return chosen or course.default_language

    def chosen_language(self, course: Course) -> str | None:
        """The language the person chose for a course not in their own, if they chose one."""
        chosen = (self.state.get(KEPT) or {}).get(course.id)
        return chosen if chosen in course.readable_languages else None

    def choose_language(self, course: Course, language: str) -> None:
        """Remember the language the person reads a course in."""
        self.update(**{KEPT: {**(self.state.get(KEPT) or {}), course.id: language}})

    def course_t(self, course: Course) -> Translator:
        """Interface strings in the language the course is read in: its buttons and headers
        are then in the language of its cards."""
        return Translator(self.course_language(course))

    def restore(self, state: dict[str, Any] | None) -> None:
        """Undo the moves of this turn back to a state it had left (None: where it began)."""
        self._state = state

    def save_state(self) -> None:
        """Give the learner the state this turn left (nothing after an erasure)."""
        if self.state_left() is not None:
            self.learner.state = self._state

    def state_left(self) -> dict[str, Any] | None:
        """The state this turn moved the conversation to; None if it stayed (or was erased)."""
        return self._state if not self.erased else None

    def match(self, options: tuple[Option, ...]) -> Match:
        """The option the person picked: a pressed button's value, or what they typed."""
        if self.inbound.choice is not None:
            for option in options:
                if option.value == self.inbound.choice:
                    return Match(option)
        return match_option(self.inbound.text, options, self.t)


Prompt = Callable[[Turn], Outbound]
Handler = Callable[[Turn, Option], list[Outbound]]


@dataclass(frozen=True)
class Step:
    """A point in a dialog where Senda has asked something and waits for an answer.

    `on_text` takes free text that is none of the options; `on_location` a shared location."""

    prompt: Prompt
    on_choice: Handler
    on_text: Callable[[Turn], list[Outbound]] | None = None
    on_location: Callable[[Turn], list[Outbound]] | None = None
    # The step reads every text itself, a cry for help too (the help desk keeps it for staff).
    hears_distress: bool = False


@dataclass(frozen=True)
class Dialog:
    """A conversation declared as data: an entry and its named steps."""

    name: str
    entry: Callable[..., list[Outbound]]
    steps: Mapping[str, Step]


def say(text: str, *options: Option) -> Outbound:
    """An outbound message."""
    return Outbound(text=text, options=tuple(options))
