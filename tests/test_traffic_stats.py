"""The binomial tolerances the traffic tests judge measured shares by."""

from __future__ import annotations

import math

import pytest

from tests.e2e.traffic.stats import (
    Share,
    binomial_interval,
    binomial_pmf,
    distinguishes,
    even,
    requests_for,
    shares,
)


def tail_below(n: int, p: float, k: int) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k))


def tail_above(n: int, p: float, k: int) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1, n + 1))


@pytest.mark.parametrize(("n", "p", "alpha"), [(20, 0.3, 0.05), (200, 0.1, 1e-6), (50, 0.5, 1e-3)])
def test_each_tail_outside_the_interval_is_at_most_half_alpha_and_the_interval_is_tight(
    n: int, p: float, alpha: float
) -> None:
    lo, hi = binomial_interval(n, p, alpha)
    assert lo <= n * p <= hi
    assert tail_below(n, p, lo) <= alpha / 2
    assert tail_above(n, p, hi) <= alpha / 2
    # One count narrower on either side would put more than alpha/2 outside.
    assert tail_below(n, p, lo + 1) > alpha / 2
    assert tail_above(n, p, hi - 1) > alpha / 2


def test_the_pmf_sums_to_one_and_certain_shares_are_exact() -> None:
    assert sum(binomial_pmf(1000, 0.25)) == pytest.approx(1.0)
    assert binomial_interval(400, 0.0) == (0, 0)
    assert binomial_interval(400, 1.0) == (400, 400)


def test_a_ten_percent_canary_over_1000_requests_accepts_near_100_and_refuses_150() -> None:
    assert Share("canary", 100, 1000, 0.10).ok
    assert Share("canary", 62, 1000, 0.10).ok is (binomial_interval(1000, 0.1)[0] <= 62)
    assert not Share("canary", 150, 1000, 0.10).ok
    assert not Share("canary", 1, 1000, 0.0).ok
    assert "100/1000 = 10.0 %" in Share("canary", 100, 1000, 0.10).describe()


def test_distinguishes_says_when_a_count_is_too_small_to_tell_shares_apart() -> None:
    assert distinguishes(1000, 0.10, 0.25)
    assert not distinguishes(20, 0.10, 0.25)
    assert distinguishes(400, 0.05, 0.25)
    # At 50 % one pod of ten more (60 %) needs 2000 requests to be caught.
    assert not distinguishes(1000, 0.5, 0.6)
    assert requests_for(0.5, 0.6) == 2000
    assert requests_for(0.1, 0.2) == 1000


def test_shares_split_alpha_and_count_unexpected_names_against_zero() -> None:
    result = shares({"a": 48, "b": 52, "stray": 1}, even(["a", "b"]), alpha=3e-6)
    by_name = {s.name: s for s in result}
    assert all(s.alpha == pytest.approx(1e-6) for s in result)
    assert by_name["a"].ok and by_name["b"].ok
    assert not by_name["stray"].ok
    missing = {s.name: s for s in shares({"a": 100}, even(["a", "b"]))}
    assert not missing["b"].ok and missing["b"].count == 0
