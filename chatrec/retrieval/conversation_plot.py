"""The conversation retriever's training figure: the loss per step and the validation curve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def plot_training(steps: list[float], curve: list[dict[str, Any]], steps_per_epoch: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    window = max(1, steps_per_epoch // 20)
    smooth = np.convolve(steps, np.ones(window) / window, mode="valid") if steps else np.array([])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), dpi=120)
    left.plot(np.arange(len(steps)) + 1, steps, alpha=0.25, color="C0", label="train (per step)")
    left.plot(np.arange(len(smooth)) + window, smooth, color="C0", label=f"train (mean of {window})")
    at = [p["step"] for p in curve]
    left.plot(at, [p["loss"] for p in curve], "o-", color="C1", label="validation (ReDial train's val fifth)")
    left.set_xlabel("step")
    left.set_ylabel("softmax loss over the catalog")
    left.grid(alpha=0.3)
    left.legend()
    for key, colour in (("recall@50", "C2"), ("recall@10", "C3"), ("ndcg@10", "C4"), ("recall@1", "C5")):
        right.plot(at, [p[key] for p in curve], "o-", color=colour, label=key)
    right.set_xlabel("step (0: MiniLM off the shelf)")
    right.set_ylabel("dedup, channel alone, val fifth")
    right.grid(alpha=0.3)
    right.legend()
    fig.suptitle("chatrec-retriever training")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
