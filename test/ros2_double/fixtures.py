"""pytest wiring shared by the workspace tests (test/conftest.py) and the ROS packages' own tests
(src/<pkg>/test/conftest.py, which colcon test runs from the package directory):

- where real rclpy is not importable, the double is activated;
- the workspace's ROS packages are imported from the source tree when they are not installed (colcon installs
  them on a ROS machine; scripts/setup pip-installs the core `daydreamer`);
- the `ros` fixture: rclpy initialised for one test, shut down afterwards (and, on the double, the graph and the
  logs reset).

A conftest uses it with `from ros2_double.fixtures import ros  # noqa: F401` after putting test/ on sys.path.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL_ROS = importlib.util.find_spec('rclpy') is not None  # checked before the double puts its rclpy on the path

if not REAL_ROS:
    from . import activate
    activate()
for _setup in sorted(ROOT.glob('src/*/setup.py')):
    _package = _setup.parent
    if _package.name != 'daydreamer' and importlib.util.find_spec(_package.name) is None:
        sys.path.insert(0, str(_package))


@pytest.fixture
def ros():
    import rclpy
    rclpy.init(args=[])
    yield rclpy
    rclpy.try_shutdown()
    if not REAL_ROS:
        from . import reset
        reset()
