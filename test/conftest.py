"""Workspace tests: the ROS test double where real rclpy is absent, the ROS packages from the source tree, and
the `ros` fixture (all in ros2_double/fixtures.py, shared with the packages' own tests)."""

import os
import sys

TEST_DIR = os.path.dirname(os.path.abspath(__file__))
if TEST_DIR not in sys.path:
    sys.path.insert(0, TEST_DIR)

from ros2_double.fixtures import REAL_ROS, ros  # noqa: E402,F401
