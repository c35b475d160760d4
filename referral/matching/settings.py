"""The knobs of matching, with their defaults; the web layer fills them from config.

This module owns the names and defaults of the weights and thresholds; it depends on nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

PARTS = ("need_fit", "distance", "capacity", "intensity", "freshness")


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Weights of the score parts and the thresholds that shape them."""

    need_weight: float = 0.5
    distance_weight: float = 0.2
    capacity_weight: float = 0.15
    intensity_weight: float = 0.1
    freshness_weight: float = 0.05
    distance_scale_km: float = 10.0  # distance part = exp(-d / scale)
    remote_distance_score: float = 0.5  # distance part of a remote result without a site
    stale_after_days: int = 180  # caveat "not verified for over N days"
    fresh_days: int = 90  # freshness 1 up to this age, then linear to 0 at 365 days
    notes_min_confidence: float = 30  # reading confidence x 100 to infer a need from notes
    text_min_score: float = 25  # reading confidence x 100 for a need given as text (else not understood)

    def weights(self) -> tuple[float, ...]:
        """The weights in the order of ``PARTS``."""
        return (self.need_weight, self.distance_weight, self.capacity_weight, self.intensity_weight, self.freshness_weight)
