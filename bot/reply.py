"""What the mentor says back, in platform-neutral form.

Text uses a small markup subset that every adapter can render:
``*bold*``, ``_italic_``, ```code```, lines starting with ``- `` as bullets, and
``<url|label>`` links. Structure (sections, fields, buttons, choices, forms) is data, so
Slack renders Block Kit, Discord embeds and views, and the console numbered options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, cast


@dataclass(frozen=True, slots=True)
class Field:
    """A short label/value pair, shown side by side where the platform can."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Section:
    """A block of text with an optional heading and fields."""

    text: str = ""
    title: str | None = None
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True, slots=True)
class Button:
    """A button; clicking it sends ``Action(action_id, value)`` back to the core."""

    label: str
    action_id: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True, slots=True)
class Option:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Choice:
    """A single-choice select; picking sends ``Action(action_id, option.value)``."""

    action_id: str
    placeholder: str
    options: tuple[Option, ...]


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of a form. ``kind`` decides the widget: a line, a paragraph, a select."""

    name: str
    label: str
    kind: Literal["text", "textarea", "select"] = "text"
    required: bool = True
    max_length: int = 500
    initial: str = ""
    placeholder: str = ""
    options: tuple[Option, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "required": self.required,
            "max_length": self.max_length,
            "initial": self.initial,
            "placeholder": self.placeholder,
            "options": [[o.label, o.value] for o in self.options],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FormField:
        kind = data.get("kind", "text")
        if kind not in ("text", "textarea", "select"):
            raise ValueError(f"unknown form field kind {kind!r}")
        return cls(
            name=str(data["name"]),
            label=str(data["label"]),
            kind=cast(Literal["text", "textarea", "select"], kind),
            required=bool(data.get("required", True)),
            max_length=int(data.get("max_length", 500)),
            initial=str(data.get("initial", "")),
            placeholder=str(data.get("placeholder", "")),
            options=tuple(Option(str(label), str(value)) for label, value in data["options"]),
        )


@dataclass(frozen=True, slots=True)
class Form:
    """A form (modal); submitting sends ``FormSubmit(form_id, values)``."""

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str

    def to_json(self) -> dict[str, Any]:
        """The form as JSON-able data: a form asked in pages is kept in the database
        between its pages (``bot/forms.py``); ``from_json`` reads it back equal."""
        return {
            "form_id": self.form_id,
            "title": self.title,
            "fields": [f.to_json() for f in self.fields],
            "submit_label": self.submit_label,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Form:
        return cls(
            form_id=str(data["form_id"]),
            title=str(data["title"]),
            fields=tuple(FormField.from_json(f) for f in data["fields"]),
            submit_label=str(data["submit_label"]),
        )


@dataclass(frozen=True, slots=True)
class Reply:
    """One message from the mentor.

    ``private`` asks the adapter to show it only to the member (Slack ephemeral,
    Discord ephemeral); ``form`` asks it to open a form instead of posting text;
    ``errors`` carries per-field messages for a rejected form submission.
    """

    text: str = ""
    title: str | None = None
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    choices: tuple[Choice, ...] = ()
    form: Form | None = None
    errors: dict[str, str] = field(default_factory=dict)
    private: bool = True
    files: tuple[str, ...] = ()
    #: A document adapters attach as a file (the JSON export, the Markdown packet); the
    #: console prints it.
    document: str | None = None
    #: The attached document's file name; its extension tells the platform the type.
    document_name: str = "mentorbot-export.json"

    def plain_text(self) -> str:
        """All visible text, in reading order: used by tests and the console."""
        parts = [p for p in (self.title, self.text) if p]
        for section in self.sections:
            parts.extend(p for p in (section.title, section.text) if p)
            parts.extend(f"{f.label}: {f.value}" for f in section.fields)
        parts.extend(b.label for b in self.buttons)
        for choice in self.choices:
            parts.extend(o.label for o in choice.options)
        return "\n".join(parts)
