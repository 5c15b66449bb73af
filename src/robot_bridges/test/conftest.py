"""Where ROS 2 is not installed these tests run on the workspace's ROS test double (test/ros2_double); the
workspace packages are imported from the source tree when they are not installed."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REAL_ROS = importlib.util.find_spec('rclpy') is not None

if not REAL_ROS and (ROOT / 'test' / 'ros2_double').is_dir():
    sys.path.insert(0, str(ROOT / 'test'))
    import ros2_double
    ros2_double.activate()
for package in ('daydreamer_ros', 'robot_bridges'):
    if importlib.util.find_spec(package) is None:
        sys.path.insert(0, str(ROOT / 'src' / package))


@pytest.fixture
def ros():
    import rclpy
    rclpy.init(args=[])
    yield rclpy
    rclpy.try_shutdown()
    if not REAL_ROS:
        import ros2_double
        ros2_double.reset()
