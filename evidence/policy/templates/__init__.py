"""Draft dispute text templates (jinja2, plain text); a package so that its files ship in the wheel."""

__all__: list[str] = []
