"""Plain words for how strong and how stable a segmentation is.

Structure, from the mean silhouette width (Kaufman and Rousseeuw's usual bands):

* > 0.5: ``reasonable`` - a reasonable structure has been found;
* 0.25 to 0.5: ``weak`` - the structure is weak and could be artificial;
* < 0.25: ``none`` - no substantial structure: the segments cut a continuum
  into parts rather than find natural groups.

Stability, per segment, from the bootstrap Jaccard (see :mod:`stability`):
``stable`` (>= 0.75), ``doubtful``, ``dissolved`` (<= 0.5).
"""

from __future__ import annotations

from collections.abc import Sequence

from user_segmentation.stability import DISSOLVED_JACCARD, STABLE_JACCARD

REASONABLE_SILHOUETTE = 0.5
WEAK_SILHOUETTE = 0.25

_STRUCTURE_WORDS = {
    "reasonable": "a reasonable structure: the segments are well separated",
    "weak": "a weak structure that could be artificial: use the segments with care",
    "none": (
        "no substantial structure: the segments divide a continuum of users into parts "
        "rather than find natural groups"
    ),
}


def silhouette_band(silhouette: float) -> str:
    """``reasonable`` (> 0.5), ``weak`` (0.25 to 0.5) or ``none`` (< 0.25)."""
    if silhouette > REASONABLE_SILHOUETTE:
        return "reasonable"
    if silhouette >= WEAK_SILHOUETTE:
        return "weak"
    return "none"


def structure_statement(silhouette: float) -> str:
    band = silhouette_band(silhouette)
    return f"Silhouette {silhouette:.2f}: {_STRUCTURE_WORDS[band]}."


def stability_statement(ari_mean: float, labels: Sequence[str], n_resamples: int) -> str:
    k = len(labels)
    stable = sum(label == "stable" for label in labels)
    dissolved = sum(label == "dissolved" for label in labels)
    doubtful = k - stable - dissolved
    return (
        f"Over {n_resamples} bootstrap resamples the partition is reproduced with a mean "
        f"adjusted Rand index of {ari_mean:.2f}; {stable} of {k} segments are stable "
        f"(Jaccard >= {STABLE_JACCARD}), {doubtful} doubtful and {dissolved} dissolved "
        f"(Jaccard <= {DISSOLVED_JACCARD})."
    )


def quality_statement(
    k: int, silhouette: float, ari_mean: float, labels: Sequence[str], n_resamples: int
) -> str:
    """One paragraph: the k, how strong the structure is, how stable the segments are."""
    return (
        f"{k} segments. {structure_statement(silhouette)} "
        f"{stability_statement(ari_mean, labels, n_resamples)}"
    )
