"""Message templates are rendered as plain text: no HTML escaping of the customer's data."""

from django.template import Context, Engine, Template

_engine = Engine(autoescape=False)


def render(source: str, context: dict) -> str:
    """Render a template string. Raises TemplateSyntaxError (or whatever a filter raises)."""
    return Template(source, engine=_engine).render(Context(context, autoescape=False))


def render_subject(source: str, context: dict) -> str:
    return " ".join(render(source, context).split())


def check(source: str) -> None:
    """Raise TemplateSyntaxError when `source` does not compile."""
    Template(source, engine=_engine)
