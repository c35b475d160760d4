"""The knobs of matching, with their defaults; the web layer fills them from config.

This module owns the names and defaults of the weights and thresholds; it depends on nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

PARTS = ("need_fit", "distance", "capacity", "intensity", "freshness", "outcomes")
# The weighted average runs over the first five parts; "outcomes" is added on top (0 without history).
AVERAGED = 5


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Weights of the score parts and the thresholds that shape them."""

    need_weight: float = 0.5
    distance_weight: float = 0.2
    capacity_weight: float = 0.15
    intensity_weight: float = 0.1
    freshness_weight: float = 0.05
    # learning from outcomes: the smoothed acceptance rate minus the prior's, times this weight, is
    # added to the average (so no history adds exactly 0); a Beta prior of ``outcome_prior_strength``
    # referrals at ``outcome_prior_rate`` keeps five referrals from outweighing the rest
    outcome_weight: float = 0.1
    outcome_prior_rate: float = 0.7
    outcome_prior_strength: float = 10.0
    distance_scale_km: float = 10.0  # distance part = exp(-d / scale)
    # 0: a remote result (no site) never outranks an equivalent in-person one, however far within reach
    remote_distance_score: float = 0.0  # distance part of a remote result without a site
    # a remote line whose area is the child's own district (or finer) before a city-wide one; keep it
    # below the distance part of an in-person site at the usual radius (exp(-25/10) = 0.08)
    remote_local_score: float = 0.05
    stale_after_days: int = 180  # caveat "not verified for over N days"
    fresh_days: int = 90  # freshness 1 up to this age, then linear to 0 at faded_days
    faded_days: int = 365  # freshness 0 from this age (days since verification) on
    # capacity part: accepting 1, full 0; a waitlist waitlist_score / (1 + wait_days / wait_scale_days),
    # or wait_unknown_score when the wait is not known
    waitlist_score: float = 0.6
    wait_scale_days: float = 30.0
    wait_unknown_score: float = 0.3
    # intensity part by the child's highest explicit severity (1, 2, 3: rows) and the service's
    # intensity (prevention, support, intensive: types.INTENSITIES' order)
    intensity_fit: tuple[tuple[float, float, float], ...] = ((1.0, 0.8, 0.4), (0.6, 1.0, 0.8), (0.3, 0.6, 1.0))
    notes_min_confidence: float = 30  # reading confidence x 100 to infer a need from notes
    text_min_score: float = 25  # reading confidence x 100 for a need given as text (else not understood)
    # A typed place (places.py) resolves only at or above this confidence (0-1), and only when no
    # other place, not containing or inside it, comes within the margin of it; else a 422 with the
    # candidates. Confidence: 1 code/name/alias, 0.95 pinyin or site name, 0.9 without the kind word,
    # 0.85 a fragment of a site name or address, a fuzzy guess its similarity (0-1, with a caveat).
    place_min_confidence: float = 0.8
    place_ambiguity_margin: float = 0.05
    # need fit of a service's term for a child's need: the same term, a narrower one (the service is
    # more specific), or a broader one (tagged only with a parent term: little credit)
    exact_fit: float = 1.0
    narrower_fit: float = 0.85
    broader_fit: float = 0.25
    # the ordering rules above the score (see scoring.tiers), each switchable for a baseline
    urgent_severity: int = 3  # a need this severe is urgent
    urgent_ready_first: bool = True  # urgent: services meeting it that accept now and are fresh first
    specialist_first: bool = True  # urgent: more urgent needs met by a specific term first
    school_unknown_last: bool = True  # a school's own service, the child's school not known: after others
    unknown_eligibility_last: bool = True  # restricted on a fact the request leaves unknown: after others

    def fits(self) -> tuple[float, float, float]:
        """Need fit by relation, in the order of index.BROADER, NARROWER, EXACT (0, 1, 2)."""
        return (self.broader_fit, self.narrower_fit, self.exact_fit)

    # Score points taken from a service restricted on a fact the child's record leaves unknown
    # (gender, languages, groups): it is offered, a little lower, with an "eligible if" caveat.
    unknown_eligibility_penalty: float = 5.0

    def weights(self) -> tuple[float, ...]:
        """The weights in the order of ``PARTS``."""
        return (
            self.need_weight,
            self.distance_weight,
            self.capacity_weight,
            self.intensity_weight,
            self.freshness_weight,
            self.outcome_weight,
        )

    def outcome_prior(self) -> tuple[float, float]:
        """The Beta prior's (a, b): pseudo-acceptances and pseudo-declines."""
        return (
            self.outcome_prior_rate * self.outcome_prior_strength,
            (1.0 - self.outcome_prior_rate) * self.outcome_prior_strength,
        )
