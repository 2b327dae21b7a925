"""The README's Python example runs as written, on the embedded defaults."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.helpers import ROOT


def test_readme_python_example_runs(full_ingest, tmp_path):
    store, _ = full_ingest
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"## Python API\n+```python\n(.*?)```", readme, re.S).group(1)
    env = {
        **os.environ,
        "CHATREC_DATA_DIR": str(store.settings.data_dir),
        "CHATREC_SESSIONS_PATH": str(tmp_path / "sessions.db"),
    }
    done = subprocess.run(
        [sys.executable, "-c", example], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Recommendations" in done.stdout and "Done" in done.stdout
    assert "disliked_ids=['" in done.stdout
