"""`./matjip bench` reaches the harness with its arguments untouched, and refuses a plan that makes no sense."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from matjip_bench.cli import _rates, build_parser


def test_matjip_bench_hands_its_arguments_to_the_harness() -> None:
    shown = subprocess.run([sys.executable, "-m", "matjip_devstack", "bench", "--help"], capture_output=True,
                           text=True, timeout=600, check=True)
    assert "./matjip bench" in shown.stdout and "--checkout-rates" in shown.stdout


def test_rates_step_up() -> None:
    assert _rates("5,10,20") == (5, 10, 20)
    for bad in ("10,5", "0,5", "5,x", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            _rates(bad)


def test_the_default_plan_steps_far_past_todays_figures() -> None:
    args = build_parser().parse_args([])
    assert args.checkout_rates[0] <= 5 and args.checkout_rates[-1] >= 80
    assert args.menu_rates[0] <= 50 and args.menu_rates[-1] >= 2000
