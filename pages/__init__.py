"""Page objects for the Seller Center screens (Playwright sync API)."""

__all__: list[str] = []
