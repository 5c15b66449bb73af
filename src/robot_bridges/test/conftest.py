"""The workspace's test wiring (test/ros2_double/fixtures.py): the ROS test double where ROS 2 is not installed,
the workspace packages from the source tree when they are not installed, and the `ros` fixture."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'test'))
from ros2_double.fixtures import ros  # noqa: E402,F401
