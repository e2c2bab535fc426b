"""The review app's routes (Starlette). Built by ``create_app(config)``; served by ``server``.

::

    GET  /                               the queue (filters: ?state= &verdict= &q=)
    GET  /b/<bundle>/                    a refund: verdict, deadline, findings, timeline, screens, decide
    GET  /b/<bundle>/packet              the filing packet (copy button)
    GET  /b/<bundle>/<file>              a sealed file of the bundle (only files its manifest lists)
    POST /b/<bundle>/approve | reject | needs-evidence | add-evidence

Every POST carries the CSRF field and answers with a redirect to the refund page (303), or the
page again with the error (400). The bundle work runs in a worker thread (it hashes and writes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from collector.review import views
from collector.review.files import file_response
from collector.review.security import CSRF_FIELD, SECURITY_HEADERS, Guard, make_middleware
from evidence import formatting
from evidence.bundle import BundleError, SigningKey, read_bundle, verify_bundle
from evidence.bundle.layout import NAME_RE
from evidence.models import EvidenceKind
from evidence.report.render import anchor, css, time_tag
from evidence.review import (
    MAX_DESCRIPTION,
    MIN_DESCRIPTION,
    REASONS,
    DecisionError,
    add_evidence_and_reassess,
    approve,
    build_packet,
    needs_evidence,
    reject,
)
from evidence.review.decisions import MAX_UPLOAD_BYTES

_ENV = Environment(
    loader=PackageLoader("collector.review", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
SAVED = {
    "approved": "Approved: the decision is sealed in the bundle and recorded in its custody log.",
    "rejected": "Rejected: recorded in the custody log.",
    "needs_evidence": "Marked as needing evidence: recorded in the custody log.",
    "added": "File added, sealed and recorded; the refund was assessed again.",
}
KIND_LABELS = {
    EvidenceKind.CARRIER_CLAIM: "Carrier claim",
    EvidenceKind.CALL_NOTE: "Phone-call note",
    EvidenceKind.PHOTO: "Photo",
    EvidenceKind.OTHER: "Other",
}


@dataclass
class ReviewConfig:
    folder: Path
    reviewer: str = ""
    signing_key: SigningKey | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def create_app(config: ReviewConfig, guard: Guard) -> Starlette:
    folder = config.folder

    def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
        page = _ENV.get_template(template).render(
            csrf=guard.csrf, csrf_field=CSRF_FIELD, reviewer=config.reviewer, label=formatting.verdict_label,
            state_label=views.state_label, anchor=anchor, **context,
        )  # fmt: skip
        return HTMLResponse(page, status_code=status)

    def bundle_or_none(name: str):  # noqa: ANN202 - Bundle | None
        if not NAME_RE.match(name) or not (folder / name).is_dir():
            return None
        try:
            return read_bundle(folder / name)
        except BundleError:
            return None

    def not_found(what: str) -> Response:
        return render("error.html.j2", status=404, message=f"No {what} here.")

    async def queue(request: Request) -> Response:
        params = request.query_params
        now = config.clock()
        data = await run_in_threadpool(
            views.build_queue, folder, now, params.get("state", ""), params.get("verdict", ""), params.get("q", "")
        )
        return render(
            "queue.html.j2", queue=data, folder=str(folder), now=time_tag(now, _zone(data)),
            filters={"state": params.get("state", ""), "verdict": params.get("verdict", ""), "q": params.get("q", "")},
        )  # fmt: skip

    async def refund(request: Request, error: str = "", status: int = 200, form: FormData | None = None) -> Response:
        bundle = await run_in_threadpool(bundle_or_none, request.path_params["name"])
        if bundle is None:
            return not_found("such bundle")
        report = await run_in_threadpool(verify_bundle, bundle.path)
        now = config.clock()
        tz = bundle.case.seller.timezone
        packet = build_packet(bundle)
        return render(
            "refund.html.j2", status=status, bundle=bundle, case=bundle.case, assessment=bundle.case.assessment,
            view=views.refund_context(bundle, now), packet=packet, problems=report.problems, error=error,
            saved=SAVED.get(request.query_params.get("saved", ""), ""), reasons=REASONS,
            kinds=KIND_LABELS, min_text=MIN_DESCRIPTION, max_text=MAX_DESCRIPTION, form=form,
            when=lambda moment: time_tag(moment, tz), hours=formatting.latency, role=formatting.role_label,
            amount=formatting.money(bundle.case.refund.breakdown.net_payable), max_upload=MAX_UPLOAD_BYTES,
        )  # fmt: skip

    async def packet_page(request: Request) -> Response:
        bundle = await run_in_threadpool(bundle_or_none, request.path_params["name"])
        if bundle is None:
            return not_found("such bundle")
        return render("packet.html.j2", bundle=bundle, case=bundle.case, packet=build_packet(bundle))

    async def bundle_file(request: Request) -> Response:
        bundle = await run_in_threadpool(bundle_or_none, request.path_params["name"])
        if bundle is None:
            return not_found("such bundle")
        response = await run_in_threadpool(file_response, bundle, request.path_params["path"])
        return response or not_found("such file in this bundle")

    async def decide(request: Request) -> Response:
        name, action = request.path_params["name"], request.path_params["action"]
        async with request.form() as form:
            if not guard.csrf_ok(form.get(CSRF_FIELD)):
                return PlainTextResponse("refused: missing or wrong CSRF token\n", 403, headers=SECURITY_HEADERS)
            bundle = await run_in_threadpool(bundle_or_none, name)
            if bundle is None:
                return not_found("such bundle")
            try:
                saved = await _apply(action, bundle.path, form, config)
            except (DecisionError, BundleError) as exc:
                return await refund(request, error=str(exc), status=400, form=form)
        return RedirectResponse(f"/b/{name}/?saved={saved}#decide", status_code=303)

    async def report_css(request: Request) -> Response:
        return Response(css(), media_type="text/css; charset=utf-8")

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    routes = [
        Route("/", queue),
        Route("/favicon.ico", no_icon),
        Route("/b/{name}/", refund),
        Route("/b/{name}/packet", packet_page),
        Route("/b/{name}/{action:str}", decide, methods=["POST"]),
        Route("/b/{name}/{path:path}", bundle_file),
        Route("/static/report.css", report_css),  # the report's own stylesheet: one look for both
        Mount("/static", StaticFiles(packages=[("collector.review", "static")]), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=make_middleware(guard))])


async def _apply(action: str, path: Path, form: FormData, config: ReviewConfig) -> str:
    reviewer = str(form.get("reviewer") or config.reviewer)
    key, clock = config.signing_key, config.clock
    if action == "approve":
        attachments = [str(a) for a in form.getlist("attach")]
        await run_in_threadpool(
            lambda: approve(path, reviewer, text=str(form.get("text", "")), reason=str(form.get("reason", "")),
                            attachments=attachments, note=str(form.get("note", "")), clock=clock, signing_key=key)
        )  # fmt: skip
        return "approved"
    if action == "reject":
        await run_in_threadpool(lambda: reject(path, reviewer, str(form.get("note", "")), clock, key))
        return "rejected"
    if action == "needs-evidence":
        await run_in_threadpool(lambda: needs_evidence(path, reviewer, str(form.get("note", "")), clock, key))
        return "needs_evidence"
    if action == "add-evidence":
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise DecisionError("choose a file to add")
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        try:
            kind = EvidenceKind(str(form.get("kind", "")))
        except ValueError:
            raise DecisionError("choose what the file is") from None
        await run_in_threadpool(
            lambda: add_evidence_and_reassess(path, data, upload.filename or "file", kind, reviewer,
                                              label=str(form.get("label", "")), note=str(form.get("note", "")),
                                              now=clock(), signing_key=key)
        )  # fmt: skip
        return "added"
    raise DecisionError(f"unknown action {action!r}")


def _zone(queue: views.Queue) -> str:
    zones = {row.timezone for row in queue.rows}
    return zones.pop() if len(zones) == 1 else "UTC"
