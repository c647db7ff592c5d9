"""The local Stripe stand-in for tests: start localstripe, sign webhook payloads.

`start_localstripe()` runs devtools.stripe_stand_in in a
subprocess on a free loopback port; tests/conftest.py wraps it in the
`localstripe_server` and `stripe_settings` fixtures.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

TEST_SECRET_KEY = "sk_test_gongfu_local"
TEST_PUBLISHABLE_KEY = "pk_test_gongfu_local"
# Made afresh for each run: a secret written down here would be a published
# one, which the shop refuses in production mode (config/settings.py).
TEST_WEBHOOK_SECRET = "whsec_" + secrets.token_urlsafe(24)

LAUNCHER_MODULE = "devtools.stripe_stand_in"
STARTUP_TIMEOUT = 20.0
READY_LINE = re.compile(r"^localstripe ready on (http://127\.0\.0\.1:\d+)\s*$")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class LocalStripeError(RuntimeError):
    """The launcher did not come up."""


class _OutputReader(threading.Thread):
    """Drains the launcher's output (so it never blocks on a full pipe),
    keeps the last lines for error messages and spots the ready line."""

    def __init__(self, stream):
        super().__init__(name="localstripe-output", daemon=True)
        self.stream = stream
        self.lines: deque[str] = deque(maxlen=200)
        self.url: str | None = None
        self.done = threading.Event()  # ready line seen, or output closed

    def run(self):
        for line in self.stream:
            self.lines.append(line.rstrip("\n"))
            match = READY_LINE.match(line)
            if match and self.url is None:
                self.url = match[1]
                self.done.set()
        self.done.set()


class LocalStripe:
    """A running launcher: `.url` is its API base, `.js_url` its Stripe.js."""

    def __init__(self, process: subprocess.Popen, reader: _OutputReader, url: str):
        self.process = process
        self._reader = reader
        self.url = url
        self.js_url = f"{url}/js.stripe.com/v3/"

    def output(self) -> str:
        """The launcher's latest output lines (stdout and stderr)."""
        return "\n".join(self._reader.lines)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> LocalStripe:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<LocalStripe {self.url} pid={self.process.pid}>"


def start_localstripe(
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    extra_args: list[str] | None = None,
) -> LocalStripe:
    """Start a private localstripe on a free 127.0.0.1 port and wait for it.

    With webhook_url and webhook_secret, it POSTs signed payment_intent.*
    events there; extra_args go to the launcher's command line
    (``--wechat-qr-seconds 1``). The port is chosen by the OS when the launcher binds it
    (--port 0), so two starts never race for the same port.
    """
    if bool(webhook_url) != bool(webhook_secret):
        raise ValueError("pass webhook_url and webhook_secret together")
    command = [
        sys.executable,
        "-m",
        LAUNCHER_MODULE,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
    ]
    if webhook_url:
        command += ["--webhook-url", webhook_url, "--webhook-secret", webhook_secret]
    command += extra_args or []
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    reader = _OutputReader(process.stdout)
    reader.start()
    started = time.monotonic()
    reader.done.wait(STARTUP_TIMEOUT)
    if reader.url is None:
        try:
            # Its output can close a moment before the process is reaped.
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        running = process.poll() is None
        server = LocalStripe(process, reader, url="")
        server.stop()
        reason = (
            f"did not print its ready line within {STARTUP_TIMEOUT:.0f} s"
            if running
            else f"exited with status {process.returncode}"
        )
        raise LocalStripeError(
            f"localstripe launcher {reason} "
            f"(after {time.monotonic() - started:.1f} s): {' '.join(command)}\n"
            f"--- its output ---\n{server.output() or '(none)'}"
        )
    return LocalStripe(process, reader, reader.url)


def sign_stripe_payload(
    payload: bytes, secret: str, timestamp: int | None = None
) -> str:
    """A `Stripe-Signature` header value for payload, made as Stripe does:
    ``t=<timestamp>,v1=<hex HMAC-SHA256 of b"<timestamp>.<payload>">``."""
    if timestamp is None:
        timestamp = int(time.time())
    signed = str(timestamp).encode() + b"." + payload
    signature = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"
