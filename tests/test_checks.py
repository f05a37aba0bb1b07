"""The table of argument types and ranges (yolo_dsconv/checks.py): what each rule accepts and how it says so."""

from __future__ import annotations

import math

import pytest

from yolo_dsconv.checks import RULES, Rule, check, is_int, is_number


@pytest.mark.parametrize(
    "rule,good,bad",
    [
        (Rule(low=1), [1, 7, 10**9], [0, -1, True, 1.0, "1", None]),
        (Rule(low=1, odd=True), [1, 3, 9], [2, 0, -3, True, 3.0]),
        (Rule(low=32, step=32), [32, 416, 640], [0, 16, 100, 31.0, False]),
        (Rule(low=0, high=9), [0, 9], [-1, 10, True]),
        (Rule(integer=False, low=0, open_low=True), [1e-9, 2, 0.5, math.inf], [0, -0.1, True, "1", None]),
        (Rule(integer=False, low=0, high=1, open_low=True, open_high=True), [0.5, 0.95], [0, 1, 95, False]),
    ],
)
def test_a_rule_accepts_its_type_and_range_and_never_a_bool(rule, good, bad):
    assert all(rule.accepts(v) for v in good), good
    assert not any(rule.accepts(v) for v in bad), bad


@pytest.mark.parametrize(
    "name,value,expected",
    [
        ("seeds", 0, "a positive integer"),
        ("k", 4, "an odd positive integer"),
        ("samples", 1, "an integer ≥ 2 (two halves of the images)"),
        ("clutter", -1, "an integer ≥ 0"),
        ("margin", 0, "a positive number (in metric units)"),
        ("level", 1.5, "a confidence level between 0 and 1"),
        ("imgsz", 100, "a multiple of 32, ≥ 32"),
    ],
)
def test_an_error_names_the_owner_the_argument_the_value_and_what_was_expected(name, value, expected):
    with pytest.raises(KeyError, match="x"):  # the error type is the caller's
        check(name, value, "owner", error=lambda message: KeyError("x " + message))
    with pytest.raises(ValueError) as e:
        check(name, value, "owner")
    assert str(e.value) == f"owner: {name}={value!r} is invalid, expected {expected}"


def test_every_rule_reads_as_words_and_a_bounded_one_says_its_range():
    assert all(rule.words() for rule in RULES.values())
    assert Rule(low=0, high=24, note="the layers").words() == "an integer 0..24 (the layers)"
    assert Rule(integer=False, low=0.5).words() == "a number ≥ 0.5"
    assert Rule(integer=False, low=0).words() == "a number ≥ 0"  # 0 itself allowed: not "positive"
    assert Rule(integer=False, low=1, open_low=True).words() == "a number ≥ 1"
    assert check("seeds", 3, "owner") == 3


def test_bools_are_not_numbers():
    assert is_int(3) and not is_int(True) and not is_int(3.0)
    assert is_number(3.5) and is_number(2) and not is_number(False) and not is_number("3")


@pytest.mark.parametrize("name", ["sizes", "converged_only", "amp"])
def test_a_flag_takes_true_or_false_and_nothing_that_reads_as_one(name):
    assert check(name, True, "x") is True and check(name, False, "x") is False
    for bad in (1, 0, "True", None):
        with pytest.raises(ValueError, match=rf"x: {name}={bad!r} is invalid, expected True or False"):
            check(name, bad, "x")
