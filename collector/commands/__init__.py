"""One module per sub-command group; each exposes ``register(app: typer.Typer)``."""
