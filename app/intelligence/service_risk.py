"""``service_failure_risk``: the probability that a registered Service goes down in the next hour,
from its HealthSample series. Pure computation (no I/O): features at a moment T use only samples
at or before T; training labels are "a failed sample in (T, T + 1 h]".

A learned model needs both outcomes in the history (some hours with a failure, some without);
until the hub has seen that, a fixed, documented prior scores the same features (``kind`` says
which one made a prediction, and its metrics say it is unvalidated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from app.intelligence.learning import Dataset, TrainedModel, _reliability, build, metrics, single_thread
from app.intelligence.models import SERVICE_FEATURES

HOUR = 3_600
DAY = 24 * HOUR
NEVER_HOURS = 168.0  # "no failure seen" is as good as a week without one
STEP_S = 15 * 60  # training origins: every 15 minutes of each service's history
MIN_POSITIVE_WINDOWS = 4


@dataclass(frozen=True, slots=True)
class Sample:
    time: float  # epoch seconds
    ok: bool
    latency_ms: float | None


def _rate(failed: int, total: int) -> float:
    return failed / total if total else 0.0


def _flaps(samples: Sequence[Sample]) -> int:
    return sum(1 for a, b in pairwise(samples) if a.ok != b.ok)


def _slope_ms_per_hour(samples: Sequence[Sample]) -> float:
    """Least-squares slope of latency against time (ms per hour); 0 with fewer than 3 points."""
    points = [(s.time, s.latency_ms) for s in samples if s.latency_ms is not None]
    if len(points) < 3:
        return 0.0
    t = np.array([p[0] for p in points], dtype=float) / HOUR
    y = np.array([p[1] for p in points], dtype=float)
    spread = float(((t - t.mean()) ** 2).sum())
    return float(((t - t.mean()) * (y - y.mean())).sum() / spread) if spread else 0.0


def _mean_latency(samples: Sequence[Sample]) -> float:
    values = [s.latency_ms for s in samples if s.latency_ms is not None]
    return float(sum(values) / len(values)) if values else 0.0


def service_features(samples: Sequence[Sample], as_of: float) -> dict[str, float]:
    """The features of ``SERVICE_FEATURES`` at ``as_of`` from samples sorted by time (later
    ones are ignored)."""
    seen = [s for s in samples if s.time <= as_of]
    day = [s for s in seen if s.time > as_of - DAY]
    hour = [s for s in day if s.time > as_of - HOUR]
    six = [s for s in day if s.time > as_of - 6 * HOUR]
    failures = [s.time for s in seen if not s.ok]
    mean_day = _mean_latency(day)
    return {
        "samples24h": float(len(day)),
        "failureRate1h": _rate(sum(not s.ok for s in hour), len(hour)),
        "failureRate24h": _rate(sum(not s.ok for s in day), len(day)),
        "flaps1h": float(_flaps(hour)),
        "flaps24h": float(_flaps(day)),
        "latencyMs1h": _mean_latency(hour),
        "latencyRatio": _mean_latency(hour) / mean_day if mean_day else 1.0,
        "latencySlope6h": _slope_ms_per_hour(six),
        "hoursSinceFailure": min(NEVER_HOURS, (as_of - failures[-1]) / HOUR) if failures else NEVER_HOURS,
        "down": float(bool(seen) and not seen[-1].ok),
    }


def failed_within(samples: Sequence[Sample], after: float, until: float) -> bool:
    return any(not s.ok for s in samples if after < s.time <= until)


def training_dataset(series: dict[str, Sequence[Sample]], *, now: float, step_s: int = STEP_S) -> Dataset:
    """Per service, origins every ``step_s`` from an hour after its first sample to an hour before
    ``now``: features at T, label = a failed sample in (T, T + 1 h]."""
    dataset = Dataset()
    for samples in series.values():
        if not samples:
            continue
        origin = samples[0].time + HOUR
        while origin <= now - HOUR:
            row = service_features(samples, origin)
            dataset.extend([row], [int(failed_within(samples, origin, origin + HOUR))], int(origin))
            origin += step_s
    return dataset


class PriorEstimator:
    """The fixed prior used until a model can be learned: a logistic score of recent failures,
    flapping, being down now, recency of the last failure and latency growth. Weights are set by
    hand (documented here), not fitted; predictions made with it carry ``kind = prior``."""

    WEIGHTS = {"failureRate1h": 4.0, "failureRate24h": 3.0, "flaps1h": 0.6, "down": 2.0}
    BIAS = -3.5

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        index = {name: i for i, name in enumerate(SERVICE_FEATURES)}
        logit = np.full(len(x), self.BIAS)
        for name, weight in self.WEIGHTS.items():
            logit += weight * x[:, index[name]]
        logit += 1.5 * np.exp(-x[:, index["hoursSinceFailure"]] / 6.0)  # a failure in the last hours
        logit += 0.5 * np.clip(x[:, index["latencyRatio"]] - 1.0, 0.0, 3.0)  # latency rising
        return np.column_stack([1.0 / (1.0 + np.exp(logit)), 1.0 / (1.0 + np.exp(-logit))])


def train(dataset: Dataset) -> TrainedModel:
    """Logistic regression on the windows (time split: the newest fifth validates it), or the prior
    when the history has too few hours with a failure to learn from."""
    y = np.asarray(dataset.labels, dtype=int)
    x = dataset.matrix(SERVICE_FEATURES)
    positives = int(y.sum())
    common = {"model_type": "service_failure_risk", "features": SERVICE_FEATURES, "dataset_size": len(y)}
    medians = [float(v) for v in np.median(x, axis=0)] if len(x) else [0.0] * len(SERVICE_FEATURES)
    if positives < MIN_POSITIVE_WINDOWS or positives == len(y):
        return TrainedModel(
            kind="prior", estimator=PriorEstimator(), medians=medians, reliability=[],
            metrics={"chosen": "prior", "validated": False, "positives": positives,
                     "reason": f"{positives} of {len(y)} hour windows had a failure; it needs both outcomes"},
            **common,
        )  # fmt: skip
    origins = sorted(set(dataset.origins))
    cut = origins[int(len(origins) * 0.8)] if len(origins) >= 5 else None
    validation: dict[str, Any] = {}
    reliability: list[tuple[float, float, float]] = []
    if cut is not None:
        old = np.array([o < cut for o in dataset.origins])
        if 0 < int(y[old].sum()) < int(old.sum()):
            with single_thread():
                held = build("logistic", int(y[old].sum())).fit(x[old], y[old]).predict_proba(x[~old])[:, 1]
            validation = metrics(held, y[~old], [1.0] * int((~old).sum()))
            reliability = _reliability(held, y[~old])
    with single_thread():
        estimator = build("logistic", positives).fit(x, y)
    return TrainedModel(
        kind="logistic", estimator=estimator, medians=medians, reliability=reliability,
        metrics={"chosen": "logistic", "validated": bool(validation), "validation": {"logistic": validation},
                 "positives": positives},
        **common,
    )  # fmt: skip
