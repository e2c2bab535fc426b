"""Serving a bundle's sealed files to the review app, safely.

Only files the manifest lists are served (nothing else in the folder, no ``..``). Each answer
names a media type the browser cannot turn into a page that runs code: images as images,
captured HTML snapshots inside a ``sandbox`` CSP (no script, no requests), and e-mails, JSON and
text as plain text. Anything else (a PDF too: the browser's viewer would run under the app's
origin) is a download, opened by the system's viewer.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from starlette.responses import Response

from evidence.bundle import Bundle
from evidence.bundle.errors import UnsafePathError
from evidence.bundle.layout import check_relative_path
from evidence.bundle.sources import read_regular_file

INLINE = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".eml": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "text/plain; charset=utf-8",
    ".jsonl": "text/plain; charset=utf-8",
}
SNAPSHOT_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def file_response(bundle: Bundle, path: str) -> Response | None:
    """The file ``path`` of ``bundle`` as an HTTP answer, or None when the manifest does not list it."""
    try:
        check_relative_path(path)
    except UnsafePathError:
        return None
    if bundle.manifest.entry(path) is None:
        return None
    try:
        data = read_regular_file(bundle.path / path)
    except OSError:
        return None
    suffix = PurePosixPath(path).suffix.lower()
    name = re.sub(r"[^A-Za-z0-9._-]", "_", PurePosixPath(path).name)  # a header value: nothing to escape
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    if suffix in (".html", ".htm"):
        headers["Content-Security-Policy"] = SNAPSHOT_CSP
        return Response(data, media_type="text/html; charset=utf-8", headers=headers)
    if suffix in INLINE:
        return Response(data, media_type=INLINE[suffix], headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(data, media_type="application/octet-stream", headers=headers)
