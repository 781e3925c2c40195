"""A module's quiz as a Moodle GIFT file, so that a course written in Senda goes back into
Moodle; reading the file back (lessons/gift.py) gives the same questions."""

from __future__ import annotations

from lessons.gift import BLANK, KEEP_ORDER_COMMENT
from lessons.model import FALSE_KEY, TRUE_KEY, Choice, Course, Module, Question, Texts

_RESERVED = str.maketrans(
    {
        "\\": "\\\\",
        "#": "\\#",
        "=": "\\=",
        "~": "\\~",
        "{": "\\{",
        "}": "\\}",
        ":": "\\:",
        "\n": "\\n",
        "\r": "",
    }
)


def escape(text: str) -> str:
    """A text with GIFT's control characters escaped (and its line breaks as `\\n`)."""
    return text.translate(_RESERVED)


def _text(text: str) -> str:
    """An escaped text, marked `[plain]` where Moodle would otherwise read HTML or a format."""
    marked = text.startswith("[") or "<" in text
    return ("[plain]" if marked else "") + escape(text)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _percent(choice: Choice) -> str:
    return _number(round(choice.credit * 100, 5))


class _Writer:
    def __init__(self, course: Course, language: str) -> None:
        self.course, self.language = course, language

    def t(self, texts: Texts) -> str:
        return self.course.text(texts, self.language)

    def feedback(self, texts: Texts) -> str:
        text = self.t(texts)
        return f"#{_text(text)}" if text else ""

    def answers(self, question: Question) -> list[str]:
        kind = question.type
        if kind == "choice":
            lines = []
            for choice in question.options:
                if choice.credit == 1 and not question.multiple:
                    mark = "="
                elif choice.credit == 0:
                    mark = "~"
                else:
                    mark = f"~%{_percent(choice)}%"
                lines.append(f"{mark}{_text(self.t(choice.text))}{self.feedback(choice.feedback)}")
            return lines
        if kind == "shortanswer":
            return [
                f"=%{_percent(c)}%{_text(self.t(c.text))}{self.feedback(c.feedback)}"
                for c in question.options
            ]
        if kind == "numerical":
            lines, others = [], []
            for choice in question.options:
                if choice.is_range:
                    value = f"{_number(choice.minimum)}..{_number(choice.maximum)}"
                elif choice.number is not None:
                    value = f"{_number(choice.number)}:{_number(choice.tolerance)}"
                else:
                    value = "*"
                # Moodle writes the `#` of a numerical answer even with no feedback after it.
                feedback = self.feedback(choice.feedback) or "#"
                if value == "*" and choice.credit == 0:  # Moodle's feedback for any other number
                    others.append(f"~{feedback}")
                else:
                    lines.append(f"=%{_percent(choice)}%{value}{feedback}")
            return lines + others
        if kind == "matching":
            return [
                f"={_text(self.t(pair.item)) if pair.item else ''} -> {escape(self.t(pair.answer))}"
                for pair in question.pairs
            ]
        return []

    def block(self, question: Question) -> str:
        kind = question.type
        if kind == "essay":
            general = self.t(question.feedback)
            return "{" + (f"####{_text(general)}" if general else "") + "}"
        if kind == "truefalse":
            true, false = question.option(TRUE_KEY), question.option(FALSE_KEY)
            right, wrong = (true, false) if true and true.correct else (false, true)
            word = "TRUE" if right is true else "FALSE"
            wrong_text = self.t(wrong.feedback) if wrong else ""
            right_text = self.t(right.feedback) if right else ""
            general = self.t(question.feedback)
            text = word
            if wrong_text or right_text:
                text += f"#{_text(wrong_text)}"
            if right_text:
                text += f"#{_text(right_text)}"
            if general:
                text += f"####{_text(general)}"
            return "{" + text + "}"
        lines = [f"\t{line}" for line in self.answers(question)]
        general = self.t(question.feedback)
        if general:
            lines.append(f"\t####{_text(general)}")
        opening = "{#" if kind == "numerical" else "{"
        return opening + "\n" + "\n".join(lines) + "\n}"

    def question(self, question: Question) -> str:
        header = [f"// question: {question.id}"]
        marks = [
            f"[{kind}:" + value.replace("]", "\\]") + "]"
            for kind, value in (
                *((("id", question.idnumber),) if question.idnumber else ()),
                *(("tag", tag) for tag in question.tags),
            )
        ]
        if marks:
            header.append("// " + " ".join(marks))
        if question.type == "choice" and not question.shuffle:
            header.append(KEEP_ORDER_COMMENT)
        name = f"::{escape(question.name or question.id)}::"
        prompt = self.t(question.prompt)
        if question.type == "description":
            return "\n".join([*header, name + _text(prompt)]) + "\n"
        block = self.block(question)
        before, blank, after = prompt.partition(BLANK)
        if blank and after.strip() and BLANK not in after and question.type != "essay":
            # A missing-word question: the answers go where the blank is, as Moodle writes it.
            body = _text(before) + block + escape(after)
        else:
            body = _text(prompt) + block
        return "\n".join([*header, name + body]) + "\n"


def module_as_gift(course: Course, module: Module, language: str) -> str:
    """The module's questions as GIFT text, in one language of the course."""
    writer = _Writer(course, language)
    title = writer.t(module.title).replace("/", "//")
    parts = [
        f"// {course.id}/{module.id}: exported from Senda\n",
        f"$CATEGORY: $course$/{title}\n",
    ]
    parts += [writer.question(question) for question in module.questions]
    return "\n".join(parts)
