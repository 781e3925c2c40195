"""Certificates: an official passes a course, names the certificate, and anyone can check it."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.i18n import Translator
from dialogs.certificate import course_result, valid_name
from lessons.loader import load_catalog
from storage import repo
from storage.models import Base, Certificate, ModuleProgress
from tests.conftest import TEST_CATALOG, Person, run_transcript
from tests.pdf_helpers import is_a4, page_sizes, pdf_text, qr_codes
from webhooks import create_app

PUBLIC_URL = "https://senda.example.org"
ADDRESS = "+5215598765432"
NAME = "María José O'Neill-Pérez"
CODE_IN_LINK = re.compile(re.escape(PUBLIC_URL) + r"/certificates/([A-Z0-9]+)\.pdf")

ONBOARDING_OFFICIAL = [
    ("hi", "Choose your language"),
    ("2", "Do you agree?"),
    ("yes", "Who are you?"),
    ("1", "All set."),
]
PASS_THE_DEMO_COURSE = [
    ("courses", "Test course"),
    ("the basics", "The basics (1/3)"),
    ("next", "(2/3)"),
    ("next", "(3/3)"),
    ("quiz", "Question 1 of 3"),
    ("blue", "Question 2 of 3"),
    ("four", "Question 3 of 3"),
    ("yes", ["You got 3 of 3 questions right (100%)", "useful for your work"]),
    ("skip", "Next: Second module"),  # the module's rating, once: skipped
    ("next: second module", "Second module (1/1)"),
    ("quiz", "Question 1 of 1"),
]
PASSED_THE_LAST = ["You got 1 of 1 question right (100%)", "useful for your work"]
OFFER = [
    "Congratulations! You passed every module of “Test course”.",
    "As a public official you can get a certificate",
    "Write your name as it should be printed on it",
    "stays checkable for 10 years, even after the rest of your data is deleted for silence",
    "writing DELETE erases it at once",
    "1. No, thanks",
]


@pytest.fixture
def app_config(app_config: dict[str, str]) -> dict[str, str]:
    return {**app_config, "PUBLIC_URL": PUBLIC_URL}


@pytest.fixture
def official(engine) -> Person:
    """An English-speaking official who has just passed the last quiz of the test course."""
    person = Person(engine, ADDRESS)
    run_transcript(
        person,
        [
            *ONBOARDING_OFFICIAL,
            *PASS_THE_DEMO_COURSE,
            ("four", PASSED_THE_LAST),
            ("skip", OFFER),
        ],
    )
    return person


def issued_code(answer: str) -> str:
    found = CODE_IN_LINK.search(answer)
    assert found, f"no certificate link in:\n{answer}"
    return found.group(1)


def certificates(service) -> list[Certificate]:
    with service.sessions() as session:
        return list(session.scalars(select(Certificate)))


def today_in_mexico() -> str:
    return Translator("en").date(datetime.now(ZoneInfo("America/Mexico_City")).date())


def test_an_official_names_the_certificate_and_gets_a_link_that_checks_out(
    official: Person, app, service
):
    answer = official.says(NAME)
    code = issued_code(answer)
    for fragment in (
        "Your certificate for “Test course”:",
        f"{PUBLIC_URL}/verify/{code}",
        "It stays valid for 10 years, even if the rest of your data is deleted after 365 days "
        "without a message. Writing DELETE erases it at once.",
        "1. Change the name",
        "2. Menu",
    ):
        assert fragment in answer
    assert NAME not in answer  # the name is not echoed into messages (which the outbox keeps)
    assert len(code) == 10 and set(code) <= set(repo.CERTIFICATE_ALPHABET)

    client = app.test_client()
    response = client.get(f"/certificates/{code}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert [is_a4(size) for size in page_sizes(response.data)] == [True]
    text = pdf_text(response.data)
    for fragment in (
        "Certificate of completion",
        NAME,
        "Test course",
        f"on {today_in_mexico()}, with an average score of 100%.",
        code,
        f"{PUBLIC_URL}/verify/{code}",
    ):
        assert fragment in text

    [qr] = qr_codes(response.data)
    assert qr == f"{PUBLIC_URL}/verify/{code}"
    page = client.get(urlparse(qr).path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for fragment in (
        "Valid certificate",
        "Test course",
        "María José O&#39;Neill-Pérez",
        today_in_mexico(),
        "100%",
        code,
    ):
        assert fragment in html
    assert page.headers["X-Robots-Tag"].startswith("noindex")


def test_the_verify_page_and_the_pdf_say_nothing_else_about_the_holder(official, app, service):
    code = issued_code(official.says(NAME))
    client = app.test_client()
    pdf = pdf_text(client.get(f"/certificates/{code}.pdf").data)
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    with service.sessions() as session:
        pseudonym = session.scalar(select(Base.metadata.tables["learners"].c.pseudonym))
    for shown in (pdf, html):
        for secret in (ADDRESS, ADDRESS.lstrip("+"), "98765432", pseudonym, "console"):
            assert secret not in shown


@pytest.mark.parametrize("typed", ["ab2cd", "AB-2CD"], ids=["lower case", "with a hyphen"])
def test_a_code_is_matched_however_it_is_typed(official, app, typed):
    code = issued_code(official.says(NAME))
    typed = typed.replace("ab2cd", code.lower()).replace("AB-2CD", f"{code[:5]}-{code[5:]}")
    page = app.test_client().get(f"/verify/{typed}")
    assert page.status_code == 200
    assert code in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/verify/ZZZZZZZZZZ", "/certificates/ZZZZZZZZZZ.pdf", "/verify/" + "Z" * 300],
    ids=["verify", "pdf", "very long"],
)
def test_an_unknown_code_is_a_clear_404(app, path):
    response = app.test_client().get(path, headers={"Accept-Language": "es-MX,es;q=0.8"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Ninguna constancia tiene este código" in html
    assert "sin O, I, L, 0 ni 1" in html


@pytest.mark.parametrize(
    ("label", "typed", "note"),
    [
        ("empty", "", "I did not get any text."),
        ("too long", "Ana " * 21, "A name on a certificate needs 2 to 80 characters"),
        ("one letter", "A", "A name on a certificate needs 2 to 80 characters"),
        ("digits", "12345", "A name on a certificate needs 2 to 80 characters"),
        ("emoji", "🙂🙂🙂", "A name on a certificate needs 2 to 80 characters"),
        ("a link", "http://example.org", "A name on a certificate needs 2 to 80 characters"),
    ],
)
def test_a_name_that_is_not_one_gets_a_clear_question_again(official, service, label, typed, note):
    answer = official.says(typed)
    assert note in answer
    assert "Write your name as it should be printed on it" in answer
    assert "Congratulations" not in answer  # said once
    assert certificates(service) == []
    assert issued_code(official.says("Ana Pérez"))
    assert [c.name for c in certificates(service)] == ["Ana Pérez"]


def test_spaces_in_a_name_are_tidied(official, service):
    official.says("   Ana    Pérez  ")
    assert [c.name for c in certificates(service)] == ["Ana Pérez"]


@pytest.mark.parametrize("typed", ["no", "1", "No, thanks", "skip", "👎"])
def test_declining_leaves_no_certificate_and_it_can_be_had_later(official, service, typed):
    run_transcript(
        official,
        [
            (typed, ["No certificate for now", "My progress", "Menu: what would you like to do?"]),
            (
                "my progress",
                [
                    "Test course: 2 of 2 modules passed",
                    "A certificate is available for this course.",
                    "Certificates:",
                    "1. Certificate: Test course",
                    "2. Menu",
                ],
            ),
        ],
    )
    assert certificates(service) == []
    run_transcript(
        official,
        [
            ("1", ["As a public official you can get a certificate", "1. No, thanks"]),
            ("Ana Pérez", "Your certificate for “Test course”:"),
        ],
    )
    assert [c.name for c in certificates(service)] == ["Ana Pérez"]


def test_progress_shows_the_certificate_and_changing_the_name_replaces_the_code(
    official, app, service
):
    first = issued_code(official.says("Ana Perez"))
    progress = official.says("progress")
    assert f"📄 Certificate: {PUBLIC_URL}/certificates/{first}.pdf" in progress
    run_transcript(
        official,
        [
            ("menu", "Menu"),
            ("my progress", ["Certificates:", "1. Certificate: Test course"]),
            ("1", [f"{PUBLIC_URL}/certificates/{first}.pdf", "1. Change the name"]),
            ("change the name", "Write your name as it should be printed on it"),
        ],
    )
    kept = official.says("no")  # thinking better of it keeps the certificate as it is
    assert f"{PUBLIC_URL}/certificates/{first}.pdf" in kept
    assert "No certificate for now" not in kept
    official.says("change the name")
    second = issued_code(official.says("Ana Pérez"))
    assert second != first
    client = app.test_client()
    assert client.get(f"/verify/{first}").status_code == 404
    assert "Ana Pérez" in client.get(f"/verify/{second}").get_data(as_text=True)
    assert [c.name for c in certificates(service)] == ["Ana Pérez"]


def test_erasing_the_person_erases_the_certificate(official, app, service):
    code = issued_code(official.says(NAME))
    client = app.test_client()
    assert client.get(f"/verify/{code}").status_code == 200
    assert "has been erased" in official.says("delete")
    assert certificates(service) == []
    assert client.get(f"/verify/{code}").status_code == 404
    assert client.get(f"/certificates/{code}.pdf").status_code == 404


def test_erasing_from_the_menu_warns_that_certificates_go_too(official, app, service):
    code = issued_code(official.says(NAME))
    run_transcript(
        official,
        [
            ("menu", "8. My privacy"),
            ("8", ["Senda cannot delete text messages", "1. Delete my data", "2. Menu"]),
            (
                "1",
                [
                    "This erases everything Senda keeps about you",
                    "Your certificates will be erased too, and stop being valid.",
                    "1. Yes, erase everything",
                ],
            ),
            ("1", "has been erased"),
        ],
    )
    assert app.test_client().get(f"/verify/{code}").status_code == 404


def test_a_certificate_outlives_the_purge_for_silence_holding_only_what_the_paper_shows(
    official, app, service
):
    """The learner silent past the retention period goes with everything linked to them, but
    the certificate stays, detached, and keeps verifying until SENDA_CERTIFICATE_YEARS."""
    from datetime import timedelta

    from sqlalchemy import func, update

    from bot.delivery.jobs import make_jobs
    from storage.models import Learner, utcnow

    code = issued_code(official.says(NAME))
    long_ago = utcnow() - timedelta(days=service.settings.retention_days + 1)
    with service.sessions.begin() as session:
        session.execute(update(Learner).values(last_seen_at=long_ago))
    assert make_jobs(service).purge_inactive_learners.call_local() == 1

    with service.sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name not in ("certificates", "processed_messages", "worker_leases"):
                count = session.execute(select(func.count()).select_from(table)).scalar()
                assert count == 0, f"{table.name} keeps {count} rows after the purge"
    (kept,) = certificates(service)
    assert kept.learner_id is None
    assert (kept.code, kept.name, kept.course_id, kept.score, kept.language) == (
        code,
        NAME,
        "demo",
        100,
        "en",
    )
    client = app.test_client()
    page = client.get(f"/verify/{code}")
    assert page.status_code == 200
    assert "Valid certificate" in page.get_data(as_text=True)
    assert "María José O&#39;Neill-Pérez" in page.get_data(as_text=True)
    assert client.get(f"/certificates/{code}.pdf").status_code == 200

    # A day short of its years it stays; past them, the daily purge deletes it.
    years = timedelta(days=round(365.25 * service.settings.certificate_years))
    with service.sessions.begin() as session:
        session.execute(update(Certificate).values(issued_at=utcnow() - years + timedelta(days=1)))
    make_jobs(service).purge_inactive_learners.call_local()
    assert len(certificates(service)) == 1
    with service.sessions.begin() as session:
        session.execute(update(Certificate).values(issued_at=utcnow() - years - timedelta(days=1)))
    make_jobs(service).purge_inactive_learners.call_local()
    assert certificates(service) == []
    assert client.get(f"/verify/{code}").status_code == 404


def test_the_retention_purge_leaves_the_certificate_detached(official, service):
    """(The erase word, above, takes it along at once.)"""
    official.says(NAME)
    with service.sessions.begin() as session:
        assert repo.purge_inactive(session, datetime.now(UTC)) == 1
    assert [c.learner_id for c in certificates(service)] == [None]


def test_the_consent_says_how_long_a_certificate_lasts(app_config):
    app = create_app({**app_config, "SENDA_CERTIFICATE_YEARS": "5"})
    try:
        person = Person(app.extensions["senda"].engine)
        person.says("hi")
        consent = person.says("2")
        assert (
            "A certificate, if you get one as a public official, is the exception: it stays "
            "checkable for 5 years with only what it shows (name, course, score, dates); DELETE "
            "erases it too."
        ) in consent
        assert "Do you agree?" in consent
    finally:
        app.extensions["senda"].close()


def test_a_spanish_official_gets_a_spanish_certificate(engine, app, service):
    person = Person(engine)
    run_transcript(
        person,
        [
            ("Hola", "Elige tu idioma"),
            ("español", "¿Estás de acuerdo?"),
            ("sí", "¿Quién eres?"),
            ("1", "¡Listo!"),
            ("cursos", "Curso de prueba"),
            ("1", "Lo básico (1/3)"),
            ("1", "(2/3)"),
            ("1", "(3/3)"),
            ("cuestionario", "Pregunta 1 de 3"),
            ("azul", "Pregunta 2 de 3"),
            ("cuatro", "Pregunta 3 de 3"),
            ("sí", ["Aprobaste este módulo", "¿este módulo te sirve para tu trabajo?"]),
            ("omitir", "Siguiente: Segundo módulo"),
            ("siguiente: segundo módulo", "Segundo módulo (1/1)"),
            ("cuestionario", "Pregunta 1 de 1"),
            ("cuatro", ["Aprobaste este módulo", "te sirve para tu trabajo"]),
            ("omitir", ["¡Felicidades!", "«Curso de prueba»", "BORRAR", "1. No, gracias"]),
            ("omitir", ["Sin constancia por ahora", "Mi progreso"]),
            ("mi progreso", ["Constancias:", "1. Constancia: Curso de prueba"]),
            ("1", "Escribe tu nombre tal como debe aparecer impreso"),
            ("A", "Un nombre en la constancia necesita de 2 a 80 caracteres"),
        ],
    )
    code = issued_code(person.says("Ana Pérez"))
    assert "Tu constancia de «Curso de prueba»:" in person.last[0].text
    text = pdf_text(app.test_client().get(f"/certificates/{code}.pdf").data)
    for fragment in ("Constancia de acreditación", "Ana Pérez", "aprobó todos los módulos"):
        assert fragment in text
    assert "Curso de prueba" in text and "Test course" not in text


@pytest.mark.parametrize("role", ["2", "3"], ids=["civil-society worker", "migrant"])
def test_only_officials_are_offered_a_certificate(engine, service, role):
    person = Person(engine)
    run_transcript(person, [("hi", "language"), ("2", "agree"), ("yes", "Who are you?")])
    person.says(role)
    course = "Test course" if role == "2" else "Safety on the road"
    first_module = "The basics" if role == "2" else "Your phone"
    assert course in person.says("courses")
    if role == "2":  # a civil-society worker has both courses: the list comes first
        assert first_module in person.says(course.lower())
    assert f"{first_module} (1/" in person.says(first_module.lower())
    if role == "2":
        run_transcript(person, PASS_THE_DEMO_COURSE[2:])
        answer = person.says("four")
        assert "You passed this module" in answer
    else:
        answer = person.says("finish")
        assert "You finished this module" in answer
        assert "Your phone: finished" in person.says("progress")
    assert "certificate" not in answer.casefold()
    assert "certificate" not in person.says("progress").casefold()
    assert certificates(service) == []


def test_the_score_is_the_average_of_each_modules_best_quiz_score():
    course = load_catalog(TEST_CATALOG).course("demo")
    passed_at = datetime(2026, 11, 20, 18, tzinfo=UTC)
    rows = {
        "basics": ModuleProgress(
            module_id="basics", passed=True, best_score=80, passed_at=passed_at
        ),
        "second": ModuleProgress(module_id="second", passed=True, best_score=95),
    }
    assert course_result(course, rows) is None  # a pass without its date counts as not passed
    rows["second"].passed_at = passed_at.replace(day=21)
    result = course_result(course, rows)
    assert (result.score, result.passed_at) == (88, passed_at.replace(day=21))
    rows["second"].best_score = None  # a module passed by reading, without a quiz
    assert course_result(course, rows).score == 80
    del rows["second"]
    assert course_result(course, rows) is None


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("María José O'Neill-Pérez", "María José O'Neill-Pérez"),
        ("  Jean   Baptiste  ", "Jean Baptiste"),
        ("Dr. K. Nguyễn", "Dr. K. Nguyễn"),
        ("Li", "Li"),
        ("x" * 80, "x" * 80),
        ("x" * 81, None),
        ("J", None),
        ("--", None),
        ("Ana <b>", None),
        ("Ana\u200bPérez", None),
    ],
)
def test_what_counts_as_a_name(typed, printed):
    assert valid_name(typed) == printed


@pytest.fixture
def reading_course_app(app_config, tmp_path):
    """The app on a copy of the test catalog where the quiz-less road course is for officials."""
    catalog = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, catalog)
    course = catalog / "street-safety" / "course.yaml"
    course.write_text(course.read_text().replace("[migrant,", "[migrant, official,"))
    app = create_app({**app_config, "SENDA_CATALOG": str(catalog)})
    yield app
    app.extensions["senda"].close()


def test_a_course_passed_by_reading_alone_gets_a_certificate_without_a_score(reading_course_app):
    person = Person(reading_course_app.extensions["senda"].engine)
    run_transcript(
        person,
        [
            *ONBOARDING_OFFICIAL,
            ("courses", "2. Safety on the road"),
            ("2", "Your phone"),
            ("your phone", "Your phone (1/1)"),
            ("finish", ["You finished this module.", "useful for your work"]),
            ("skip", ["“Safety on the road”", "1. No, thanks"]),
        ],
    )
    code = issued_code(person.says("Ana Pérez"))
    client = reading_course_app.test_client()
    text = pdf_text(client.get(f"/certificates/{code}.pdf").data)
    assert f"on {today_in_mexico()}." in text
    assert "score" not in text
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "<dt>Average score</dt><dd>—</dd>" in html


def test_the_name_is_stored_on_the_certificate_and_nowhere_else(official, service):
    official.says(NAME)
    with service.database.connect() as connection:
        where = {
            table.name
            for table in Base.metadata.sorted_tables
            for row in connection.execute(select(table))
            if NAME in repr(tuple(row))
        }
    assert where == {"certificates"}


def test_progress_in_the_middle_of_a_lesson_keeps_the_place(official, service):
    run_transcript(
        official,
        [
            ("no", "No certificate for now"),
            ("courses", "Test course"),
            ("the basics", "The basics (1/3)"),
            (
                "progress",
                [
                    "A certificate is available for this course: choose My progress in the menu.",
                    "The basics (1/3)",
                ],
            ),
        ],
    )
    assert "Certificates:" not in official.says("progress")
