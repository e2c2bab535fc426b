"""The newest bundle of each refund in an output folder, and the look-ups ``track`` matches
cases with: by transaction id, by case id (captured on the refund or its dispute case), by PO."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from evidence.bundle import BundleError, read_bundle
from evidence.bundle.layout import NAME_RE, bundle_key
from evidence.bundle.reader import Bundle

__all__ = ["BundleIndex", "load_bundles"]


@dataclass
class BundleIndex:
    bundles: dict[str, Bundle] = field(default_factory=dict)  # refund key -> newest version
    problems: list[str] = field(default_factory=list)  # one line per bundle that could not be read

    def match(self, case_id: str, po: str, transaction_id: str | None) -> Bundle | None:
        """The bundle a case belongs to: the same refund transaction; else the bundle that captured
        this case id; else the only bundle on the PO (several refunds on one PO: no guess)."""
        if transaction_id:
            found = self.bundles.get(bundle_key(po, transaction_id))
            if found is not None:
                return found
            found = next((b for b in self.bundles.values() if b.case.refund_transaction_id == transaction_id), None)
            if found is not None:
                return found
        for bundle in self.bundles.values():
            captured = {bundle.case.refund.dispute.case_id,
                        bundle.case.dispute_case.case_id if bundle.case.dispute_case else None}
            if case_id in captured:
                return bundle
        on_po = [b for b in self.bundles.values() if b.case.po == po]
        return on_po[0] if len(on_po) == 1 and not transaction_id else None


def load_bundles(bundles_dir: Path) -> BundleIndex:
    """Read every bundle folder in ``bundles_dir`` (none there: an empty index)."""
    index = BundleIndex()
    newest: dict[str, int] = {}
    if not bundles_dir.is_dir():
        return index
    for path in sorted(bundles_dir.iterdir()):
        if not path.is_dir() or not NAME_RE.match(path.name):
            continue
        try:
            bundle = read_bundle(path)
        except BundleError as exc:
            index.problems.append(f"skipped {path}: {exc}")
            continue
        key = bundle_key(bundle.case.po, bundle.case.refund_transaction_id)
        if bundle.manifest.version > newest.get(key, 0):
            newest[key] = bundle.manifest.version
            index.bundles[key] = bundle
    return index
