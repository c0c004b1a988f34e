"""The one geometry and score check (synapse_nb._util.geometry): a reason per bad value."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest

from synapse_nb._util import geometry
from synapse_nb._util.geometry import box_problem, score_problem


def test_docstring_examples():
    assert doctest.testmod(geometry).failed == 0


@pytest.mark.parametrize(("value", "reason"), [
    (7.0, "confidence 7.0 is outside [0, 1]"), (-2, "confidence -2 is outside [0, 1]"),
    (True, "confidence True is a bool, not a number"),
    (np.bool_(False), "confidence False is a bool, not a number"),
    (math.inf, "confidence is inf"), (math.nan, "confidence is NaN"),
    ("0.5", "confidence is '0.5', not a number"), (None, "confidence is missing"),
])
def test_scores_outside_the_unit_interval_or_not_numbers_are_refused(value, reason):
    assert score_problem(value) == reason


@pytest.mark.parametrize("value", [0, 1, 0.5, np.float32(0.25), np.int64(1)])
def test_real_scores_in_the_unit_interval_pass(value):
    assert score_problem(value) is None


def test_boxes():
    assert box_problem(np.float64(1), 2, 3, 4) is None
    assert box_problem(1, 2, -math.inf, 4) == "x2 is -inf"
    assert box_problem(1, 2, 3, 2) == "y2 (2) is not greater than y1 (2): an empty or inverted box"
    assert box_problem(0, 0, 10, 11, width=10, height=10) == "y2 (11) lies outside the image (0..10)"
    assert box_problem(0, 0, 10, 10, width=10, height=10) is None
