"""Binomial tolerances: how far a measured share may stray before it means something.

If each of ``n`` requests independently lands on a set of endpoints with probability
``p`` (kube-proxy's random pick per connection; a weighted split), the count that lands
there is Binomial(n, p). A test accepts the counts in :func:`binomial_interval`, whose
two tails together hold at most ``alpha`` of the probability: with the default
``alpha = 1e-6`` a correct system fails a check about once in a million runs. The
interval is exact (summed from the distribution), not a normal approximation, so it is
right for small shares and small counts too. :func:`distinguishes` says whether ``n`` is
large enough for the check to catch a wrong share, so a test cannot pass by being blind.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import attrs

FALSE_FAILURE = 1e-6


def _log_pmf(n: int, k: int, p: float) -> float:
    return (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )


def binomial_pmf(n: int, p: float) -> list[float]:
    """P(X = k) for k = 0..n, X ~ Binomial(n, p)."""
    if not 0 <= p <= 1 or n < 0:
        raise ValueError(f"n={n}, p={p}: need n >= 0 and 0 <= p <= 1")
    if p in (0.0, 1.0):
        return [1.0 if k == round(p * n) else 0.0 for k in range(n + 1)]
    return [math.exp(_log_pmf(n, k, p)) for k in range(n + 1)]


def binomial_interval(n: int, p: float, alpha: float = FALSE_FAILURE) -> tuple[int, int]:
    """The narrowest equal-tailed [lo, hi] with P(X < lo) <= alpha/2 and P(X > hi) <= alpha/2."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha={alpha}: must be in (0, 1)")
    pmf = binomial_pmf(n, p)
    half = alpha / 2
    lo, below = 0, 0.0
    while lo < n and below + pmf[lo] <= half:
        below += pmf[lo]
        lo += 1
    hi, above = n, 0.0
    while hi > 0 and above + pmf[hi] <= half:
        above += pmf[hi]
        hi -= 1
    return lo, hi


def distinguishes(
    n: int, p: float, q: float, alpha: float = FALSE_FAILURE, miss: float = 1e-3
) -> bool:
    """True when ``n`` requests tell share ``p`` from share ``q``: were the true share ``q``,
    the count would fall inside p's interval (the check would wrongly pass) with probability
    at most ``miss``. A test asserts this of its request count, so it cannot pass by being
    blind."""
    lo, hi = binomial_interval(n, p, alpha)
    pmf_q = binomial_pmf(n, q)
    return sum(pmf_q[lo : hi + 1]) <= miss


def requests_for(p: float, q: float, choices: tuple[int, ...] = (1000, 2000, 4000)) -> int:
    """The fewest of ``choices`` requests that tell share ``p`` from share ``q``."""
    for n in choices:
        if distinguishes(n, p, q):
            return n
    raise ValueError(f"none of {choices} requests tells {p} from {q}")


@attrs.frozen
class Share:
    """A measured count against the share expected of it."""

    name: str
    count: int
    total: int
    expected: float
    alpha: float = FALSE_FAILURE

    @property
    def bounds(self) -> tuple[int, int]:
        return binomial_interval(self.total, self.expected, self.alpha)

    @property
    def ok(self) -> bool:
        lo, hi = self.bounds
        return lo <= self.count <= hi

    @property
    def measured(self) -> float:
        return self.count / self.total if self.total else 0.0

    def describe(self) -> str:
        lo, hi = self.bounds
        return (
            f"{self.name}: {self.count}/{self.total} = {100 * self.measured:.1f} % "
            f"(expected {100 * self.expected:.1f} %, accepted {lo}..{hi} "
            f"at {self.alpha:g} false-failure probability)"
        )

    def as_dict(self) -> dict[str, object]:
        lo, hi = self.bounds
        return {
            "name": self.name,
            "count": self.count,
            "total": self.total,
            "measured": round(self.measured, 4),
            "expected": self.expected,
            "accepted": [lo, hi],
            "alpha": self.alpha,
            "ok": self.ok,
        }


def shares(
    counts: Mapping[str, int], expected: Mapping[str, float], alpha: float = FALSE_FAILURE
) -> list[Share]:
    """One :class:`Share` per expected name, over the total of ``counts``; the names split
    ``alpha`` between them (Bonferroni), so all together fail falsely at most ``alpha``.
    A name seen but not expected counts against an expected share of 0."""
    total = sum(counts.values())
    names = list(expected) + [n for n in counts if n not in expected]
    each = alpha / max(len(names), 1)
    return [Share(n, counts.get(n, 0), total, expected.get(n, 0.0), each) for n in names]


def even(names: list[str]) -> dict[str, float]:
    """The shares of an even spread over ``names``."""
    return {n: 1 / len(names) for n in names}
