"""The drift plot of a migration: how far the new version's neighbourhoods and norms moved from
the old one's, as a PNG a person can judge at a glance."""

from __future__ import annotations

import io
import math


def drift_plot_png(migration) -> bytes:
    buffer = io.BytesIO()
    drift_figure(migration).savefig(buffer, format="png")
    return buffer.getvalue()


def drift_figure(migration):
    """The plot as a matplotlib Figure: overlap@10 histogram on the left, vector norms on the right."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figures = migration.validation or {}
    figure = Figure(figsize=(9, 3.4), dpi=100, layout="constrained")
    overlap_axes, norm_axes = figure.subplots(1, 2)
    overlaps = figures.get("overlaps") or []
    if overlaps:
        overlap_axes.hist(overlaps, bins=[i / 10 - 0.05 for i in range(12)], color="#417690", edgecolor="white")
        mean = figures.get("overlap_at_10") or 0
        overlap_axes.axvline(mean, color="#ba2121", linestyle="--", label=f"mean {mean:.2f}")
        threshold = (figures.get("thresholds") or {}).get("min_overlap_at_10")
        if threshold is not None:
            overlap_axes.axvline(threshold, color="#666", linestyle=":", label=f"threshold {threshold:.2f}")
        overlap_axes.legend(loc="upper left", fontsize=8)
    else:
        overlap_axes.text(0.5, 0.5, "not validated yet", ha="center", va="center", transform=overlap_axes.transAxes)
    overlap_axes.set(
        title="Neighbourhood overlap@10, old vs new", xlabel="share of the 10 nearest kept", ylabel="assets"
    )
    overlap_axes.set_xlim(-0.05, 1.05)
    norms = figures.get("norms") or {}
    for name, colour in (("old", "#999"), ("new", "#417690")):
        if name in norms and norms[name]["sample"]:
            values = norms[name]["sample"]
            norm_axes.hist(values, bins=30, alpha=0.6, color=colour, label=f"{name}: mean {norms[name]['mean']:.3f}")
    if norms:
        norm_axes.legend(fontsize=8)
    norm_axes.set(title="Vector norms", xlabel="L2 norm", ylabel="vectors")
    _readable_axes(overlap_axes, norm_axes, [v for name in norms for v in norms[name]["sample"] or []])
    figure.suptitle(
        f"Migration {migration.pk} ({migration.role}): version {migration.from_version_id} → {migration.to_version_id}"
    )
    return figure


def _readable_axes(overlap_axes, norm_axes, norm_values: list[float]) -> None:
    """Counts in whole numbers, and a norm axis whose labels do not run into each other:
    normalised vectors all have norms within a few millionths of 1, which matplotlib would
    print as eight overlapping decimals or as an offset nobody reads."""
    from matplotlib.ticker import FormatStrFormatter, MaxNLocator

    for axes in (overlap_axes, norm_axes):
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.tick_params(labelsize=9)
    norm_axes.xaxis.set_major_locator(MaxNLocator(nbins=4))
    spread = (max(norm_values) - min(norm_values)) if norm_values else 0
    decimals = min(max(2, math.ceil(-math.log10(spread)) + 1), 9) if spread > 0 else 3
    norm_axes.xaxis.set_major_formatter(FormatStrFormatter(f"%.{decimals}f"))
