"""The rules of directory entries and the CSV round trip staff use to keep the directory."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date

import pytest

from lessons.directory.checks import problems_of
from lessons.directory.entries import Service
from lessons.directory.spreadsheet import COLUMNS, MAX_BYTES, from_csv, to_csv

TODAY = date(2026, 6, 15)  # fixed, so "the future" does not move under the tests

SHELTER = Service(
    id="albergue-belen-tapachula",
    kinds=("shelter", "food"),
    name="Albergue Belén",
    city="Tapachula",
    state="chiapas",
    address="Calle 8a Sur 50, Col. Belén",
    phones=("+52 962 128 2277", "+52 962 625 1234"),
    hours={"es": "Todos los días, 8:00 a 20:00", "en": "Every day, 8:00 to 20:00"},
    offers={
        "es": "Cama, comida y regaderas",
        "en": "Bed, food and showers",
        "fr": "Lit, repas et douches",
        "ht": "Kabann, manje ak douch",
    },
    serves=("families", "women", "children"),
    languages=("es", "mam"),
    latitude=14.9035,
    longitude=-92.2584,
    source="https://example.org/directorio-2025.pdf",
    checked="2025-11",
)
LINE = Service(
    id="emergencias-911",
    kinds=("line",),
    name="Emergencias",
    phones=("911",),
    offers={"es": "Policía, ambulancia y bomberos"},
    source="https://www.gob.mx/911",
    checked="2026-01-20",
)
QUOTED = Service(
    id="casa-del-migrante-saltillo",
    kinds=("shelter", "legal"),
    name='Casa del Migrante "Frontera con Justicia", A.C.',
    city="Saltillo",
    state="coahuila",
    offers={"es": 'Comida, ropa y "asesoría"\nlegal, gratis', "en": "Food, clothes\r\nand advice"},
    source="staff visit",
)
CONSULATE = Service(
    id="consulado-guatemala-tapachula",
    kinds=("consulate",),
    name="Consulado de Guatemala",
    city="Tapachula",
    state="chiapas",
    phones=("+52 962 626 1252",),
    country="GT",
    latitude=15.0,  # a whole number, which must still export the same way twice
    longitude=-92,  # an int written by hand reads back as the equal float -92.0
    source="https://example.org/consulados",
)


def test_hand_built_entries_keep_every_rule():
    for service in (SHELTER, LINE, QUOTED, CONSULATE):
        assert problems_of(service, today=TODAY) == [], service.id


# --- the round trip -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "services",
    [
        pytest.param((), id="no-entries"),
        pytest.param((SHELTER,), id="shelter"),
        pytest.param((LINE,), id="national-line"),
        pytest.param((QUOTED,), id="quotes-commas-newlines"),
        pytest.param((CONSULATE,), id="whole-number-coordinates"),
        pytest.param((SHELTER, LINE, QUOTED, CONSULATE), id="all"),
    ],
)
def test_export_import_export_is_exact(services):
    exported = to_csv(services)
    imported, problems = from_csv(exported.encode(), "directory.csv", today=TODAY)
    assert problems == []
    assert imported == services
    assert to_csv(imported).encode() == exported.encode()


def test_export_format():
    assert to_csv([LINE]) == (
        ",".join(COLUMNS) + "\r\n"
        'emergencias-911,line,Emergencias,,,,911,,,,,"Policía, ambulancia y bomberos",,,,,,,,,'
        "https://www.gob.mx/911,2026-01-20\r\n"
    )
    row = next(csv.DictReader(io.StringIO(to_csv([SHELTER]))))
    assert row["phones"] == "+52 962 128 2277; +52 962 625 1234"
    assert row["serves"] == "families; women; children"
    assert row["latitude"] == "14.9035"
    assert row["hours_fr"] == ""
    assert row["offers_ht"] == "Kabann, manje ak douch"


def test_excel_bom_is_accepted():
    data = b"\xef\xbb\xbf" + to_csv([SHELTER, LINE]).encode()
    assert from_csv(data, "excel.csv", today=TODAY) == ((SHELTER, LINE), [])


def test_missing_optional_columns_read_empty_and_header_is_forgiving():
    data = b" ID ,Kinds,name,source,phones\r\nemergencias-089,line,Denuncia anonima,gob.mx,089\r\n"
    services, problems = from_csv(data, "t.csv", today=TODAY)
    assert problems == []
    assert services == (
        Service(
            id="emergencias-089",
            kinds=("line",),
            name="Denuncia anonima",
            phones=("089",),
            source="gob.mx",
        ),
    )


def test_cells_are_trimmed_and_lists_read_however_staff_space_them():
    data = _csv(
        _row(
            name=" Albergue Belén ",
            city="Tapachula ",
            kinds="shelter;food ;",
            phones=" +52 962 128 2277;;+52 962 625 1234 ",
        )
    )
    services, problems = from_csv(data, "t.csv", today=TODAY)
    assert problems == []
    assert (services[0].name, services[0].city) == ("Albergue Belén", "Tapachula")
    assert services[0].kinds == ("shelter", "food")
    assert services[0].phones == ("+52 962 128 2277", "+52 962 625 1234")


# --- bad files ------------------------------------------------------------------------------

HEADER = ("id", "kinds", "name", "city", "state", "phones", "latitude", "longitude", "source")


def _row(**changes: str) -> dict[str, str]:
    """A valid shelter row, with some cells changed."""
    return {
        "id": "albergue-belen-tapachula",
        "kinds": "shelter",
        "name": "Albergue Belén",
        "city": "Tapachula",
        "state": "chiapas",
        "phones": "+52 962 128 2277",
        "latitude": "14.9035",
        "longitude": "-92.2584",
        "source": "visit",
        **changes,
    }


def _csv(*rows: dict[str, str], header: tuple[str, ...] = HEADER) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([row[name] for name in header] for row in rows)
    return out.getvalue().encode()


KINDS_TEXT = "shelter, food, asylum, legal, health, human_rights, un, consulate, line"
OUTSIDE = "are outside Mexico (latitude 14.3 to 32.8, longitude -118.6 to -86.5)"

BAD_FILES = [
    pytest.param(
        _csv(_row(), header=tuple(c for c in HEADER if c != "kinds")),
        ["t.csv:1: missing column 'kinds'"],
        id="missing-column",
    ),
    pytest.param(
        b"id;kinds;name;source\r\nx;line;X;y\r\n",
        ["t.csv:1: the file must be comma-separated; this one uses ';'"],
        id="semicolon-delimiter",
    ),
    pytest.param(
        b"id\tkinds\tname\tsource\r\nx\tline\tX\ty\r\n",
        ["t.csv:1: the file must be comma-separated; this one uses tabs"],
        id="tab-delimiter",
    ),
    pytest.param(
        _csv(_row()).decode().encode("latin-1"),
        ["t.csv:2: file is not UTF-8: save it from the spreadsheet as 'CSV UTF-8'"],
        id="latin-1-not-utf-8",
    ),
    pytest.param(
        b"id,kinds,name,source\r\n" + b"\r\n" * MAX_BYTES,
        ["t.csv:1: file is larger than 5 MB"],
        id="over-5-mb",
    ),
    pytest.param(
        _csv(_row(phones="962-128-2277")),
        ["t.csv:2: phone '962-128-2277' must be written '+52 962 128 2277'"],
        id="phone-not-in-international-form",
    ),
    pytest.param(
        _csv(_row(phones="12345678")),
        ["t.csv:2: phone '12345678' is not a valid number; write it like '+52 962 128 2277'"],
        id="phone-not-a-number",
    ),
    pytest.param(
        _csv(_row(kinds="hotel")),
        [f"t.csv:2: kind 'hotel' is not one of {KINDS_TEXT}"],
        id="unknown-kind",
    ),
    pytest.param(
        _csv(_row(latitude="0", longitude="0")),
        [f"t.csv:2: coordinates 0.0, 0.0 {OUTSIDE}"],
        id="coordinates-outside-mexico",
    ),
    pytest.param(
        _csv(_row(latitude="abc")),
        ["t.csv:2: latitude 'abc' is not a number (write it like 14.9035)"],
        id="latitude-not-a-number",
    ),
    pytest.param(
        _csv(_row(longitude="-92,2584")),
        ["t.csv:2: longitude '-92,2584' is not a number (write it like 14.9035)"],
        id="decimal-comma",
    ),
    pytest.param(
        _csv(_row(latitude="")),
        ["t.csv:2: latitude and longitude must both be given or both be empty"],
        id="latitude-without-longitude",
    ),
    pytest.param(
        _csv(_row(state="atlantis")),
        ["t.csv:2: state 'atlantis' is not a state id (such as 'chiapas' or 'ciudad-de-mexico')"],
        id="unknown-state",
    ),
    pytest.param(
        _csv(_row(), _row(id="otro"), _row()),
        ["t.csv:4: id 'albergue-belen-tapachula' is already used on line 2"],
        id="duplicate-id-on-line-4",
    ),
    pytest.param(
        _csv(_row(checked="2031-01"), header=(*HEADER, "checked")),
        ["t.csv:2: checked '2031-01' is in the future"],
        id="checked-in-the-future",
    ),
    pytest.param(
        _csv(_row(checked="2026-02-30"), header=(*HEADER, "checked")),
        ["t.csv:2: checked '2026-02-30' must be a date YYYY-MM-DD or YYYY-MM"],
        id="checked-not-a-date",
    ),
    pytest.param(
        _csv(_row()).rstrip(b"\r\n") + b",surplus\r\n",
        [f"t.csv:2: row has {len(HEADER) + 1} cells but the header has {len(HEADER)} columns"],
        id="extra-cell",
    ),
    pytest.param(
        _csv(_row(notes="call first"), header=(*HEADER, "notes")),
        ["t.csv:1: unknown column 'notes'"],
        id="unknown-column",
    ),
    pytest.param(
        _csv(_row(name=""), header=(*HEADER, "name")),
        ["t.csv:1: column 'name' appears more than once"],
        id="column-twice",
    ),
    pytest.param(b"", ["t.csv:1: file is empty: its first row must name the columns"], id="empty"),
    pytest.param(
        to_csv([QUOTED, dataclasses.replace(SHELTER, kinds=("hotel",))]).encode(),
        # QUOTED's offers hold two line breaks, so it fills lines 2 to 4 of the file.
        [f"t.csv:5: kind 'hotel' is not one of {KINDS_TEXT}"],
        id="line-after-multiline-cells",
    ),
    pytest.param(
        to_csv([dataclasses.replace(QUOTED, kinds=("hotel",))]).encode(),
        # A row is named by the line it starts on, where staff find its id.
        [f"t.csv:2: kind 'hotel' is not one of {KINDS_TEXT}"],
        id="multiline-row-named-by-first-line",
    ),
]


@pytest.mark.parametrize(("data", "expected"), BAD_FILES)
def test_bad_file_is_reported_by_file_and_line(data, expected):
    assert from_csv(data, "t.csv", today=TODAY)[1] == expected


def test_exactly_5_mb_is_read():
    header = b"id,kinds,name,source\r\n"
    data = header + b"\n" * (MAX_BYTES - len(header))  # empty rows are skipped
    assert len(data) == MAX_BYTES
    assert from_csv(data, "t.csv") == ((), [])


def test_empty_rows_are_skipped_and_lines_still_counted():
    good, bad = _csv(_row()).decode(), _csv(_row(id="x", kinds="hotel")).decode()
    data = good + "\r\n,,,,,,,,\r\n" + bad.split("\r\n", 1)[1]
    services, problems = from_csv(data.encode(), "t.csv", today=TODAY)
    assert [service.id for service in services] == ["albergue-belen-tapachula", "x"]
    assert problems == [f"t.csv:5: kind 'hotel' is not one of {KINDS_TEXT}"]  # 3 and 4 empty


def test_rows_read_are_returned_even_with_problems():
    services, problems = from_csv(_csv(_row(phones="962-128-2277")), "t.csv", today=TODAY)
    assert problems  # so the caller writes nothing
    assert [service.phones for service in services] == [("962-128-2277",)]


def test_future_is_today_by_default():
    future = f"{date.today().year + 1}-01"
    _, problems = from_csv(_csv(_row(checked=future), header=(*HEADER, "checked")), "t")
    assert problems == [f"t:2: checked '{future}' is in the future"]


def test_city_exists_is_asked_and_honoured():
    asked = []

    def city_exists(city: str, state: str) -> bool:
        asked.append((city, state))
        return (city, state) == ("Tapachula", "chiapas")

    data = _csv(_row(), _row(id="otro", city="Tapahcula"))
    _, problems = from_csv(data, "t.csv", city_exists, today=TODAY)
    assert asked == [("Tapachula", "chiapas"), ("Tapahcula", "chiapas")]
    assert problems == ["t.csv:3: city 'Tapahcula' is not a GeoNames city of state chiapas"]
    assert from_csv(data, "t.csv", today=TODAY)[1] == []  # no gazetteer, no such check


# --- the rules, one by one ------------------------------------------------------------------

RULES = [
    pytest.param({"id": "Albergue_1"}, ["id 'Albergue_1' must be 1 to 64 lowercase"], id="id-case"),
    pytest.param({"id": "a" * 65}, ["id '" + "a" * 65 + "' must be 1 to 64"], id="id-too-long"),
    pytest.param({"kinds": ()}, ["kinds is empty"], id="no-kinds"),
    pytest.param({"kinds": ("food", "food")}, ["kind 'food' is listed twice"], id="kind-twice"),
    pytest.param({"name": ""}, ["name is empty"], id="no-name"),
    pytest.param({"name": "x" * 121}, ["name is 121 characters long"], id="name-too-long"),
    pytest.param({"name": "Belén "}, ["name has spaces at its start or end"], id="name-spaces"),
    pytest.param({"city": ""}, ["city is empty"], id="no-city"),
    pytest.param({"state": ""}, ["state is empty"], id="no-state"),
    pytest.param({"phones": ("911",)}, ["phone '911' is a short code; only a line"], id="short"),
    pytest.param(
        {"phones": ("+52 962 128 2277", "+52 962 128 2277")},
        ["phone '+52 962 128 2277' is listed twice"],
        id="phone-twice",
    ),
    pytest.param({"phones": ("+1 202-555-0143",)}, [], id="foreign-number-in-its-form"),
    pytest.param({"phones": ("+52 800 123 4567",)}, [], id="toll-free"),
    pytest.param({"latitude": 32.9}, ["coordinates 32.9, -92.2584 are outside"], id="north"),
    pytest.param({"latitude": float("nan")}, ["coordinates nan, -92.2584 are"], id="nan"),
    pytest.param({"serves": ("elders",)}, ["serves 'elders' is not one of families"], id="serves"),
    pytest.param({"country": "gt"}, ["country 'gt' must be two capital letters"], id="country"),
    pytest.param({"languages": ("Spanish",)}, ["language 'Spanish' must be 2 or 3"], id="lang"),
    pytest.param({"source": ""}, ["source is empty"], id="no-source"),
    pytest.param({"checked": "2025-13"}, ["checked '2025-13' must be a date"], id="month-13"),
    pytest.param({"checked": "15/06/2026"}, ["checked '15/06/2026' must be"], id="date-form"),
    pytest.param({"checked": "2026-06"}, [], id="this-month-is-not-future"),
    pytest.param({"checked": "2026-06-16"}, ["checked '2026-06-16' is in the"], id="tomorrow"),
    pytest.param({"hours": {"de": "Immer"}}, ["hours has a text in 'de'; only es, en"], id="de"),
    pytest.param({"offers": {"es": "x" * 301}}, ["offers_es is 301 characters long"], id="long"),
    pytest.param({"offers": {"es": ""}}, ["offers_es is empty"], id="empty-text"),
]


@pytest.mark.parametrize(("changes", "expected"), RULES)
def test_each_rule(changes, expected):
    problems = problems_of(dataclasses.replace(SHELTER, **changes), today=TODAY)
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start), problems


def test_line_rules():
    assert problems_of(dataclasses.replace(LINE, phones=()), today=TODAY) == [
        "a line needs at least one phone"
    ]
    assert problems_of(dataclasses.replace(LINE, phones=("*0311",)), today=TODAY) == []
    state_line = dataclasses.replace(LINE, state="chiapas")
    assert problems_of(state_line, today=TODAY) == []
    assert problems_of(dataclasses.replace(LINE, city="Tapachula"), today=TODAY) == [
        "state is empty"
    ]
