"""Messages from Jinja2 templates, in the recipient's language.

``templates/<lang>/<name>.txt.j2`` defines blocks: ``subject``, ``summary``
(what the inbox shows), ``body`` (paragraphs separated by blank lines) and
optionally ``action_label`` / ``action_url`` (the link to follow). The
language's ``layout.txt.j2`` and ``layout.html.j2`` turn them into the
plain-text and HTML parts of the e-mail; a ``<name>.html.j2`` next to the
text template replaces the HTML layout for that message when a richer one is
wanted. HTML is escaped automatically, text is not (it is not HTML).

Language: the recipient's if the template exists in it, else French (see
``domain.languages``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, Template, pass_context, select_autoescape
from jinja2.runtime import Context

from notifications.domain.formatting import format_amount, format_date, format_datetime
from notifications.domain.languages import DEFAULT_LANGUAGE, template_languages

TEMPLATES_DIR = Path(__file__).parent / "templates"
_PARAGRAPHS = re.compile(r"\n\s*\n")
# Line breaks and runs of spaces, but not the no-break spaces of French amounts.
_SPACES = re.compile(r"[ \t\r\n]+")


@dataclass(frozen=True)
class RenderedMessage:
    language: str
    subject: str
    summary: str
    text: str
    html: str
    action_url: str = ""  # the page the message is about (its inbox entry links there too)


class TemplateNotFound(LookupError):
    pass


def _language(context: Context) -> str:
    return str(context.get("lang", DEFAULT_LANGUAGE))


@pass_context
def _money(context: Context, value: object, currency: str = "EUR") -> str:
    return format_amount(value, _language(context), currency)


@pass_context
def _date(context: Context, value: object) -> str:
    return format_date(value, _language(context))


@pass_context
def _datetime(context: Context, value: object) -> str:
    return format_datetime(value, _language(context))


def _block(template: Template, context: Context, name: str) -> str:
    render = template.blocks.get(name)
    return "".join(render(context)).strip() if render is not None else ""


class TemplateRenderer:
    def __init__(self, directory: Path = TEMPLATES_DIR) -> None:
        # No trim_blocks: in text messages a line break after a tag is a line break.
        self._env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
        )
        self._env.filters.update(money=_money, date=_date, datetime=_datetime)
        self._available = frozenset(self._env.list_templates())

    def has(self, name: str, language: str) -> bool:
        return f"{language}/{name}.txt.j2" in self._available

    def language_for(self, name: str, requested: str | None) -> str:
        for language in template_languages(requested):
            if self.has(name, language):
                return language
        raise TemplateNotFound(f"no template {name!r} in {template_languages(requested)}")

    def render(self, name: str, requested_language: str | None, context: Mapping[str, Any]) -> RenderedMessage:
        language = self.language_for(name, requested_language)
        variables = {**context, "lang": language}
        template = self._env.get_template(f"{language}/{name}.txt.j2")
        blocks = template.new_context(variables)
        subject = _SPACES.sub(" ", _block(template, blocks, "subject"))
        body = _block(template, blocks, "body")
        parts = {
            **variables, "subject": subject, "body": body,
            "paragraphs": [p.strip() for p in _PARAGRAPHS.split(body) if p.strip()],
            "action_label": _block(template, blocks, "action_label"),
            "action_url": _block(template, blocks, "action_url"),
        }
        text = self._env.get_template(f"{language}/layout.txt.j2").render(parts).strip() + "\n"
        html_name = f"{language}/{name}.html.j2"
        html_template = html_name if html_name in self._available else f"{language}/layout.html.j2"
        html = self._env.get_template(html_template).render(parts)
        summary = _SPACES.sub(" ", _block(template, blocks, "summary")) or subject
        return RenderedMessage(language=language, subject=subject, summary=summary, text=text, html=html,
                               action_url=parts["action_url"].strip())
