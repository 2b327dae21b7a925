"""A non-editable install works: the wheel carries its prompts and models, and the commands run
from any directory (nothing found through the repository's layout)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow

BOOKS = "id,title,year,genres\nb1,The Long Heist,1994,Crime|Thriller\nb2,Space Garden,2001,Science Fiction\n"


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done


def test_wheel_installs_and_runs_from_another_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATREC_")}
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", "dist", str(ROOT)],
        tmp_path,
        env,
    )
    wheel = next((tmp_path / "dist").glob("chatrec-*.whl"))
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    # The dependencies come from this environment through a path entry; a plain path entry does
    # not run that environment's .pth files, so its editable chatrec stays invisible.
    site = Path(
        run(
            [str(venv / "bin/python"), "-c", "import site; print(site.getsitepackages()[0])"], tmp_path, env
        ).stdout.strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin/python"),
            "install",
            "--no-deps",
            str(wheel),
        ],
        tmp_path,
        env,
    )

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "books.csv").write_text(BOOKS)
    mapping = {
        "id": "id",
        "title": "title",
        "fields": {
            "year": {"column": "year", "type": "int"},
            "genres": {"column": "genres", "type": "list", "separator": "|"},
        },
        "text": ["genres"],
    }
    (elsewhere / "books.json").write_text(json.dumps(mapping))
    env |= {
        "CHATREC_DATA_DIR": str(tmp_path / "data"),
        "CHATREC_COLLECTION": "books",
        "PYTHONNOUSERSITE": "1",
    }
    python, chatrec = str(venv / "bin/python"), str(venv / "bin/chatrec")
    located = run([python, "-c", "import chatrec; print(chatrec.__file__)"], elsewhere, env).stdout
    assert str(venv) in located and str(ROOT) not in located
    run([chatrec, "ingest", "books.csv", "--mapping", "books.json"], elsewhere, env)
    found = run([chatrec, "search", "a heist thriller", "-n", "1"], elsewhere, env).stdout
    assert "The Long Heist (1994)" in found
    code = (
        "from chatrec import ChatRec; print(ChatRec.from_settings().chat('a heist').recommendations[0].title)"
    )
    assert run([python, "-c", code], elsewhere, env).stdout.strip() in {"The Long Heist", "Space Garden"}
