"""Render a template from templates/ to text, for content pyinfra places inside a file (files.block)."""

from functools import cache
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def block_syntax() -> dict:
    """Jinja2 options for templates with {% for %}/{% if %} lines; pass as files.template(jinja_env_kwargs=…)."""
    return {"trim_blocks": True, "lstrip_blocks": True}


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, **block_syntax())


def render(name: str, **values) -> str:
    return _environment().get_template(name).render(**values)
