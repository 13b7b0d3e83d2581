"""Evaluate every candidate number of segments k and choose one by a written rule.

Figures per candidate k (all on seeded subsamples of the training users):

* ``inertia``: within-segment sum of squared distances on the k-selection
  sample (falls with every k; shown for the elbow, not used by the rule);
* ``silhouette``: mean silhouette on the silhouette sample (-1..1);
* ``davies_bouldin`` (lower is better) and ``calinski_harabasz`` (higher is
  better) on the k-selection sample;
* ``smallest_segment_share``: share of the k-selection sample in the smallest
  segment;
* ``stability_ari_mean`` / ``stability_ari_sd``: mean and standard deviation
  of the adjusted Rand index over all pairs of bootstrap resamples.

The rule (:data:`RULE`): k = 2 nearly always looks the most stable and the
best separated (splitting anything in two is easy to repeat), so it is only a
fallback.  Among the candidates above 2 whose smallest segment holds at least
``min_segment_share`` of users, take the most stable; candidates whose
stability is within ``stability_tolerance`` of the best count as equally
stable, and among them the higher silhouette wins, then the smaller k.
Fallbacks, in order: the same rule over every candidate including k = 2; then
the candidate whose smallest segment is largest.  ``n_clusters``, when set,
overrides the rule (and is evaluated too, so its figures are shown).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

RULE = (
    "Most stable k above 2 (highest mean bootstrap ARI) whose smallest segment holds at least "
    "{min_share:.0%} of users; stabilities within {tol:.2f} of the best count as tied and the "
    "higher silhouette wins, then the smaller k. Fallbacks: the same rule including k = 2; then "
    "the k whose smallest segment is largest. The var n_clusters overrides the rule."
)


@dataclass(frozen=True)
class Candidate:
    """The figures of one candidate k."""

    k: int
    inertia: float
    silhouette: float
    davies_bouldin: float
    calinski_harabasz: float
    smallest_segment_share: float
    stability_ari_mean: float
    stability_ari_sd: float
    is_eligible: bool = False  # meets the smallest-segment floor
    is_chosen: bool = False


@dataclass(frozen=True)
class Choice:
    """The chosen k and why."""

    k: int
    rule: str  # the general rule, with the settings filled in
    reason: str  # why this k, in one sentence
    is_override: bool
    candidates: tuple[Candidate, ...]  # every candidate, eligible and chosen marked


def rule_text(min_segment_share: float, stability_tolerance: float) -> str:
    return RULE.format(min_share=min_segment_share, tol=stability_tolerance)


def _most_stable(pool: list[Candidate], tolerance: float) -> Candidate:
    best = max(c.stability_ari_mean for c in pool)
    tied = [c for c in pool if c.stability_ari_mean >= best - tolerance]
    return sorted(tied, key=lambda c: (-c.silhouette, c.k))[0]


def choose_k(
    candidates: list[Candidate],
    min_segment_share: float = 0.05,
    stability_tolerance: float = 0.02,
    n_clusters: int | None = None,
) -> Choice:
    """Apply the rule (see the module docstring) to ``candidates``."""
    if not candidates:
        raise ValueError("no candidate k to choose from")
    marked = [
        replace(c, is_eligible=c.smallest_segment_share >= min_segment_share)
        for c in sorted(candidates, key=lambda c: c.k)
    ]
    rule = rule_text(min_segment_share, stability_tolerance)
    above_two = [c for c in marked if c.k > 2 and c.is_eligible]
    eligible = [c for c in marked if c.is_eligible]
    if n_clusters is not None:
        matching = [c for c in marked if c.k == n_clusters]
        if not matching:
            raise ValueError(f"n_clusters={n_clusters} was not evaluated")
        chosen = matching[0]
        reason = f"k = {n_clusters} was set by the var n_clusters (the rule was not applied)."
        override = True
    elif above_two:
        chosen = _most_stable(above_two, stability_tolerance)
        reason = (
            f"k = {chosen.k} is the most stable k above 2 with every segment at least "
            f"{min_segment_share:.0%} of users (mean bootstrap ARI "
            f"{chosen.stability_ari_mean:.3f}, silhouette {chosen.silhouette:.3f})."
        )
        override = False
    elif eligible:
        chosen = _most_stable(eligible, stability_tolerance)
        reason = (
            f"Fallback 1: no k above 2 keeps every segment at least {min_segment_share:.0%} of "
            f"users; k = {chosen.k} is the most stable candidate that does "
            f"(mean bootstrap ARI {chosen.stability_ari_mean:.3f})."
        )
        override = False
    else:
        chosen = sorted(marked, key=lambda c: (-c.smallest_segment_share, c.k))[0]
        reason = (
            f"Fallback 2: no candidate keeps every segment at least {min_segment_share:.0%} of "
            f"users; k = {chosen.k} has the largest smallest segment "
            f"({chosen.smallest_segment_share:.1%})."
        )
        override = False
    final = tuple(replace(c, is_chosen=c.k == chosen.k) for c in marked)
    return Choice(k=chosen.k, rule=rule, reason=reason, is_override=override, candidates=final)
