"""An output folder's refunds as ``collector status``, the alerts and the calendar see them: the
newest bundles plus the case store, turned into ``RefundRow``s as of ``now``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from collector.cases import open_store, store_path
from collector.cases.bundles import BundleIndex, load_bundles
from collector.cases.status import RefundRow, refund_rows
from collector.folders import BUNDLES_DIR
from evidence.bundle.reader import Bundle
from evidence.policy import Policy, default_registry

if TYPE_CHECKING:  # pragma: no cover
    from collector.settings import CollectorSettings

__all__ = ["Overview", "index_states", "load_overview"]


@dataclass
class Overview:
    out: Path
    rows: list[RefundRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # bundles that could not be read
    zone: str = "UTC"  # the sellers' zone when every bundle agrees (else UTC)

    @property
    def empty(self) -> bool:
        return not self.rows

    def states(self) -> dict[str, str]:
        """Bundle folder name -> state text, for the index page (the same words as ``collector status``)."""
        return {Path(r.bundle).name: r.state_text(self.zone) for r in self.rows if r.bundle}


def load_overview(out: Path, now: datetime, *, policy_id: str | None = None, zone: str | None = None,
                  settings: CollectorSettings | None = None, bundles: BundleIndex | None = None) -> Overview:
    """``settings`` with a ``database_url``: the cases come from the PostgreSQL case store.
    ``bundles``: the folder's bundles when the caller has read them already (else read here)."""
    bundles = bundles if bundles is not None else load_bundles(out / BUNDLES_DIR)
    registry = default_registry()

    def policy_for(bundle: Bundle) -> Policy:
        return registry.select(policy_id=policy_id, issued_at=bundle.case.refund.issued_at,
                               timezone=bundle.case.seller.timezone)

    cases = []
    if settings is not None and settings.database_url is not None:
        with open_store(out, settings) as store:
            cases = store.cases()
    elif store_path(out).is_file():
        with open_store(out) as store:
            cases = store.cases()
    zones = {b.case.seller.timezone for b in bundles.bundles.values()}
    shown = zones.pop() if len(zones) == 1 else (zone or "UTC")
    return Overview(out, refund_rows(bundles, cases, now, policy_for), bundles.problems, shown)


def index_states(out: Path, now: datetime, policy_id: str | None = None,
                 settings: CollectorSettings | None = None, bundles: BundleIndex | None = None) -> dict[str, str]:
    """Bundle folder name -> state text, for the index page (the same words as ``collector status``)."""
    return load_overview(out, now, policy_id=policy_id, settings=settings, bundles=bundles).states()
