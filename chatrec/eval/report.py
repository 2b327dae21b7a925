"""Write an evaluation's results: metrics.json, a Markdown table and a Recall@K plot."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

TABLE_METRICS = (
    "recall@1",
    "recall@10",
    "recall@50",
    "recall@10_se",
    "recall@50_se",
    "ndcg@10",
    "ndcg@50",
    "mrr",
    "not_in_catalog",
    "duplicates",
    "mentioned_in_context@10",
    "coverage@10",
    "popular_in_top10",
    "latency_ms_p50",
    "latency_ms_p95",
)


def markdown_table(rows: list[dict]) -> str:
    """One line per system and variant, one column per headline metric."""
    keys = list(dict.fromkeys((r["system"], r["variant"]) for r in rows))
    values = {(r["system"], r["variant"], r["metric"]): r for r in rows}
    lines = [
        "| system | variant | samples | " + " | ".join(TABLE_METRICS) + " |",
        "|---|---|---:|" + "---:|" * len(TABLE_METRICS),
    ]
    for system, variant in keys:
        samples = values[(system, variant, TABLE_METRICS[0])]["samples"]
        cells = []
        for metric in TABLE_METRICS:
            value = values[(system, variant, metric)]["value"]
            cells.append(f"{value:.1f}" if metric.startswith("latency") else f"{value:.3f}")
        lines.append(f"| {system} | {variant} | {samples} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def metrics_table(rows: list[dict], keys: list[str], columns: Sequence[tuple[str, str]]) -> str:
    """A Markdown table of rows of metrics: ``keys`` name each row (system, part...), ``columns``
    are (metric, label); times (``ms``...) with one decimal, the rest with three."""
    lines = [
        "| " + " | ".join([*keys, *(label for _, label in columns)]) + " |",
        "|" + "---|" * len(keys) + "---:|" * len(columns),
    ]
    for r in rows:
        cells = [f"{r[k]:.1f}" if k.startswith("ms") else f"{r[k]:.3f}" for k, _ in columns]
        lines.append("| " + " | ".join([*(str(r[k]) for k in keys), *cells]) + " |")
    return "\n".join(lines) + "\n"


def plot_recall(curves: dict[str, dict[str, list[float]]], path: Path) -> None:
    """Recall@K for K = 1..50: one colour per system, solid for dedup, dashed for all targets."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for index, (system, variants) in enumerate(curves.items()):
        colour = f"C{index}"
        for variant, curve in variants.items():
            style = "-" if variant == "dedup" else "--"
            ax.plot(range(1, len(curve) + 1), curve, style, color=colour, label=f"{system} ({variant})")
    ax.set_xlabel("K")
    ax.set_ylabel("Recall@K")
    ax.set_title("ReDial turn-level Recall@K")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_report(rows: list[dict], curves: dict[str, dict[str, list[float]]], out: Path, header: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(rows, indent=1) + "\n")
    (out / "metrics.md").write_text(f"{header}\n\n{markdown_table(rows)}")
    plot_recall(curves, out / "recall_at_k.png")
