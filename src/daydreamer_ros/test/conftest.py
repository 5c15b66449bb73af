"""Where ROS 2 is not installed these tests run on the workspace's ROS test double (test/ros2_double), and
daydreamer_ros is imported from the source tree when it is not installed."""

import importlib.util
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parents[1]

if importlib.util.find_spec('rclpy') is None and (ROOT / 'test' / 'ros2_double').is_dir():
    sys.path.insert(0, str(ROOT / 'test'))
    import ros2_double
    ros2_double.activate()
if importlib.util.find_spec('daydreamer_ros') is None:
    sys.path.insert(0, str(PACKAGE))
