"""The packaged policy versions (one TOML file per version); a package so that its files ship in the wheel."""

__all__: list[str] = []
