"""The scikit-learn side of predictions: feature vectors, candidate models, model choice by a
time split, calibration-based confidence, readable top factors and the evaluation metrics.

Pure computation (numpy/scikit-learn, no I/O): the live service, the worker and the back-test
all go through these functions, so the back-test measures the code that runs in production.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from app.core.errors import InvalidInput
from app.intelligence.models import FILE_FEATURES

# How each feature reads in a sentence ("{value}" is the file's value).
_WORDS: dict[str, str] = {
    "pageRank": "PageRank {value} in the dependency graph",
    "betweenness": "betweenness {value} (sits on many dependency paths)",
    "inDegree": "{value} files depend on it",
    "outDegree": "depends on {value} files",
    "communitySize": "its module community has {value} files",
    "loc": "{value} lines of code",
    "size": "{value} bytes",
    "symbols": "{value} declared symbols",
    "testEdges": "{value} test links into its symbols",
    "commits": "{value} commits in its history",
    "commits30": "{value} commits in the last 30 days",
    "commits90": "{value} commits in the last 90 days",
    "commits365": "{value} commits in the last year",
    "added30": "{value} lines added in the last 30 days",
    "added90": "{value} lines added in the last 90 days",
    "added365": "{value} lines added in the last year",
    "deleted30": "{value} lines deleted in the last 30 days",
    "deleted90": "{value} lines deleted in the last 90 days",
    "deleted365": "{value} lines deleted in the last year",
    "authors30": "{value} authors in the last 30 days",
    "authors90": "{value} authors in the last 90 days",
    "authors365": "{value} authors in the last year",
    "fixes": "{value} past bug-fix commits",
    "fixes365": "{value} bug-fix commits in the last year",
    "ageDays": "{value} days old",
    "daysSinceChange": "last changed {value} days ago",
    "ownerShare": "its top author made {value} of its commits",
    "samples24h": "{value} health samples in the last day",
    "failureRate1h": "failed {value} of its checks in the last hour",
    "failureRate24h": "failed {value} of its checks in the last day",
    "flaps1h": "went up/down {value} times in the last hour",
    "flaps24h": "went up/down {value} times in the last day",
    "latencyMs1h": "{value} ms mean latency in the last hour",
    "latencyRatio": "latency at {value}x its daily mean",
    "latencySlope6h": "latency rising {value} ms per hour",
    "hoursSinceFailure": "last failed {value} hours ago",
    "down": "down now ({value})",
}
CANDIDATES = ("logistic", "gradient_boosting", "logistic_compact")
# The compact candidate: size, the last year's churn and authors, past fixes, staleness and how
# many files depend on it. Few features for repositories with a few hundred labelled rows (on
# click, httpx and werkzeug it ranked better than the full vector in the back-test's replay).
COMPACT_FEATURES: tuple[str, ...] = (
    "loc", "commits365", "added365", "authors365", "fixes", "daysSinceChange", "inDegree",
)  # fmt: skip


def candidate_features(kind: str) -> tuple[str, ...]:
    return COMPACT_FEATURES if kind == "logistic_compact" else FILE_FEATURES


# One thread for OpenMP/BLAS: these models are small, and on a shared, loaded machine the default
# of one spinning thread per core made a training 50x slower (measured 171 s against 3.5 s).
def single_thread() -> Any:
    return threadpool_limits(limits=1)


VALIDATION_ORIGINS = 3  # how many of the newest origins the candidates are compared on
MIN_POSITIVES = 6  # fewer fix-touched files than this and no model is honest


@dataclass(slots=True)
class Dataset:
    """Rows of feature maps with labels, tagged by origin (the moment T they were taken at)."""

    rows: list[dict[str, float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    origins: list[int] = field(default_factory=list)

    def extend(self, rows: Sequence[dict[str, float]], labels: Sequence[int], origin: int) -> None:
        self.rows.extend(rows)
        self.labels.extend(labels)
        self.origins.extend([origin] * len(rows))

    def matrix(self, features: Sequence[str] = FILE_FEATURES) -> np.ndarray:
        return feature_matrix(self.rows, features)


def feature_matrix(rows: Sequence[dict[str, Any]], features: Sequence[str] = FILE_FEATURES) -> np.ndarray:
    return np.array([[float(row.get(name) or 0.0) for name in features] for row in rows], dtype=float)


def _log1p(values: np.ndarray) -> np.ndarray:
    return np.log1p(np.clip(values, 0.0, None))


# Which way each file feature may move the risk (1 up, -1 down, 0 free): gradient boosting is
# held to it. A domain prior, not a fit: more code, churn, authors, past fixes or dependents never
# lower a file's risk, a longer quiet spell never raises it. On the small repositories (16-50
# files, 1-8 fix-touched per origin) unconstrained trees learned noise; see bench/RESULTS.md.
FEATURE_DIRECTION: dict[str, int] = {
    "daysSinceChange": -1, "ownerShare": 0, "ageDays": 0, "testEdges": 0, "communitySize": 0,
}  # fmt: skip
# The file model's logistic regularisation (inverse strength): a few hundred rows and a handful of
# positives per repository, so strong; 0.5 ranked httpx's files worse than random (pooled 0.19).
FILE_LOGISTIC_C = 0.1


def build(
    kind: str, positives: int, *, features: Sequence[str] | None = None, logistic_c: float = 0.5
) -> Any:
    """An unfitted candidate: counts are log-scaled; each is calibrated (Platt) by 3-fold CV
    when there are enough positives for the folds. With ``features`` named, gradient boosting
    is held monotone in the directions of ``FEATURE_DIRECTION`` (1 for any feature not listed)."""
    if kind in ("logistic", "logistic_compact"):
        base: Any = make_pipeline(
            FunctionTransformer(_log1p), StandardScaler(), LogisticRegression(C=logistic_c, max_iter=2000)
        )
    elif kind == "gradient_boosting":
        base = HistGradientBoostingClassifier(
            max_depth=3,
            learning_rate=0.05,
            max_iter=150,
            min_samples_leaf=10,
            l2_regularization=1.0,
            random_state=0,
            monotonic_cst=[FEATURE_DIRECTION.get(name, 1) for name in features] if features else None,
        )
    else:
        raise InvalidInput(f"unknown model kind {kind!r}; known: {', '.join(CANDIDATES)}")
    if positives >= 9:
        return RankPreservingCalibration(base)
    return base


class RankPreservingCalibration(ClassifierMixin, BaseEstimator):
    """Platt scaling that cannot reorder the files: the model is fitted once on all rows, and a
    sigmoid with a non-negative slope, fitted on 3-fold out-of-fold scores, maps its scores to
    probabilities. scikit-learn's CalibratedClassifierCV averages three fold models each with its
    own sigmoid; on click's 16-18 files per origin a fold's slope came out negative and turned
    the ranking upside down (ROC-AUC 0.79 -> 0.41 in the back-test's replay)."""

    def __init__(self, base: Any) -> None:
        self.base = base

    def fit(self, x: np.ndarray, y: np.ndarray) -> RankPreservingCalibration:
        self.classes_ = np.array([0, 1])
        folds = StratifiedKFold(n_splits=3)
        out_of_fold = cross_val_predict(clone(self.base), x, y, cv=folds, method="predict_proba")[:, 1]
        platt = LogisticRegression(C=1e6).fit(_logit(out_of_fold)[:, None], y)
        self.slope_, self.intercept_ = float(platt.coef_[0, 0]), float(platt.intercept_[0])
        if self.slope_ <= 0.0:  # the folds ranked no better than chance: keep the model's own scores
            self.slope_, self.intercept_ = 1.0, 0.0
        self.model_ = clone(self.base).fit(x, y)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        raw = self.model_.predict_proba(x)[:, 1]
        calibrated = 1.0 / (1.0 + np.exp(-(self.slope_ * _logit(raw) + self.intercept_)))
        return np.column_stack([1.0 - calibrated, calibrated])


def _logit(p: np.ndarray) -> np.ndarray:
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(clipped / (1.0 - clipped))


def metrics(scores: Sequence[float], labels: Sequence[int], loc: Sequence[float]) -> dict[str, Any]:
    """ROC-AUC, PR-AUC (average precision), recall at 20 % of LOC and the Brier score; AUCs are
    None when the labels have a single class (nothing to rank)."""
    y = np.asarray(labels, dtype=int)
    s = np.asarray(scores, dtype=float)
    both = 0 < int(y.sum()) < len(y)
    out: dict[str, Any] = {
        "files": len(y),
        "positives": int(y.sum()),
        "rocAuc": round(float(roc_auc_score(y, s)), 4) if both else None,
        "prAuc": round(float(average_precision_score(y, s)), 4) if both else None,
        "recallAt20Loc": round(recall_at_loc(s, y, np.asarray(loc, dtype=float), 0.2), 4)
        if y.sum()
        else None,
    }
    if both and float(s.min()) >= 0.0 and float(s.max()) <= 1.0:
        out["brier"] = round(float(brier_score_loss(y, s)), 4)
    return out


def recall_at_loc(scores: np.ndarray, labels: np.ndarray, loc: np.ndarray, share: float) -> float:
    """Effort-aware recall: inspect files from the highest score down until ``share`` of all
    lines is read; the share of fix-touched files found. Ties broken towards smaller files."""
    if labels.sum() == 0:
        return 0.0
    order = np.lexsort((loc, -scores))
    budget = share * max(float(loc.sum()), 1.0)
    read = np.cumsum(loc[order])
    inspected = order[read <= budget]
    return float(labels[inspected].sum() / labels.sum())


@dataclass(slots=True)
class TrainedModel:
    """What is stored as the model artefact (joblib under HUB_HOME, checked by its hash)."""

    model_type: str
    kind: str
    estimator: Any
    features: tuple[str, ...]
    medians: list[float]
    reliability: list[tuple[float, float, float]]  # (upper bound, mean predicted, observed rate)
    metrics: dict[str, Any]
    dataset_size: int

    def probabilities(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        with single_thread():
            return np.asarray(self.estimator.predict_proba(feature_matrix(rows, self.features))[:, 1])

    def confidence(self, probability: float) -> float:
        """How far the model's calibration can be trusted at this probability: one minus the gap
        between the predicted and observed fix rate of the validation bin it falls into."""
        for upper, predicted, observed in self.reliability:
            if probability <= upper:
                return round(max(0.0, 1.0 - abs(predicted - observed)), 4)
        if self.reliability:
            _, predicted, observed = self.reliability[-1]
            return round(max(0.0, 1.0 - abs(predicted - observed)), 4)
        return 0.5

    def top_factors(self, rows: Sequence[dict[str, Any]], *, count: int = 3) -> list[list[dict[str, Any]]]:
        """Per row, the features that raise its probability most: each feature in turn is set
        to the population median and the drop in probability is its contribution."""
        if not rows:
            return []
        x = feature_matrix(rows, self.features)
        with single_thread():
            base = self.estimator.predict_proba(x)[:, 1]
        n, k = x.shape
        stacked = np.repeat(x[None, :, :], k, axis=0)
        for j in range(k):
            stacked[j, :, j] = self.medians[j]
        with single_thread():
            occluded = self.estimator.predict_proba(stacked.reshape(n * k, k))[:, 1].reshape(k, n)
        contribution = base[None, :] - occluded
        out = []
        for i in range(n):
            ranked = np.argsort(-contribution[:, i])[:count]
            factors = []
            for j in ranked:
                if contribution[j, i] <= 0.001:
                    break
                name = self.features[j]
                factors.append(
                    {
                        "feature": name,
                        "value": _rounded(x[i, j]),
                        "contribution": round(float(contribution[j, i]), 4),
                        "text": describe(name, x[i, j]),
                    }
                )
            out.append(factors)
        return out


def _rounded(value: float) -> float:
    return round(float(value), 4) if abs(value) < 10 else round(float(value), 1)


def describe(feature: str, value: float) -> str:
    if feature in ("ownerShare", "failureRate1h", "failureRate24h"):
        shown = f"{value:.0%}"
    elif float(value).is_integer() or abs(value) >= 10:
        shown = f"{value:,.0f}"
    else:
        shown = f"{value:.3g}"
    return _WORDS.get(feature, feature + " {value}").format(value=shown)


def _reliability(
    probabilities: np.ndarray, labels: np.ndarray, bins: int = 5
) -> list[tuple[float, float, float]]:
    if len(labels) == 0:
        return []
    edges = np.unique(np.quantile(probabilities, np.linspace(0, 1, bins + 1)[1:]))
    table, lower = [], -1.0
    for upper in edges:
        mask = (probabilities > lower) & (probabilities <= upper)
        if mask.any():
            table.append((float(upper), float(probabilities[mask].mean()), float(labels[mask].mean())))
        lower = float(upper)
    return table


def fit(kind: str, dataset: Dataset) -> Any:
    y = np.asarray(dataset.labels, dtype=int)
    if y.sum() < 2 or y.sum() == len(y):
        raise InvalidInput("the training data needs both fix-touched and untouched files")
    with single_thread():
        features = candidate_features(kind)
        return build(kind, int(y.sum()), features=features, logistic_c=FILE_LOGISTIC_C).fit(
            dataset.matrix(features), y
        )


def split_by_origin(dataset: Dataset, origin: int) -> tuple[Dataset, Dataset]:
    """Everything taken before ``origin`` and everything taken at it."""
    before, at = Dataset(), Dataset()
    for row, label, taken in zip(dataset.rows, dataset.labels, dataset.origins, strict=True):
        if taken < origin:
            before.extend([row], [label], taken)
        elif taken == origin:
            at.extend([row], [label], taken)
    return before, at


def train(model_type: str, dataset: Dataset, *, kinds: Sequence[str] = CANDIDATES) -> TrainedModel:
    """Choose the candidate by rolling time splits (for each of the newest ``VALIDATION_ORIGINS``
    origins: fit on the origins before it, score it; the best mean ROC-AUC wins), then refit the
    chosen one on everything. One split chose by a handful of fix-touched files and picked the
    worse candidate at most of werkzeug's origins. The pooled validation predictions give the
    reliability table that confidence is read from. With a single origin the logistic model is
    taken, unvalidated."""
    y_all = np.asarray(dataset.labels, dtype=int)
    if int(y_all.sum()) < MIN_POSITIVES:
        raise InvalidInput(
            f"only {int(y_all.sum())} fix-touched files in the training windows (need {MIN_POSITIVES})",
            hint="ingest more history (hub graph ingest --history N) or widen the window",
        )
    origins = sorted(set(dataset.origins))
    validation: dict[str, dict[str, Any]] = {}
    reliability: dict[str, list[tuple[float, float, float]]] = {}
    held_out = origins[1:][-VALIDATION_ORIGINS:]
    for kind in kinds:
        predicted: list[float] = []
        labels: list[int] = []
        loc: list[float] = []
        per_origin: list[float] = []
        for origin in held_out:
            older, at = split_by_origin(dataset, origin)
            try:
                estimator = fit(kind, older)
            except InvalidInput:
                continue
            with single_thread():
                p = estimator.predict_proba(at.matrix(candidate_features(kind)))[:, 1]
            auc = metrics(p, at.labels, [row.get("loc", 0) for row in at.rows])["rocAuc"]
            if auc is not None:
                per_origin.append(auc)
            predicted += [float(v) for v in p]
            labels += at.labels
            loc += [row.get("loc", 0) for row in at.rows]
        if labels:
            validation[kind] = {
                **metrics(predicted, labels, loc),
                "originRocAuc": per_origin,
                "meanRocAuc": round(float(np.mean(per_origin)), 4) if per_origin else None,
            }
            reliability[kind] = _reliability(np.asarray(predicted), np.asarray(labels))
    scored = {k: v for k, v in validation.items() if v.get("meanRocAuc") is not None}
    chosen = max(scored, key=lambda k: scored[k]["meanRocAuc"]) if scored else "logistic"
    estimator = fit(chosen, dataset)
    x_all = dataset.matrix(candidate_features(chosen))
    if chosen not in reliability:  # no held-out origin: in-sample reliability, said in metrics
        with single_thread():
            reliability[chosen] = _reliability(estimator.predict_proba(x_all)[:, 1], y_all)
    return TrainedModel(
        model_type=model_type,
        kind=chosen,
        estimator=estimator,
        features=candidate_features(chosen),
        medians=[float(v) for v in np.median(x_all, axis=0)],
        reliability=reliability[chosen],
        metrics={
            "chosen": chosen,
            "validation": validation,
            "origins": len(origins),
            "positives": int(y_all.sum()),
            "validated": bool(scored),
        },
        dataset_size=len(y_all),
    )


def bugspots_score(fix_times: Sequence[int], *, first: int, as_of: int) -> float:
    """Lewis et al. (ICSE 2013) / Google's bugspots: each past fix counts 1 / (1 + e^(-12 t + 12))
    with t its time normalised to [0, 1] between the repository's first commit and ``as_of``."""
    span = max(as_of - first, 1)
    return float(sum(1.0 / (1.0 + math.exp(-12.0 * ((t - first) / span) + 12.0)) for t in fix_times))
