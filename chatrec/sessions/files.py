"""Files only their owner may read: the sessions database and the key that hashes session tokens.

Both are created with mode 0600 in the one ``open`` call that creates them, so there is no moment
at which another local user could read them (a ``chmod`` afterwards leaves such a moment).
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

KEY_BYTES = 32


def create_private(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists; returns whether it was created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def server_key(path: Path) -> bytes:
    """The installation's key for hashing session tokens, created once (0600) and never sent out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it right now
            key = path.read_text().strip()
            if key:
                return bytes.fromhex(key)
            time.sleep(0.02)
        raise
    with os.fdopen(fd, "w") as out:
        key = secrets.token_hex(KEY_BYTES)
        out.write(key)
    return bytes.fromhex(key)
