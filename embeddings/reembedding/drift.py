"""The drift plot of a migration: how far the new version's neighbourhoods and norms moved from
the old one's, as a PNG a person can judge at a glance."""

from __future__ import annotations

import io


def drift_plot_png(migration) -> bytes:
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
    norm_axes.ticklabel_format(axis="x", useOffset=False)
    figure.suptitle(
        f"Migration {migration.pk} ({migration.role}): version {migration.from_version_id} → {migration.to_version_id}"
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
