"""This package's tests need a real ROS 2 and the built workspace; the wiring is test/ros_testing.py."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'test'))
from ros_testing import ROS_AVAILABLE, ros, ros_log, ros_skip_reason  # noqa: E402,F401

if not ROS_AVAILABLE:
    collect_ignore_glob = ['test_*.py']


def pytest_report_header():
    return None if ROS_AVAILABLE else f'ROS tests skipped: {ros_skip_reason}'
