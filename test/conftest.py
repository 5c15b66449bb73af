"""Workspace test setup: when real rclpy is not importable, activate the in-process ROS 2 double."""

import importlib.util
import os
import sys

import pytest

TEST_DIR = os.path.dirname(os.path.abspath(__file__))
if TEST_DIR not in sys.path:
    sys.path.insert(0, TEST_DIR)
# The ROS packages' Python modules straight from the source tree (colcon installs them on a ROS machine; the
# core package `daydreamer` is pip-installed by scripts/setup).
SRC = os.path.join(os.path.dirname(TEST_DIR), 'src')
for _package in sorted(os.listdir(SRC)):
    if _package != 'daydreamer' and os.path.exists(os.path.join(SRC, _package, 'setup.py')):
        if os.path.join(SRC, _package) not in sys.path:
            sys.path.insert(0, os.path.join(SRC, _package))

REAL_ROS = importlib.util.find_spec('rclpy') is not None
if not REAL_ROS:
    import ros2_double
    ros2_double.activate()


@pytest.fixture
def ros():
    """rclpy initialised for one test; shut down and (with the double) the graph/logs reset afterwards."""
    import rclpy
    rclpy.init(args=[])
    yield rclpy
    rclpy.try_shutdown()
    if not REAL_ROS:
        import ros2_double
        ros2_double.reset()
