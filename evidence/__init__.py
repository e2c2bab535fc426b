"""The evidence domain: models, bundles, e-mail, policy and reports. Never imports Playwright."""

__all__: list[str] = []
