"""Transcripts in Spanish, the default language: every dialog, start to end."""

from __future__ import annotations

import pytest

from tests.conftest import Person, pick, run_transcript
from webhooks import create_app

INICIO = [
    ("Hola", ["Elige tu idioma", "1. Español"]),
    (
        "español",
        [
            "Senda lo gestiona el equipo del programa Senda.",  # the default, in Spanish
            "¿Estás de acuerdo?",
            "365 días",
            "BORRAR",
            "1. Sí, acepto",
            "2. No",
        ],
    ),
    ("sí", ["¿Quién eres?"]),
    ("1", ["¡Listo!", "1. Cursos", "2. Mi progreso"]),
]


@pytest.fixture
def persona(engine) -> Person:
    return Person(engine)


def test_quien_gestiona_senda_es_el_nombre_configurado_tal_cual(app_config) -> None:
    app = create_app({**app_config, "SENDA_OPERATOR_NAME": "UNODC México"})
    try:
        persona = Person(app.extensions["senda"].engine)
        run_transcript(
            persona, [("Hola", ["Elige tu idioma"]), ("1", ["lo gestiona UNODC México."])]
        )
    finally:
        app.extensions["senda"].close()


def test_leccion_y_cuestionario_con_repaso_de_lo_fallado(persona: Person) -> None:
    run_transcript(
        persona,
        [
            *INICIO,
            ("cursos", ["Curso de prueba", "1. Lo básico", "2. Segundo módulo"]),
            ("1", ["Lo básico (1/3)", "Primera tarjeta de prueba.", "1. Siguiente", "2. Menú"]),
            ("siguiente", ["(2/3)", "2. Atrás"]),
            ("SIGUIENTE.", ["(3/3)", "1. Cuestionario (3 preguntas)"]),
            ("cuestionario", ["Pregunta 1 de 3", "¿De qué color es el cielo despejado?"]),
            ("azul", ["✅ Correcto.", "El cielo despejado es azul.", "Pregunta 2 de 3"]),
            (  # a letter is a place in what was shown, as a number is
                lambda p: "ab"[p.options.index("Cinco")],
                ["❌ No exactamente. La respuesta correcta: Cuatro", "Cinco es uno de más."],
            ),
            ("Sí", ["Acertaste 2 de 3 preguntas (67%)", "Para aprobar necesitas 70%"]),
            ("1", ["Pregunta 1 de 1", "dos más dos"]),
            (
                "cuatro",
                [
                    "Acertaste 2 de 3 preguntas (67%)",
                    "Después de repetir: 3 de 3 bien.",
                    "Para aprobar necesitas 70%",
                    "Hacer el cuestionario otra vez",
                ],
            ),
            ("hacer el cuestionario otra vez", "Pregunta 1 de 3"),
            (pick("Azul"), "Pregunta 2 de 3"),
            (pick("Cuatro"), "Pregunta 3 de 3"),
            (pick("Sí"), ["Acertaste 3 de 3 preguntas (100%)", "Aprobaste este módulo"]),
            (
                "progreso",
                [
                    "Tu progreso",
                    "Curso de prueba: 1 de 2 módulos aprobados",
                    "✓ Lo básico: aprobado en 2 intentos (100%)",
                    "Segundo módulo",
                ],
            ),
        ],
    )


def test_cambio_de_idioma_y_vuelta(persona: Person) -> None:
    run_transcript(
        persona,
        [
            *INICIO,
            ("idioma", ["Elige tu idioma", "Choose your language", "2. English"]),
            ("2", ["From now on I will write in English.", "Courses"]),
            ("language", "Choose your language"),
            ("español", ["A partir de ahora", "español", "Cursos"]),
        ],
    )


def test_palabras_globales_desde_el_cuestionario(persona: Person) -> None:
    run_transcript(
        persona,
        [
            *INICIO,
            ("1", "Lo básico"),
            ("1", "(1/3)"),
            ("1", "(2/3)"),
            ("1", "(3/3)"),
            ("1", "Pregunta 1 de 3"),
            ("SOS", ["Emergencias: llama al número de prueba 000.", "Pregunta 1 de 3"]),
            ("ayuda", ["MENÚ", "BORRAR", "Pregunta 1 de 3"]),
            ("Alto", ["REANUDAR", "Pregunta 1 de 3"]),
            ("reanudar", "Pregunta 1 de 3"),
            (pick("Azul"), ["✅ Correcto.", "Pregunta 2 de 3"]),
            ("menú", ["¿Qué quieres hacer?", "Seguir donde me quedé"]),
        ],
    )


def test_respuestas_que_no_se_entienden(persona: Person) -> None:
    run_transcript(
        persona,
        [
            *INICIO,
            ("99", ["Por favor, responde con un número del 1 al 8.", "1. Cursos"]),
            ("", ["No recibí ningún texto.", "1. Cursos"]),
            ("🙂", ["Perdón, no entendí.", "1. Cursos"]),
            ("x" * 5000, ["Perdón, no entendí.", "1. Cursos"]),
            ("cursos", "Curso de prueba"),
        ],
    )


def test_una_foto_o_una_ubicacion_reciben_respuesta(persona: Person) -> None:
    from bot.messages import Location, MediaKind

    run_transcript(persona, INICIO)
    assert "solo lee texto" in persona.says("", media=MediaKind.PHOTO).lower()
    answer = persona.says("", location=Location(14.9, -92.26))
    assert "Los servicios más cercanos" in answer and "En Tapachula, a unos 1 km de ti" in answer
    assert "¿Qué quieres hacer ahora?" in answer and "Llama antes de ir" in answer


def test_borrar_en_mitad_de_una_leccion(persona: Person, service) -> None:
    from storage.models import Learner

    run_transcript(
        persona,
        [
            *INICIO,
            ("1", "Lo básico"),
            ("1", "(1/3)"),
            ("borrar", "borramos todo lo que Senda guardaba de ti"),
        ],
    )
    with service.sessions() as session:
        assert session.query(Learner).count() == 0


def test_rechazar_el_consentimiento(persona: Person) -> None:
    run_transcript(
        persona,
        [
            ("hola", "Elige tu idioma"),
            ("1", "¿Estás de acuerdo?"),
            ("no", ["No se guarda nada sobre ti", "SOS"]),
        ],
    )
