"""``collector replay BUNDLE [SCREEN]``: show a bundle's screens again, offline, from its web archive.

Every request the browser makes is answered from ``captures/archive.wacz`` or aborted: nothing
leaves the machine (collector/replay.py). Without ``--screenshot`` a browser window opens with
one tab per screen (a display is needed) and the command returns when the window is closed;
with ``--screenshot PATH`` it runs headless and saves each screen as a PNG (one screen: PATH is
the file; several: PATH is a folder of ``<screen>.png``). Exit 0 when every screen was shown, 1
when one could not be (or the bundle has no archive), 2 for usage errors.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from collector.browser import BrowserNotFound, find_browser, in_own_thread, launch_options
from collector.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from collector.folders import absolute
from collector.replay import Replayer, ReplayError, ReplayedScreen, archived_screens, select_screens
from evidence.bundle import BundleError, read_bundle, verify_bundle


def replay(
    bundle: Annotated[Path, typer.Argument(help="One bundle folder.")],
    screen: Annotated[str | None, typer.Argument(help="Which screen: its number (2), capture name (02-transactions.details) or screen name (inbox.thread). Default: all.")] = None,
    screenshot: Annotated[Path | None, typer.Option("--screenshot", help="Headless: save the screen(s) as PNG here (a file for one screen, a folder for several).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per screen (with --screenshot).")] = False,
) -> None:
    """Replay a bundle's captured screens offline from its web archive (no request leaves the machine)."""
    path = absolute(bundle)
    if not path.is_dir():
        typer.echo(f"error: no bundle folder at {path}", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        opened = read_bundle(path)
    except (BundleError, OSError, ValueError) as exc:
        typer.echo(f"error: {path} is not a readable bundle: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    try:
        select_screens(archived_screens(opened), screen, opened.name)  # before a browser starts
    except ReplayError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    report = verify_bundle(path)
    if not report.ok:
        typer.echo(f"warning: {opened.name} does not verify ({len(report.problems)} problem(s); see `collector verify`): what replays may not be what was sealed", err=True)
    if screenshot is None and sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        typer.echo("error: no display for a browser window: use --screenshot PATH to save the screens instead", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        results = _run(opened, screen, absolute(screenshot) if screenshot else None)
    except BrowserNotFound as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except ReplayError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    for result in results:
        if as_json:
            typer.echo(json.dumps({"screen": result.page.id, "name": result.page.title, "url": result.page.url,
                                   "heading": result.heading, "screenshot": str(result.screenshot) if result.screenshot else None,
                                   "blocked": result.blocked}))
        else:
            where = f" -> {result.screenshot}" if result.screenshot else ""
            blocked = f" ({len(result.blocked)} request(s) not in the archive, aborted)" if result.blocked else ""
            typer.echo(f"{result.page.id}: {result.heading or '(no heading)'}{where}{blocked}")
    raise typer.Exit(EXIT_OK)


@in_own_thread
def _run(bundle: object, wanted: str | None, screenshot: Path | None) -> list[ReplayedScreen]:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        options = launch_options(find_browser(p.chromium), headless=screenshot is not None)
        try:
            browser = p.chromium.launch(**options)
        except PlaywrightError as exc:
            raise ReplayError(f"cannot start the browser: {str(exc).strip().splitlines()[0][:160]}") from None
        try:
            replayer = Replayer(browser, bundle)  # type: ignore[arg-type]
            screens = replayer.select(wanted)
            results: list[ReplayedScreen] = []
            try:
                if screenshot is not None:
                    for item in screens:
                        target = screenshot if len(screens) == 1 and screenshot.suffix.lower() == ".png" else screenshot / f"{item.id}.png"
                        results.append(replayer.screenshot(item, target))
                    return results
                tabs = []
                for item in screens:  # a window: one tab per screen, until the operator closes them
                    tab, result = replayer.open(item)
                    tabs.append(tab)
                    results.append(result)
                print("Close the browser window (or each tab) to finish.", file=sys.stderr)
                for tab in tabs:
                    if not tab.is_closed():
                        tab.wait_for_event("close", timeout=0)
                return results
            except PlaywrightError as exc:
                if screenshot is None and not browser.is_connected():
                    return results  # the operator closed the window
                raise ReplayError(f"the replay failed: {str(exc).strip().splitlines()[0][:160]}") from None
        finally:
            if browser.is_connected():
                browser.close()


def register(app: typer.Typer) -> None:
    app.command("replay")(replay)
