"""A cap on the sessions one client address may start per hour on the web app and its API.

Issuing a token stores nothing (:mod:`chatrec.sessions.store`), but every first turn of a new
session stores a row: a script calling ``/chat`` without a token would otherwise fill the store
at the speed of the app. The Python API has no addresses and no cap.

Behind a reverse proxy every request comes from the proxy's address: raise the cap there, or set
it to 0 and cap at the proxy.
"""

from __future__ import annotations

import threading
import time

from chatrec.errors import ChatrecError

WINDOW_SECONDS = 3600.0
MAX_ADDRESSES = 100_000  # addresses tracked at once (a few MB); beyond it, expired windows go first


class TooManySessions(ChatrecError):
    """A client address started more sessions this hour than the app allows."""


class NewSessionCap:
    """At most ``per_hour`` new sessions per address in each hour-long window (0: no cap)."""

    def __init__(self, per_hour: int) -> None:
        self.per_hour = per_hour
        self._now = time.monotonic
        self._windows: dict[str, tuple[float, int]] = {}  # address -> (window start, sessions in it)
        self._guard = threading.Lock()

    def take(self, address: str | None) -> None:
        """Count one new session for ``address``, or raise TooManySessions past the cap."""
        if not self.per_hour or address is None:
            return
        now = self._now()
        with self._guard:
            start, used = self._windows.get(address, (now, 0))
            if now - start >= WINDOW_SECONDS:
                start, used = now, 0
            if used >= self.per_hour:
                wait = max(1, round((start + WINDOW_SECONDS - now) / 60))
                raise TooManySessions(
                    f"too many new conversations from your address this hour; try again in {wait} min "
                    "or keep using your current one"
                )
            if len(self._windows) >= MAX_ADDRESSES and address not in self._windows:
                self._forget_expired(now)
            self._windows[address] = (start, used + 1)

    def _forget_expired(self, now: float) -> None:
        self._windows = {a: w for a, w in self._windows.items() if now - w[0] < WINDOW_SECONDS}
        if len(self._windows) >= MAX_ADDRESSES:  # a flood of fresh addresses: start counting afresh
            self._windows.clear()
