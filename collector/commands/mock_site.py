"""``collector mock-site``: run the mock Seller Center until Ctrl-C, with optional fault switches.

Prints the URL, the scenario seller's sign-in e-mail and password and the TOTP secret to put in an
authenticator app (it is a mock: none of these are real secrets). ``--totp-code`` prints the
current 2FA code instead of starting the server. ``--generate N`` runs on a generated scenario of
N orders (``fixtures.scenarios.generate``; ``--seed`` picks it) instead of a file.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import pyotp
import typer
from pydantic import ValidationError

if TYPE_CHECKING:  # pragma: no cover - the mock is loaded when the command runs, not with every command
    from fixtures.scenario import Scenario

__all__ = ["mock_site", "register"]


def _fail(lines: list[str]) -> typer.Exit:
    for line in lines:
        print(line, file=sys.stderr)
    return typer.Exit(2)


def _load(scenario: Path | None, generate: int | None = None, seed: int | None = None) -> Scenario:
    from fixtures.scenario import ScenarioError, load_scenario
    from fixtures.site import default_scenario

    if generate is not None:
        if scenario is not None:
            raise _fail(["error: give --scenario or --generate, not both"])
        from fixtures.scenarios.generate import generate_scenario

        return generate_scenario(generate, seed=seed or 0)
    try:
        return load_scenario(scenario) if scenario else default_scenario()
    except ScenarioError as exc:
        raise _fail([f"error: {exc.path}: invalid scenario", *(f"  {p}" for p in exc.problems)]) from None


def mock_site(
    scenario: Annotated[Path | None, typer.Option("--scenario", help="Scenario JSON (default: the default scenario).")] = None,
    generate: Annotated[int | None, typer.Option("--generate", min=1, help="Run on a generated scenario of N orders (fixtures/scenarios/generate.py); --seed picks it.")] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0 = a free port).")] = 8765,
    latency_ms: Annotated[int, typer.Option("--latency-ms", min=0, help="Added to every page/API answer.")] = 0,
    jitter_ms: Annotated[int, typer.Option("--jitter-ms", min=0, help="Plus a random 0..N ms.")] = 0,
    error_rate: Annotated[float, typer.Option("--error-rate", min=0, max=1, help="Share answered 500/503.")] = 0.0,
    drop_rate: Annotated[float, typer.Option("--drop-rate", min=0, max=1, help="Share closed unanswered.")] = 0.0,
    rate_limit_every: Annotated[int, typer.Option("--rate-limit-every", min=0, help="Every Nth request gets 429 (0 = off).")] = 0,
    retry_after: Annotated[int, typer.Option("--retry-after", min=0, help="Retry-After seconds sent with a 429.")] = 1,
    expire_after_requests: Annotated[int, typer.Option("--expire-after-requests", min=0, help="Sessions die after N requests (0 = off).")] = 0,
    idle_minutes: Annotated[int | None, typer.Option("--idle-minutes", min=1, help="Idle expiry (default: the scenario's).")] = None,
    layout_drift: Annotated[bool, typer.Option("--layout-drift", help="Rename buttons and move NET PAYABLE (docs/screens.md).")] = False,
    seed: Annotated[int | None, typer.Option("--seed", help="Makes the random faults repeatable (and picks the --generate scenario, default 0).")] = None,
    totp_code: Annotated[bool, typer.Option("--totp-code", help="Print the current 2FA code and exit.")] = False,
) -> None:
    """Run the mock Seller Center (Ctrl-C stops it)."""
    from fixtures.site import Faults, MockSite

    loaded = _load(scenario, generate, seed)
    if totp_code:
        print(pyotp.TOTP(loaded.seller.totp_secret).now())
        return
    try:
        faults = Faults(latency_ms=latency_ms, jitter_ms=jitter_ms, error_rate=error_rate, drop_rate=drop_rate,
                        rate_limit_every=rate_limit_every, retry_after=retry_after,
                        expire_after_requests=expire_after_requests, layout_drift=layout_drift, seed=seed)
    except ValidationError as exc:
        raise _fail([f"error: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]) from None
    site = MockSite(loaded, faults, host=host, port=port, idle_minutes=idle_minutes)
    try:
        url = site.start()
    except OSError as exc:
        raise _fail([f"error: cannot listen on {host}:{port}: {exc.strerror or exc}"]) from None
    seller = loaded.seller
    on = [f"{k}={v}" for k, v in faults.model_dump(exclude_defaults=True).items()]
    print(f"Mock Seller Center ({loaded.name}) at {url}/login")
    print(f"  email:     {seller.login_email}")
    print(f"  password:  {seller.password}")
    print(f"  2FA:       TOTP secret {seller.totp_secret} (add it to an authenticator app),")
    print(f"             or run: collector mock-site --totp-code{f' --scenario {scenario}' if scenario else ''}")
    print(f"  clock:     the screens' 'now' is {loaded.clock.now.isoformat()}")
    print(f"  faults:    {', '.join(on) if on else 'none'}")
    print("Press Ctrl-C to stop.", flush=True)
    stop = threading.Event()

    def _on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_term)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()
    print("Stopped.")


def register(app: typer.Typer) -> None:
    app.command("mock-site")(mock_site)
