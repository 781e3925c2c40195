"""What a text costs on SMS: the GSM-7 alphabet, the text in it, and the segments it takes.

Spanish, French and Kreyòl accents (á í ó ú, ê, ç), guillemets, curly quotes and dashes are not
in GSM 03.38, and one of them turns a whole SMS into UCS-2: 70 characters a segment instead of
160. Like RapidPro's "smart encoding", the SMS channel sends `to_gsm(text)`: each character
outside the set becomes its closest GSM-7 form (the letter without its accent, straight quotes,
a hyphen). Characters that have none (emoji, other scripts) stay, and the SMS goes in UCS-2.
The channel and the content validator count with the same `sms_segments`.
"""

from __future__ import annotations

import unicodedata

# GSM 03.38: the basic set is one septet a character, the extension set two.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")
SEGMENT_LIMIT = 3  # the most segments one answer may cost on SMS (459 septets in GSM-7)

# Punctuation and letters that NFD does not bring into the set.
_REPLACEMENTS = {
    "«": '"',
    "»": '"',
    "“": '"',
    "”": '"',
    "„": '"',
    "‘": "'",
    "’": "'",
    "‚": "'",
    "–": "-",
    "—": "-",
    "‑": "-",
    "−": "-",
    "…": "...",
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space (before French ; : ! ?)
    "\u2009": " ",  # thin space
    "\t": " ",
    "œ": "oe",
    "Œ": "OE",
    "•": "-",
    "·": ".",
    "º": "o",
    "ª": "a",
    "°": "o",
}


def _gsm_form(character: str) -> str:
    if character in GSM_BASIC or character in GSM_EXTENSION:
        return character
    if character in _REPLACEMENTS:
        return _REPLACEMENTS[character]
    decomposed = unicodedata.normalize("NFD", character)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    if plain and all(c in GSM_BASIC for c in plain):
        return plain
    return character  # no GSM-7 form: the message goes in UCS-2


def to_gsm(text: str) -> str:
    """The text with every character that has a GSM-7 form written in it ("Kreyòl" stays, ò
    is in the set; "Línea" becomes "Linea"; « » become straight quotes)."""
    return "".join(_gsm_form(c) for c in text)


def sms_segments(text: str) -> tuple[str, int]:
    """The encoding an SMS needs (GSM-7 or UCS-2) and how many segments it costs."""
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text):
        septets = sum(2 if c in GSM_EXTENSION else 1 for c in text)
        return "GSM-7", 1 if septets <= 160 else -(-septets // 153)
    units = len(text.encode("utf-16-le")) // 2
    return "UCS-2", 1 if units <= 70 else -(-units // 67)


def fits_sms(text: str, segments: int = SEGMENT_LIMIT) -> bool:
    """Whether a text, as the SMS channel sends it, costs at most `segments` segments."""
    return sms_segments(to_gsm(text))[1] <= segments
