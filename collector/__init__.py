"""The collector: CLI, settings, jobs that walk orders, drive the page objects and write bundles."""

__all__: list[str] = []
