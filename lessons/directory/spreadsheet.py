"""The directory as CSV, for programme staff who keep it in a spreadsheet: export every entry,
and read the file back with every problem named by file and line.

Lists (kinds, phones, serves, languages) sit in one cell joined with "; ", texts have a column
per language (hours_es ... offers_ht), and empty fields are empty cells. Export, import and
export again gives the same bytes, and the imported entries equal the exported ones.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from collections.abc import Callable, Iterable
from datetime import date

from lessons.directory.checks import LANGUAGES, TEXT_FIELDS, problems_of
from lessons.directory.entries import Service

__all__ = ["COLUMNS", "LANGUAGES", "MAX_BYTES", "REQUIRED", "from_csv", "to_csv"]

COLUMNS: tuple[str, ...] = (
    "id",
    "kinds",
    "name",
    "city",
    "state",
    "address",
    "phones",
    *(f"{field}_{language}" for field in TEXT_FIELDS for language in LANGUAGES),
    "serves",
    "languages",
    "country",
    "latitude",
    "longitude",
    "source",
    "checked",
)
# Without these a row is not an entry; every other column may be left out and reads as empty.
REQUIRED = ("id", "kinds", "name", "source")
LIST_COLUMNS = ("kinds", "phones", "serves", "languages")
NUMBER_COLUMNS = ("latitude", "longitude")
MAX_BYTES = 5 * 1024 * 1024
SEPARATOR = "; "
# What a one-cell header most likely means, as staff would recognise it.
_DELIMITERS = {";": "';'", "\t": "tabs"}


def to_csv(services: Iterable[Service]) -> str:
    """The entries as CSV text: a header row, then one row per entry, lines ending in CRLF."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)  # the excel dialect: commas, minimal quoting, "\r\n"
    writer.writerow(COLUMNS)
    for service in services:
        writer.writerow(_cells(service))
    return out.getvalue()


def from_csv(
    data: bytes,
    filename: str,
    city_exists: Callable[[str, str], bool] | None = None,
    *,
    today: date | None = None,
) -> tuple[tuple[Service, ...], list[str]]:
    """The entries of a CSV file and its problems, each as "FILENAME:LINE: message"."""

    # The caller must write nothing when the problems are not empty: the entries returned are
    # then only those read so far (every data row that could be read, rules broken or not, for
    # a preview), never a directory to save. LINE is the file's line where the row starts
    # (header = 1); problems of the whole file (size, encoding, delimiter) name line 1 or the
    # line of the first byte that is not UTF-8. `today` is for problems_of.
    def problem(line: int, message: str) -> str:
        return f"{filename}:{line}: {message}"

    if len(data) > MAX_BYTES:
        return (), [problem(1, "file is larger than 5 MB")]
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError as error:
        # splitlines, like the reader, also ends a line at a lone "\r" (old Mac spreadsheets).
        line = len((data[: error.start] + b"x").splitlines())
        return (), [problem(line, "file is not UTF-8: save it from the spreadsheet as 'CSV UTF-8'")]

    reader = csv.reader(io.StringIO(text, newline=""))
    services: list[Service] = []
    problems: list[str] = []
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            return (), [problem(1, "file is empty: its first row must name the columns")]
        names = [cell.strip().lower() for cell in header]
        header_problems = _header_problems(names)
        if header_problems:
            return (), [problem(1, message) for message in header_problems]
        problems += [
            problem(1, f"unknown column {name!r}") for name in names if name and name not in COLUMNS
        ]

        first_line: dict[str, int] = {}
        previous_end = reader.line_num
        for row in reader:
            # A quoted cell may span lines: the row starts just after the previous one ended.
            line, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            service, row_problems = _read_row(row, names, city_exists, today)
            if service is not None:
                if service.id in first_line:
                    row_problems.append(
                        f"id {service.id!r} is already used on line {first_line[service.id]}"
                    )
                else:
                    first_line[service.id] = line
                services.append(service)
            problems += [problem(line, message) for message in row_problems]
    except csv.Error as error:
        problems.append(problem(reader.line_num or 1, f"the file cannot be read as CSV: {error}"))
    return tuple(services), problems


def _cells(service: Service) -> list[str]:
    """One row of the export, in the order of COLUMNS."""
    cells = []
    for column in COLUMNS:
        if column in LIST_COLUMNS:
            cells.append(SEPARATOR.join(getattr(service, column)))
        elif column in NUMBER_COLUMNS:
            value = getattr(service, column)
            # str() of a float is the shortest text that reads back as the same float; float()
            # first so an int written by hand exports as "15.0", as it will after an import.
            cells.append("" if value is None else str(float(value)))
        elif column.rsplit("_", 1)[0] in TEXT_FIELDS:
            field_name, language = column.rsplit("_", 1)
            cells.append(getattr(service, field_name).get(language, ""))
        else:
            cells.append(getattr(service, column))
    return cells


def _header_problems(names: list[str]) -> list[str]:
    """What stops the rows from being read at all."""
    if len(names) == 1:
        for delimiter, described in _DELIMITERS.items():
            if delimiter in names[0]:
                return [f"the file must be comma-separated; this one uses {described}"]
    problems = [f"missing column {name!r}" for name in REQUIRED if name not in names]
    problems += [
        f"column {name!r} appears more than once"
        for name in dict.fromkeys(names)
        if name and names.count(name) > 1
    ]
    return problems


def _read_row(
    row: list[str],
    names: list[str],
    city_exists: Callable[[str, str], bool] | None,
    today: date | None,
) -> tuple[Service | None, list[str]]:
    """The entry of one data row and its problems (no entry when the row cannot be one)."""
    if len(row) > len(names):
        return None, [f"row has {len(row)} cells but the header has {len(names)} columns"]
    problems = []
    # Spreadsheets drop trailing empty cells, so a short row reads as empty to the end.
    cells: dict[str, str] = {}
    for number, (name, cell) in enumerate(zip(names, row, strict=False), start=1):
        if name in COLUMNS:
            cells[name] = cell.strip()
        elif not name and cell.strip():
            problems.append(f"cell {number} has a value but its column has no name")

    def listed(column: str) -> tuple[str, ...]:
        items = (item.strip() for item in cells.get(column, "").split(";"))
        return tuple(item for item in items if item)

    numbers: dict[str, float | None] = {}
    for column in NUMBER_COLUMNS:
        numbers[column] = None
        cell = cells.get(column, "")
        if not cell:
            continue
        try:
            value = float(cell)
        except ValueError:
            value = math.nan
        if math.isfinite(value):
            numbers[column] = value
        else:
            problems.append(f"{column} {cell!r} is not a number (write it like 14.9035)")

    texts = {
        field_name: {
            language: cells[f"{field_name}_{language}"]
            for language in LANGUAGES
            if cells.get(f"{field_name}_{language}")
        }
        for field_name in TEXT_FIELDS
    }
    service = Service(
        id=cells.get("id", ""),
        kinds=listed("kinds"),
        name=cells.get("name", ""),
        city=cells.get("city", ""),
        state=cells.get("state", ""),
        address=cells.get("address", ""),
        phones=listed("phones"),
        hours=texts["hours"],
        offers=texts["offers"],
        serves=listed("serves"),
        languages=listed("languages"),
        country=cells.get("country", ""),
        latitude=numbers["latitude"],
        longitude=numbers["longitude"],
        source=cells.get("source", ""),
        checked=cells.get("checked", ""),
    )
    checked = service
    if problems and any(cells.get(column) and numbers[column] is None for column in NUMBER_COLUMNS):
        # A coordinate already reported as no number is not reported again as missing.
        checked = dataclasses.replace(service, latitude=None, longitude=None)
    problems += problems_of(checked, city_exists, today=today)
    return service, problems
