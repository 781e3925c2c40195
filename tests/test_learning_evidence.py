"""Did people learn, and was it useful (issue #19, parts 2 and 3): a course's pre-test before
and after, a module's rating, an official's comment; in Spanish and French transcripts, and
what is stored: the pre-test goes with the person, ratings and comments are linked to nobody."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from lessons.loader import read_catalog
from storage import repo
from storage.models import (
    Certificate,
    Enrolment,
    Learner,
    LearnerComment,
    ModuleRating,
    PretestAnswer,
    utcnow,
)
from tests.conftest import Person, run_transcript
from tests.dashboard_helpers import audit, signed_in
from tests.learners import make_learners
from webhooks import create_app

EVIDENCE_CATALOG = Path(__file__).resolve().parent / "catalog_evidence"

INICIO_FUNCIONARIA = [
    ("Hola", ["Elige tu idioma", "1. Español"]),
    ("español", "¿Estás de acuerdo?"),
    ("sí", "¿Quién eres?"),
    ("1", ["¡Listo!", "1. Cursos"]),
]
DEBUT = [
    ("Bonjour", ["Choisissez votre langue", "3. Français"]),
    ("3", "Êtes-vous d'accord ?"),
    ("oui", "Qui êtes-vous ?"),
]


@pytest.fixture
def evidence_app(app_config) -> Iterator:
    """The app on a catalog whose one course, for every role, in es, en and fr, has a pre-test
    of three questions."""
    app = create_app({**app_config, "SENDA_CATALOG": str(EVIDENCE_CATALOG)})
    yield app
    app.extensions["senda"].close()


@pytest.fixture
def service(evidence_app):
    return evidence_app.extensions["senda"]


def person(service, address: str = "+5215512345678") -> Person:
    return Person(service.engine, address)


def pretest_rows(service) -> list[tuple[str, str, bool]]:
    with service.sessions() as session:
        rows = session.execute(
            select(PretestAnswer.phase, PretestAnswer.question_id, PretestAnswer.correct).order_by(
                PretestAnswer.id
            )
        )
        return [(phase, question, bool(correct)) for phase, question, correct in rows]


def ratings(service) -> list[tuple[str, str, str, int]]:
    with service.sessions() as session:
        rows = session.scalars(select(ModuleRating).order_by(ModuleRating.id))
        return [(r.module_id, r.role, r.scale, r.value) for r in rows for _ in range(r.count)]


def comments(service) -> list[tuple[str, str, str]]:
    with service.sessions() as session:
        rows = session.scalars(select(LearnerComment).order_by(LearnerComment.id))
        return [(c.module_id, c.role, c.text) for c in rows]


def test_una_funcionaria_hace_la_prueba_previa_califica_comenta_y_la_repite_al_final(service):
    funcionaria = person(service)
    run_transcript(
        funcionaria,
        [
            *INICIO_FUNCIONARIA,
            (
                "cursos",
                [
                    "Curso con prueba previa",
                    "Antes de empezar: 3 preguntas cortas para ver lo que ya sabes.",
                    "Esto no cuenta",
                    "1. Empezar las preguntas",
                    "2. Omitir",
                ],
            ),
            ("1", ["Pregunta 1 de 3 (no cuenta)", "¿De qué color es el cielo despejado?"]),
            # A garbage answer is asked again, like any question.
            ("morado con lunares", ["Perdón, no entendí.", "Pregunta 1 de 3 (no cuenta)"]),
            ("verde", ["Pregunta 2 de 3 (no cuenta)", "¿Cuántas patas tiene un perro?"]),
            ("cuatro", ["Pregunta 3 de 3 (no cuenta)", "¿Cuánto es dos más dos?"]),
            # Nothing is said of right or wrong: it does not count.
            ("omitir el resto", ["Curso con prueba previa", "1. Primer módulo"]),
        ],
    )
    assert "Correcto" not in funcionaria.says("menu") and pretest_rows(service) == [
        ("before", "colour", False),
        ("before", "legs", True),
    ]
    run_transcript(
        funcionaria,
        [
            ("cursos", ["Curso con prueba previa", "1. Primer módulo"]),  # not asked again
            ("1", "Primer módulo (1/1)"),
            ("cuestionario", "Pregunta 1 de 2"),
            ("azul", "Pregunta 2 de 2"),
            (
                "cuatro",
                [
                    "Aprobaste este módulo",
                    "Una pregunta, si quieres: ¿este módulo te sirve para tu trabajo?",
                    "Del 1 (nada) al 5 (mucho)",
                    "5. 5",
                    "6. Omitir",
                ],
            ),
            ("seis", ["Perdón, no entendí.", "te sirve para tu trabajo"]),
            (
                "4",
                [
                    "Gracias.",
                    "¿Algo que decirnos sobre este módulo?",
                    "sin ningún vínculo contigo",
                    "no se puede borrar después, ni siquiera con BORRAR",
                    "1. Omitir",
                ],
            ),
            (
                "Faltan ejemplos de Chiapas.",
                ["tu comentario queda guardado, sin ningún vínculo contigo", "Siguiente: Último"],
            ),
            ("1", "Último módulo (1/1)"),
            ("cuestionario", "Pregunta 1 de 1"),
            ("cuatro", ["Aprobaste este módulo", "te sirve para tu trabajo"]),
            (
                "omitir",
                [
                    "Aprobaste todos los módulos.",
                    "¿Respondes otra vez las 3 preguntas del inicio",
                    "1. Empezar las preguntas",
                    "2. Más tarde",
                ],
            ),
            ("1", ["Pregunta 1 de 3 (no cuenta)", "cielo despejado"]),
            ("azul", "Pregunta 2 de 3"),
            ("cuatro", "Pregunta 3 de 3"),
            (
                "cuatro",
                [
                    "Antes del curso: 1 de 3 correctas. Ahora: 3 de 3.",
                    "¡Felicidades!",  # then the certificate, as before
                ],
            ),
        ],
    )
    assert pretest_rows(service)[2:] == [
        ("after", "colour", True),
        ("after", "legs", True),
        ("after", "sum", True),
    ]
    assert ratings(service) == [("first", "official", "useful5", 4)]
    assert comments(service) == [("first", "official", "Faltan ejemplos de Chiapas.")]


def test_quien_deja_la_prueba_previa_empieza_el_curso_igual(service):
    alguien = person(service)
    run_transcript(
        alguien,
        [
            *INICIO_FUNCIONARIA,
            ("cursos", "1. Empezar las preguntas"),
            ("1", "Pregunta 1 de 3 (no cuenta)"),
            ("menú", "1. Cursos"),  # leaves in the middle
            ("cursos", ["Curso con prueba previa", "1. Primer módulo"]),
            ("1", "Primer módulo (1/1)"),
        ],
    )
    assert pretest_rows(service) == []
    # Having never answered the pre-test, nobody asks for it again at the end.
    run_transcript(
        alguien,
        [
            ("cuestionario", "Pregunta 1 de 2"),
            ("azul", "Pregunta 2 de 2"),
            ("cuatro", "te sirve para tu trabajo"),
            ("omitir", "Siguiente: Último módulo"),
            ("1", "Último módulo (1/1)"),
            ("cuestionario", "Pregunta 1 de 1"),
            ("cuatro", "te sirve para tu trabajo"),
        ],
    )
    assert "preguntas del inicio" not in alguien.says("omitir")
    assert ratings(service) == []


def test_une_fonctionnaire_fait_le_test_prealable_note_le_module_et_commente(service):
    fonctionnaire = person(service)
    run_transcript(
        fonctionnaire,
        [
            *DEBUT,
            ("1", "Menu"),
            (
                "cours",
                [
                    "Cours avec un test préalable",
                    "Avant de commencer : 3 questions courtes",
                    "Cela ne compte pas",
                    "2. Passer",
                ],
            ),
            ("commencer les questions", "Question 1 sur 3 (ne compte pas)"),
            ("n'importe quoi", ["Question 1 sur 3 (ne compte pas)", "ciel dégagé"]),
            ("bleu", "Question 2 sur 3 (ne compte pas)"),
            ("quatre", "Question 3 sur 3"),
            ("quatre", ["Merci. Place au cours.", "1. Premier module"]),
            ("1", "Premier module (1/1)"),
            ("1", "Question 1 sur 2"),
            ("bleu", "Question 2 sur 2"),
            (
                "quatre",
                [
                    "ce module est-il utile pour votre travail ?",
                    "De 1 (pas du tout) à 5 (très utile)",
                    "6. Passer",
                ],
            ),
            (
                "2",
                [
                    "Merci.",
                    "Quelque chose à nous dire sur ce module ?",
                    "sans aucun lien avec vous",
                    "même avec EFFACER",
                ],
            ),
            (
                "  Trop   long pour le terrain.  ",
                ["votre commentaire est gardé", "Suivant : Dernier module"],
            ),
        ],
    )
    assert pretest_rows(service) == [
        ("before", "colour", True),
        ("before", "legs", True),
        ("before", "sum", True),
    ]
    assert ratings(service) == [("first", "official", "useful5", 2)]
    assert comments(service) == [("first", "official", "Trop long pour le terrain.")]
    # Erasing the person erases their pre-test; the rating and the comment, linked to nobody, stay.
    assert "effacé" in fonctionnaire.says("effacer")
    assert pretest_rows(service) == []
    assert ratings(service) == [("first", "official", "useful5", 2)]
    assert comments(service) == [("first", "official", "Trop long pour le terrain.")]


def test_une_migrante_dit_si_le_module_etait_clair_et_ne_laisse_pas_de_commentaire(service):
    migrante = person(service)
    run_transcript(
        migrante,
        [
            *DEBUT,
            ("3", "Menu"),
            ("cours", ["Cours avec un test préalable", "2. Passer"]),
            ("passer", ["Cours avec un test préalable", "1. Premier module"]),
            ("1", "Premier module (1/1)"),
            ("1", "Question 1 sur 2"),
            ("bleu", "Question 2 sur 2"),
            (
                "quatre",
                ["ce module était-il clair ?", "1. Oui", "2. Un peu", "3. Non", "4. Passer"],
            ),
            # STOP works here as anywhere: the same question again.
            ("stop", ["Vous ne recevrez plus", "ce module était-il clair ?"]),
            ("un peu", ["Merci.", "Suivant : Dernier module"]),
        ],
    )
    assert "Quelque chose à nous dire" not in migrante.says("menu")
    assert ratings(service) == [("first", "migrant", "clear3", 2)]
    assert comments(service) == [] and pretest_rows(service) == []


def test_delete_during_the_comment_erases_the_person_and_their_pretest_not_the_rating(service):
    official = person(service)
    run_transcript(
        official,
        [
            ("hi", "Choose your language"),
            ("2", "Do you agree?"),
            ("yes", "Who are you?"),
            ("1", "Menu"),
            ("courses", "1. Start the questions"),
            ("1", "Question 1 of 3 (does not count)"),
            ("blue", "Question 2 of 3"),
            ("skip the rest", "1. First module"),
            ("1", "First module (1/1)"),
            ("1", "Question 1 of 2"),
            ("blue", "Question 2 of 2"),
            ("four", "useful for your work"),
            ("5", ["kept with no link to you", "cannot be deleted later"]),
        ],
    )
    assert len(pretest_rows(service)) == 1
    assert "has been erased" in official.says("delete")
    assert pretest_rows(service) == []
    assert ratings(service) == [("first", "official", "useful5", 5)]


def test_ratings_and_comments_have_no_column_that_points_at_a_person(service):
    inspector = inspect(_bind(service))
    for table in ("module_ratings", "learner_comments"):
        columns = {column["name"] for column in inspector.get_columns(table)}
        assert not columns & {"learner_id", "pseudonym", "address_hash", "channel", "language"}
        assert not [c for c in columns if c.endswith("_at")], "a day, never an instant"
        assert inspector.get_foreign_keys(table) == []
    pretest = {column["name"] for column in inspector.get_columns("pretest_answers")}
    assert "learner_id" in pretest


def rate_the_first_module(session, value: int, organisation: str | None = None) -> None:
    """An official's rating of the evidence course's first module, as the chat stores it."""
    repo.add_rating(
        session,
        course_id="evidence",
        module_id="first",
        role="official",
        organisation=organisation,
        scale="useful5",
        value=value,
    )


def test_ratings_are_counts_and_comments_have_random_ids_so_no_order_of_arrival_is_kept(service):
    with service.sessions.begin() as session:
        for value in (4, 2, 4):
            rate_the_first_module(session, value)
        for text in ("uno", "dos"):
            repo.add_comment(
                session, course_id="evidence", module_id="first", role="official", text=text
            )
        repo.add_comment(
            session, course_id="evidence", module_id="first", role="official", text="x" * 900
        )
    with service.sessions() as session:
        rows = session.scalars(select(ModuleRating).order_by(ModuleRating.value))
        assert [(r.value, r.count, r.organisation) for r in rows] == [(2, 1, ""), (4, 2, "")]
        found = list(session.scalars(select(LearnerComment)))
        assert all(len(c.id) == 32 and not c.id.isdigit() for c in found)
        assert sorted(len(c.text) for c in found) == [3, 3, 500]


def _bind(service):
    with service.sessions() as session:
        return session.get_bind()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0", "pretest must be a positive whole number of questions"),
        ("-1", "pretest must be a positive whole number of questions"),
        ("three", "pretest must be a positive whole number of questions"),
        (
            "4",
            "pretest asks 4 questions; the course has 3 to draw from (questions with options to "
            "pick one from)",
        ),
    ],
)
def test_the_validator_checks_pretest_with_its_line(tmp_path, value, problem):
    import shutil

    catalog = tmp_path / "catalog"
    shutil.copytree(EVIDENCE_CATALOG, catalog)
    course = catalog / "evidence" / "course.yaml"
    course.write_text(course.read_text().replace("pretest: 3", f"pretest: {value}"))
    _, problems = read_catalog(catalog)
    assert [str(p) for p in problems] == [f"{course}:6: {problem}"]


def test_the_pretest_draws_the_same_questions_spread_across_the_modules():
    catalog, problems = read_catalog(EVIDENCE_CATALOG)
    assert problems == []
    drawn = [(m.id, q.id) for m, q in catalog.courses[0].pretest_questions]
    assert drawn == [("first", "colour"), ("last", "legs"), ("first", "sum")]


def seed_cohort(
    service,
    count: int,
    *,
    first: int,
    referral: str | None = None,
    right_before: tuple[str, ...] = ("colour",),
    after: bool = True,
    rating: int | None = 4,
) -> None:
    """`count` officials who took the evidence course: enrolled and done, the pre-test before
    (right on `right_before`) and, if `after`, all right after; a certificate each; a rating of
    the first module each (linked to nobody, with their organisation's code)."""
    addresses = make_learners(
        service, count, "telegram", "es", role="official", first=first, referral=referral
    )
    hashes = [service.cipher.lookup_hash("telegram", address) for address in addresses]
    now = utcnow()
    with service.sessions.begin() as session:
        ids = list(session.scalars(select(Learner.id).where(Learner.address_hash.in_(hashes))))
        for number, learner_id in enumerate(ids):
            session.add(Enrolment(learner_id=learner_id, course_id="evidence", completed_at=now))
            for question in ("colour", "legs", "sum"):
                session.add(
                    PretestAnswer(
                        learner_id=learner_id,
                        course_id="evidence",
                        question_id=question,
                        phase="before",
                        correct=question in right_before,
                        answered_on=now.date(),
                    )
                )
                if after:
                    session.add(
                        PretestAnswer(
                            learner_id=learner_id,
                            course_id="evidence",
                            question_id=question,
                            phase="after",
                            correct=True,
                            answered_on=now.date(),
                        )
                    )
            session.add(
                Certificate(
                    code=f"C{first + number:09d}",
                    learner_id=learner_id,
                    course_id="evidence",
                    name="Ana",
                    language="es",
                    score=100,
                    passed_at=now,
                )
            )
            if rating is not None:
                rate_the_first_module(session, rating, referral)


def test_the_course_page_shows_before_and_after_of_those_who_took_both(evidence_app, service):
    seed_cohort(service, 6, first=0)
    seed_cohort(service, 3, first=100, after=False, rating=None)  # before only: not counted
    page = signed_in(evidence_app, "viewer").get("/dashboard/courses").get_data(as_text=True)
    assert "Before and after the course" in page
    rows = re.findall(r'<tr data-question="(\w+)">(.*?)</tr>', page, re.S)
    cells = {q: re.sub(r"<[^>]+>", "|", html).split("|") for q, html in rows}
    assert [c for c in cells["colour"] if c.strip()][1:] == ["100%", "100%", "0 points", "6"]
    assert [c for c in cells["legs"] if c.strip()][1:] == ["0%", "100%", "+100 points", "6"]
    assert "4: 6" in page and "(6 answers)" in page


def test_fewer_than_the_minimum_who_took_both_are_not_broken_down(evidence_app, service):
    seed_cohort(service, 2, first=0, rating=4)
    page = signed_in(evidence_app, "viewer").get("/dashboard/courses").get_data(as_text=True)
    assert "fewer than 5" in page
    assert "100%" not in page and "points" not in page
    assert "fewer than 5 answers" in page and "4: " not in page


def test_comments_newest_first_and_as_csv_for_editors_only(evidence_app, service):
    with service.sessions.begin() as session:
        for day, text in ((date(2026, 11, 1), "older"), (date(2026, 12, 1), "=1+1 newer")):
            session.add(
                LearnerComment(
                    course_id="evidence",
                    module_id="first",
                    role="official",
                    text=text,
                    written_on=day,
                )
            )
    viewer = signed_in(evidence_app, "viewer", "viewer@example.org")
    page = viewer.get("/dashboard/comments").get_data(as_text=True)
    assert page.index("=1+1 newer") < page.index("older")
    assert "comments.csv" not in page
    assert viewer.get("/dashboard/comments.csv").status_code == 403
    editor = signed_in(evidence_app, "editor", "editor@example.org")
    lines = editor.get("/dashboard/comments.csv").get_data(as_text=True).splitlines()
    assert lines == [
        "day,course,module,role,comment",
        "2026-12-01,evidence,first,official,'=1+1 newer",
        "2026-11-01,evidence,first,official,older",
    ]
    assert ("editor@example.org", "export", "comments.csv") in audit(service)
