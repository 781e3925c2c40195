"""Transcripts in English: (what the person writes, what Senda's answer contains)."""

from __future__ import annotations

import pytest

from tests.conftest import Person, pick, run_transcript

ONBOARDING = [
    ("hi", ["Choose your language", "1. Español", "2. English"]),
    (
        "2",
        [
            "run by the Senda programme team.",
            "encrypted",
            "365 days",
            "Do you agree?",
            "1. Yes, I agree",
        ],
    ),
    ("yes", ["Who are you?", "1. Public official", "2. Civil-society worker"]),
    ("1", ["All set.", "Menu", "Courses"]),
]


@pytest.fixture
def person(engine) -> Person:
    return Person(engine)


def test_onboarding_then_menu(person: Person) -> None:
    run_transcript(person, ONBOARDING)
    assert person.options == [
        "Courses",
        "My progress",
        "Emergency numbers and help (SOS)",
        "Talk to a person",
        "Daily reminder",
        "Language",
        "Help",
        "My privacy",
    ]


def test_a_lesson_card_by_card_then_a_quiz_passed(person: Person) -> None:
    run_transcript(
        person,
        [
            *ONBOARDING,
            ("courses", ["Test course", "1. The basics", "2. Second module"]),
            ("the basics", ["The basics (1/3)", "First test card.", "1. Next", "2. Menu"]),
            ("next", ["(2/3)", "Second test card.", "1. Next", "2. Back"]),
            ("back", ["(1/3)", "First test card."]),
            ("1", ["(2/3)"]),
            ("1", ["(3/3)", "Third test card.", "1. Quiz (3 questions)"]),
            ("quiz", ["Question 1 of 3", "What colour is a clear sky?", "Green", "Blue"]),
            (
                pick("Blue"),
                ["✅ Right.", "A clear sky is blue.", "Question 2 of 3", "two plus two"],
            ),
            (
                "Five",
                [
                    "❌ Not quite. The right answer: Four",
                    "Five is one too many.",
                    "Question 3 of 3",
                ],
            ),
            (
                "yes",
                [
                    "✅ Right.",
                    "You got 2 of 3 questions right (67%)",
                    "To pass you need 70%",
                    "1. Retry the 1 missed question",
                ],
            ),
            ("1", ["Question 1 of 1", "two plus two"]),
            (  # the retry helps, but the attempt's score stays that of the whole quiz
                "four",
                [
                    "✅ Right.",
                    "You got 2 of 3 questions right (67%)",
                    "After the retry: 3 of 3 right. The score stays that of the whole quiz",
                    "To pass you need 70%",
                    "1. Take the quiz again",
                ],
            ),
            ("take the quiz again", ["Question 1 of 3", "What colour is a clear sky?"]),
            (pick("Blue"), ["✅ Right.", "Question 2 of 3"]),
            (pick("Four"), ["✅ Right.", "Question 3 of 3"]),
            (
                pick("Yes"),
                [
                    "✅ Right.",
                    "You got 3 of 3 questions right (100%)",
                    "You passed",
                    "was this module useful for your work?",
                ],
            ),
            ("skip", "Next: Second module"),
            ("next: second module", ["Second module (1/1)", "The only card"]),
            (
                "progress",
                [
                    "Your progress",
                    "Test course: 1 of 2 modules passed",
                    "✓ The basics: passed in 2 attempts (100%)",
                    "▶ Second module: card 1 of 1",
                    "Second module (1/1)",
                ],
            ),
        ],
    )


def test_a_failed_quiz_says_so_and_offers_the_lesson_again(person: Person) -> None:
    run_transcript(
        person,
        [
            *ONBOARDING,
            ("1", "The basics"),
            ("1", "(1/3)"),
            ("1", "(2/3)"),
            ("1", "(3/3)"),
            ("1", "Question 1 of 3"),
            (pick("Green"), "Not quite"),
            (pick("Five"), "Not quite"),
            (
                pick("No"),
                [
                    "You got 0 of 3",
                    "To pass you need 70%",
                    "Retry the 3 missed questions",
                    "Read the lesson again",
                ],
            ),
            ("read the lesson again", "The basics (1/3)"),
        ],
    )


def test_resume_at_the_exact_card_after_a_pause(engine) -> None:
    run_transcript(
        Person(engine), [*ONBOARDING, ("1", "Test course"), ("1", "(1/3)"), ("next", "(2/3)")]
    )
    # Later, the same person writes something unrelated: the card they were on comes back.
    run_transcript(
        Person(engine), [("hello again", ["did not understand", "(2/3)", "Second test card."])]
    )
    run_transcript(
        Person(engine),
        [("menu", "Continue where I left off"), ("continue where i left off", "(2/3)")],
    )


def test_global_words_work_from_every_step(person: Person) -> None:
    run_transcript(
        person,
        [
            *ONBOARDING,
            ("1", "The basics"),
            ("1", "(1/3)"),
            ("SOS!", ["SOS", "Emergencies: call the test number 000.", "(1/3)"]),
            ("  Help ", ["MENU: the main menu", "DELETE: erase everything", "(1/3)"]),
            ("progress", ["The basics: card 1 of 3", "(1/3)"]),
            ("MENU", "what would you like to do?"),
            ("language", ["Choose your language", "Français"]),
            ("english", ["From now on I will write in English.", "Menu"]),
        ],
    )


def test_stop_and_start_pushes(person: Person, service) -> None:
    run_transcript(person, [*ONBOARDING, ("stop", ["no more reminders", "Menu"])])
    with service.sessions() as session:
        from storage.models import Learner

        assert session.query(Learner).one().pushes_stopped is True
    run_transcript(person, [("start", "on again")])
    with service.sessions() as session:
        assert session.query(Learner).one().pushes_stopped is False


def test_declining_consent_keeps_nothing(person: Person, service) -> None:
    from storage.models import Learner

    run_transcript(
        person,
        [
            ("hello", "Choose your language"),
            ("English", "Do you agree?"),
            ("no", ["Nothing about you is kept", "SOS"]),
        ],
    )
    with service.sessions() as session:
        assert session.query(Learner).count() == 0
    # Nothing is remembered, not even the language: SOS answers in Spanish.
    run_transcript(person, [("sos", "Emergencias"), ("hi", "Choose your language")])


def test_sos_and_help_before_onboarding(person: Person) -> None:
    # Before a language is chosen, help is in all four: the person may read only one of them.
    run_transcript(
        person,
        [
            ("sos", ["Emergencias", "Choose your language"]),
            (
                "help",
                [
                    "Puedes escribir estas palabras en cualquier momento:",
                    "SOS: emergency numbers and where to get help",
                    "Vous pouvez écrire ces mots à tout moment",
                    "Ou ka ekri mo sa yo nenpòt ki lè",
                    "LANGUE: changer de langue",
                    "Choose your language",
                ],
            ),
            ("3", "Êtes-vous d'accord ?"),
            # Once a language is chosen, help is in that one alone, every word listed.
            ("help", ["MENU: le menu principal", "Êtes-vous d'accord ?"]),
        ],
    )
    assert "Puedes escribir" not in person.says("help")


def test_delete_erases_at_once_and_starts_over(person: Person, service) -> None:
    from storage.models import Learner, ModuleProgress, QuizAnswer

    run_transcript(
        person, [*ONBOARDING, ("1", "Test course"), ("1", "(1/3)"), ("delete", "has been erased")]
    )
    with service.sessions() as session:
        assert session.query(Learner).count() == 0
        assert session.query(ModuleProgress).count() == 0
        assert session.query(QuizAnswer).count() == 0
    run_transcript(person, [("hi", "Choose your language")])


def test_migrants_see_safety_first_and_their_course(person: Person) -> None:
    run_transcript(
        person,
        [
            ("hi", "Choose your language"),
            ("2", "Do you agree?"),
            ("1", "Who are you?"),
            ("3", ["Emergency numbers and help (SOS)", "Courses"]),
        ],
    )
    assert person.options[0] == "Emergency numbers and help (SOS)"
    run_transcript(
        person,
        [
            ("courses", ["Safety on the road", "Your phone"]),
            ("your phone", ["Keep your family's numbers on paper.", "Finish"]),
            ("finish", ["You finished this module.", "was this module clear?", "1. Yes"]),
            ("skip", "Menu"),
            ("progress", "Your phone: finished"),
        ],
    )
