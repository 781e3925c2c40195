"""Content as YAML files in the format of FORMAT.md (what the importers write)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from lessons.model import FALSE_KEY, TRUE_KEY, Choice, Question, Texts


class _ContentDumper(yaml.SafeDumper):
    """Block style, texts of several lines as `|` blocks, keys in the order given."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Lists indented under their key, as FORMAT.md shows them.
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not re.search(r"[ \t]\n|\n[ \t]*$", value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _mapping(dumper: yaml.SafeDumper, value: dict) -> yaml.MappingNode:
    # A text per language that fits a line reads best inline: `{es: Sí, en: "Yes"}`.
    short = all(isinstance(v, str) and "\n" not in v for v in value.values())
    flow = short and sum(len(str(k)) + len(v) + 4 for k, v in value.items()) <= 80
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=flow)


_ContentDumper.add_representer(str, _text)
_ContentDumper.add_representer(dict, _mapping)


def dump_yaml(data: Any) -> str:
    """YAML text for content data."""
    return yaml.dump(
        data, Dumper=_ContentDumper, allow_unicode=True, sort_keys=False, width=4096, indent=2
    )


def _texts(texts: Texts) -> dict[str, str]:
    return dict(texts)


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _weight(choice: Choice, data: dict[str, Any]) -> None:
    if choice.weight is not None:
        data["weight"] = _number(choice.weight)
    elif choice.correct:
        data["correct"] = True


def _option(question: Question, choice: Choice) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if question.type == "numerical":
        if choice.is_range:
            data["min"], data["max"] = _number(choice.minimum), _number(choice.maximum)
        elif choice.number is not None:
            data["number"] = _number(choice.number)
            if choice.tolerance:
                data["tolerance"] = _number(choice.tolerance)
        else:
            data["other"] = True
    else:
        data["text"] = _texts(choice.text)
    _weight(choice, data)
    if choice.feedback:
        data["feedback"] = _texts(choice.feedback)
    return data


def question_data(question: Question) -> dict[str, Any]:
    """A question as the mapping a module file holds."""
    data: dict[str, Any] = {"id": question.id}
    if question.type != "choice":
        data["type"] = question.type
    if question.name:
        data["name"] = question.name
    if question.idnumber:
        data["idnumber"] = question.idnumber
    if question.tags:
        data["tags"] = list(question.tags)
    data["prompt"] = _texts(question.prompt)
    if question.type == "truefalse":
        true, false = question.option(TRUE_KEY), question.option(FALSE_KEY)
        data["answer"] = bool(true and true.correct)
        for key, choice in ((TRUE_KEY, true), (FALSE_KEY, false)):
            if choice is not None and choice.feedback:
                data[f"feedback_{key}"] = _texts(choice.feedback)
    elif question.type == "matching":
        data["pairs"] = [
            ({"item": _texts(pair.item)} if pair.item else {}) | {"answer": _texts(pair.answer)}
            for pair in question.pairs
        ]
    elif question.options:
        if question.multiple:
            data["multiple"] = True
        if not question.shuffle:
            data["shuffle"] = False
        data["options"] = [_option(question, choice) for choice in question.options]
    if question.feedback:
        data["feedback"] = _texts(question.feedback)
    data["source"] = question.source
    return data


def append_to_list(text: str, key: str, items: list[Any]) -> str | None:
    """A YAML file's text with items added at the end of a top-level block list, keeping the
    rest of the file (its comments too) as it was; a key that is absent is added at the end.
    None when the list is written inline (`key: [a, b]`): the caller rewrites the file."""
    lines = text.splitlines(keepends=True)
    if any(re.match(rf"^{re.escape(key)}:\s*[^\s#]", line) for line in lines):
        return None
    block_start = re.compile(rf"^{re.escape(key)}:\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if block_start.match(line.rstrip("\n"))), None)
    if start is None:
        return text.rstrip("\n") + "\n" + dump_yaml({key: items})
    last, indent = start, None
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if not line.strip() or line.strip().startswith("#"):
            continue
        if not line[0].isspace() and not line.startswith("-"):
            break  # the next top-level key
        if indent is None:
            indent = len(line) - len(line.lstrip(" "))
        last = index
    pad = " " * (2 if indent is None else indent)
    new = [pad + line if line.strip() else line for line in dump_yaml(items).splitlines(True)]
    head = lines[: last + 1]
    if not head[-1].endswith("\n"):
        head[-1] += "\n"
    return "".join(head + new + lines[last + 1 :])
