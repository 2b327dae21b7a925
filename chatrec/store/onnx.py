"""ONNX Runtime helpers shared by both encoders (the embedder and the reranker).

Both export a BERT-style torch module once per weights into the cache dir, quantise its MatMuls to
int8 per channel, and run it on a CPU session with a fixed thread count: one implementation, so
both get the same trace, the same quantisation and the same cache keys.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any


def quiet_transformers() -> None:
    """No weight-loading progress bars: they are noise in every command's output."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export_onnx(module: Any, target: Path, *, quantize: bool, output: str) -> Path:
    """Export a BERT-style torch ``module`` (inputs :data:`INPUTS`, one output named ``output``) to
    ONNX at ``target``, with int8 weights if ``quantize``, atomically.

    Shared by the embedder and the reranker, so both get the same eager-attention trace and the
    same per-channel quantisation. Build the module with ``attn_implementation="eager"``.
    """
    import logging
    import warnings

    import torch

    target.parent.mkdir(parents=True, exist_ok=True)
    # Per-process temporary names: two processes exporting into one cache dir (an ingest and an app
    # starting together) must not delete each other's half-written files; the last rename wins.
    fp32 = target.with_suffix(f".{os.getpid()}.fp32.tmp")
    example = {k: torch.ones((2, 8), dtype=torch.long) for k in INPUTS}
    axes = {k: {0: "batch", 1: "tokens"} for k in INPUTS} | {output: {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer and exporter chatter; the result is checked by tests
        torch.onnx.export(
            module,
            tuple(example.values()),
            str(fp32),
            input_names=list(INPUTS),
            output_names=[output],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # Per-channel int8 on the MatMuls only: per-tensor scales cost ~0.07 of cosine to the
        # fp32 vectors on catalog texts, per-channel ~0.009.
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # the quantizer logs advice through the root logger
        try:
            quantize_dynamic(
                str(fp32),
                str(tmp),
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul"],
            )
        finally:
            root.setLevel(level)
        fp32.unlink()
    else:
        fp32.replace(tmp)
    tmp.replace(target)
    return target


def weights_key(path: Path) -> str:
    """Identifies the weights cheaply (path, size, mtime), so a changed model is re-exported."""
    files = sorted(p for p in path.iterdir() if p.suffix in (".safetensors", ".bin", ".json"))
    stamp = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    return hashlib.sha256(repr((str(path.resolve()), stamp)).encode()).hexdigest()[:16]


def onnx_session(path: Path, threads: int) -> Any:
    """An ONNX Runtime CPU session with all graph optimisations, on ``threads`` intra-op threads."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle pool threads spin by default, burning the cores that other turns need between calls.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
