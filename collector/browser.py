"""Finding a Chromium to drive, and the launch options for it.

One place decides which browser runs and how, so the collector, the demo, the benchmark and the
tests all launch the same thing. The search order is:

1. an explicit path (a setting, or the ``COLLECTOR_BROWSER_PATH`` environment variable);
2. the Chromium that Playwright installed for itself (``playwright install chromium``);
3. a system Chromium (Debian's ``chromium`` and the usual other names).
"""

from __future__ import annotations

import contextvars
import functools
import os
import shutil
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:  # pragma: no cover - typing only
    from playwright.sync_api import BrowserType

ENV_VAR = "COLLECTOR_BROWSER_PATH"
SYSTEM_CANDIDATES = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
)
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Without these, Chromium keeps trying to reach Google's services at start-up; on a closed
# network that stalls launches and floods the log.
QUIET_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    # Recent Chromium builds (Debian's included) preload the address bar's WebUI popups in a
    # renderer of their own for every window, so every browser context: one more renderer per
    # worker (about 40 MiB each) for a popup automation never opens. Playwright merges this
    # list with its own --disable-features. (Playwright's headless shell has no address bar.)
    # SpareRendererForSitePerProcess: Chromium keeps one renderer process started ahead for the
    # next new tab or cross-site navigation (~20-70 MiB); a job's contexts stay on one site and
    # start a renderer only now and then (a fresh context), so the spare is memory for nothing.
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup,SpareRendererForSitePerProcess",
)


class BrowserNotFound(RuntimeError):
    """No usable Chromium: the message says how to get one."""


@dataclass(frozen=True)
class BrowserChoice:
    """Which browser runs: ``executable`` is None when Playwright's own build is used."""

    executable: str | None
    source: str  # "explicit", "playwright" or "system"

    def describe(self) -> str:
        return f"{self.source}: {self.executable or 'Playwright-managed Chromium'}"


def _is_executable(path: str | os.PathLike[str]) -> bool:
    p = Path(path)
    return p.is_file() and os.access(p, os.X_OK)


def find_system_chromium() -> str | None:
    for candidate in SYSTEM_CANDIDATES:
        if _is_executable(candidate):
            return candidate
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _driver_package() -> Path:
    """The Playwright driver's package folder (its ``browsers.json``, its ``.local-browsers``)."""
    import playwright

    return Path(playwright.__file__).parent / "driver" / "package"


def _registry_directory() -> Path:
    """Where ``playwright install`` puts its browsers (as Playwright's own registry computes it)."""
    env = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if env == "0":
        return _driver_package() / ".local-browsers"
    if env:
        return Path(env).resolve()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "ms-playwright"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "ms-playwright"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ms-playwright"


def playwright_chromium_installed() -> bool:
    """Whether ``playwright install chromium`` completed for this Playwright release, without
    starting Playwright (a driver process) to ask: its browser folder (``chromium-<revision>``
    in the registry, the revision from the driver's ``browsers.json``) holds the marker file
    Playwright writes when an install completes."""
    import json

    try:
        listed = json.loads((_driver_package() / "browsers.json").read_text())
        entry = next(b for b in listed["browsers"] if b["name"] == "chromium")
    except (OSError, ValueError, KeyError, StopIteration):
        return False
    registry = _registry_directory()
    folders = [registry / f"chromium-{entry['revision']}"]
    # A release built specially for a platform: chromium_<platform>_special-<revision>.
    folders += [registry / f"chromium_{platform}_special-{revision}"
                for platform, revision in (entry.get("revisionOverrides") or {}).items()]
    return any((folder / "INSTALLATION_COMPLETE").is_file() for folder in folders)


def find_browser(chromium: BrowserType | None = None, explicit: str | None = None) -> BrowserChoice:
    """Pick the browser to launch.

    ``chromium`` is a started Playwright's ``playwright.chromium``; when given, its expected
    executable is checked so that a Playwright-installed browser is preferred over the system one.
    Without it (a browser server is about to be started: no Playwright runs yet), the install's
    marker in Playwright's browser folder says the same (``playwright_chromium_installed``).
    """
    explicit = explicit or os.environ.get(ENV_VAR) or None
    if explicit:
        if not _is_executable(explicit):
            raise BrowserNotFound(
                f"The browser set by {ENV_VAR} or --browser-path is not an executable file: {explicit}"
            )
        return BrowserChoice(explicit, "explicit")
    if chromium is not None:
        try:
            own = chromium.executable_path
        except Exception:  # noqa: BLE001 - Playwright raises plain Error when it has no build
            own = ""
        if own and _is_executable(own):
            return BrowserChoice(None, "playwright")
    elif playwright_chromium_installed():
        return BrowserChoice(None, "playwright")
    system = find_system_chromium()
    if system:
        return BrowserChoice(system, "system")
    raise BrowserNotFound(
        "No Chromium found. Run `scripts/setup.sh` (it runs `playwright install chromium` and falls "
        f"back to the system package), or set {ENV_VAR} to a Chromium/Chrome executable."
    )


def launch_options(choice: BrowserChoice, *, headless: bool = True, home: Path | None = None) -> dict[str, Any]:
    """Keyword arguments for ``BrowserType.launch`` for the chosen browser.

    ``home``: a folder of the collector's own (under its data folder) that the browser takes as
    its home, config and cache folders: without it Chromium writes its crash-report database
    (``~/.config/chromium/Crash Reports``) and ``~/.cache/dconf`` into the user's home on every
    start. Its profile is Playwright's temporary one, removed when the browser closes.
    """
    args = list(QUIET_ARGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium refuses to start as root with its sandbox on.
        args.append("--no-sandbox")
    options: dict[str, Any] = {"headless": headless, "args": args}
    if choice.executable:
        options["executable_path"] = choice.executable
    if home is not None:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        options["env"] = {
            **os.environ,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_CACHE_HOME": str(home / "cache"),
        }
    return options


P = ParamSpec("P")
R = TypeVar("R")


def in_own_thread(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` (which starts and stops its own ``sync_playwright()``) on a fresh thread.

    Playwright's sync API refuses to start on a thread that already runs an asyncio loop (a
    Jupyter notebook, an async host application, or pytest-playwright's session in the tests).
    Every Playwright object ``fn`` makes stays on that thread; its result or error comes back.
    Used for the short browser sessions outside the workers (sign-in, session check, scan).
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix=fn.__name__) as pool:
            # The caller's context goes along, so log lines keep their bound job id and PO.
            return pool.submit(contextvars.copy_context().run, fn, *args, **kwargs).result()

    return wrapper
