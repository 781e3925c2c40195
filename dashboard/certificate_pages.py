"""Public certificate pages: `GET /verify/<code>` confirms a certificate, `GET
/certificates/<code>.pdf` serves it. No login: the code is the key (about 49 random bits).

The verify page shows what the paper itself shows (course, name, date, score, code) so that a
reader can compare the two; nothing else about the holder: no channel, address or learner id.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request

from bot.i18n import INTERFACE_LANGUAGES, Translator
from storage import repo
from storage.models import Certificate
from webhooks import service

bp = Blueprint("certificates", __name__, template_folder="templates")

# A certificate can be erased at any moment (BORRAR): nothing may keep a copy, and the holder's
# name is not for search engines or for the sites a reader clicks through to.
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


def _page_language(fallback: str) -> str:
    """The reader's language if the interface has it, else the certificate's."""
    return request.accept_languages.best_match(INTERFACE_LANGUAGES) or fallback


def _course_title(certificate: Certificate, language: str) -> str:
    course = service().catalog.course(certificate.course_id)
    return course.text(course.title, language) if course else certificate.course_id


def _passed_on(certificate: Certificate):
    """The day the course was passed, in the service's time zone."""
    return certificate.passed_at.astimezone(ZoneInfo(service().settings.timezone)).date()


def _find(code: str) -> Certificate | None:
    with service().sessions() as session:
        certificate = repo.find_certificate(session, code)
        if certificate is not None:
            session.expunge(certificate)
        return certificate


def _unknown(t: Translator) -> Response:
    html = render_template(
        "certificates/verify.html",
        language=t.language,
        found=False,
        heading=t._("No certificate has this code"),
        explanation=t._(
            "Check the code printed on the certificate: letters and digits, with no O, I, L, 0 "
            "or 1 in it. A certificate also stops being valid when its holder erases their data."
        ),
        footer=t._("Senda verifies the certificates it issues."),
    )
    return Response(html, status=404, headers=PRIVATE_HEADERS, mimetype="text/html")


@bp.get("/verify/<code>")
def verify(code: str) -> Response:
    """Whether a certificate is valid, with what it certifies."""
    certificate = _find(code)
    if certificate is None:
        return _unknown(Translator(_page_language("es")))
    t = Translator(_page_language(certificate.language))
    score = t.percent(certificate.score / 100) if certificate.score is not None else "—"
    html = render_template(
        "certificates/verify.html",
        language=t.language,
        found=True,
        heading=t._("Valid certificate"),
        explanation=t._("Senda issued this certificate, and it is valid."),
        details=[
            (t._("Course"), _course_title(certificate, t.language)),
            (t._("Name"), certificate.name),
            (t._("Passed on"), t.date(_passed_on(certificate))),
            (t._("Average score"), score),
            (t._("Verification code"), certificate.code),
        ],
        pdf_url=f"{service().settings.public_url}/certificates/{certificate.code}.pdf",
        pdf_label=t._("The certificate (PDF)"),
        footer=t._(
            "Issued by Senda. Run by: {issuer}.",
            issuer=t.operator(service().settings.operator_name),
        ),
    )
    return Response(html, headers=PRIVATE_HEADERS, mimetype="text/html")


@bp.get("/certificates/<code>.pdf")
def certificate_file(code: str) -> Response:
    """The certificate as a PDF, in the language it was issued in."""
    # reportlab loads at the first PDF, not with the app: the worker and webhooks never need it.
    from dashboard.certificate_pdf import certificate_pdf

    certificate = _find(code)
    if certificate is None:
        return _unknown(Translator(_page_language("es")))
    settings = service().settings
    data = certificate_pdf(
        name=certificate.name,
        course_title=_course_title(certificate, certificate.language),
        passed_on=_passed_on(certificate),
        score=certificate.score,
        code=certificate.code,
        verify_url=f"{settings.public_url}/verify/{certificate.code}",
        language=certificate.language,
        issuer=Translator(certificate.language).operator(settings.operator_name),
    )
    headers = {
        **PRIVATE_HEADERS,
        "Content-Disposition": f'inline; filename="senda-certificate-{certificate.code}.pdf"',
    }
    return Response(data, headers=headers, mimetype="application/pdf")
