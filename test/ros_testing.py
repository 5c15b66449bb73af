"""
pytest wiring for the ROS tests.

Shared by the workspace tests (test/conftest.py) and the ROS packages' own tests (src/<pkg>/test/conftest.py,
which colcon test runs from the package directory).

The ROS tests run on a real ROS 2 (Humble or Jazzy: /opt/ros/<distro>, or ../shared/ros2/activate here) with the
workspace built by colcon and its install/setup.bash sourced; `scripts/test` does both. Without them the ROS
test modules are not collected and one line says so (`ros_skip_reason`).

- Every pytest session gets a DDS domain of its own (ROS_DOMAIN_ID, unless the caller set one) so that test runs
  side by side, and any `ros2 launch` they start, never see each other's topics. DDS stays on loopback
  (ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST and ROS_LOCALHOST_ONLY=1 for Humble, unless set).
- `ros`: rclpy initialised for one test and shut down afterwards.
- `ros_log`: the ROS log lines (rcutils writes them to the process's stderr) seen so far in the test.
"""

import importlib.util
import os
import time

import pytest

if 'ROS_DOMAIN_ID' not in os.environ:
    os.environ['ROS_DOMAIN_ID'] = str(1 + os.getpid() % 100)  # 1..100: clear of the default 0
os.environ.setdefault('ROS_AUTOMATIC_DISCOVERY_RANGE', 'LOCALHOST')
if os.environ.get('ROS_DISTRO') == 'humble':
    os.environ.setdefault('ROS_LOCALHOST_ONLY', '1')


def _reason():
    if importlib.util.find_spec('rclpy') is None:
        return ('no ROS 2 sourced: source /opt/ros/<distro>/setup.bash (or ../shared/ros2/activate here) and run '
                'scripts/test, which builds the workspace with colcon first')
    if importlib.util.find_spec('daydreamer_interfaces') is None:
        return ('ROS 2 is sourced but the workspace is not built: colcon build && source install/setup.bash '
                '(scripts/test does both)')
    return ''


ros_skip_reason = _reason()
ROS_AVAILABLE = not ros_skip_reason


@pytest.fixture
def ros():
    import rclpy
    rclpy.init(args=[])
    yield rclpy
    rclpy.try_shutdown()


class RosLog:
    """The log lines the process wrote to stderr during the test (rcutils logs there, from any thread)."""

    def __init__(self, capfd):
        self._capfd, self.text = capfd, ''

    def __call__(self, needle=''):
        """Return the lines seen so far that contain `needle`."""
        out, err = self._capfd.readouterr()
        self.text += out + err
        return [line for line in self.text.splitlines() if needle in line]


@pytest.fixture
def ros_log(capfd):
    return RosLog(capfd)


INFRASTRUCTURE = ('/parameter_events', '/rosout')  # topics every node has


def wait_for_matches(nodes, timeout=10.0):
    """
    Wait for DDS discovery between `nodes`.

    Waits until every publisher of `nodes` has matched each subscription of `nodes` on its topic and vice
    versa (DDS discovery runs in its own threads: no spinning needed, and no callback runs meanwhile).
    """
    pubs = [p for n in nodes for p in n.publishers if p.topic_name not in INFRASTRUCTURE]
    subs = [s for n in nodes for s in n.subscriptions if s.topic_name not in INFRASTRUCTURE]
    deadline = time.monotonic() + timeout
    while True:
        missing = [f'publisher {p.topic_name}' for p in pubs
                   if p.get_subscription_count() < sum(s.topic_name == p.topic_name for s in subs)]
        missing += [f'subscription {s.topic_name}' for s in subs
                    if s.get_publisher_count() < sum(p.topic_name == s.topic_name for p in pubs)]
        if not missing:
            return
        assert time.monotonic() < deadline, f'not matched after {timeout} s: {", ".join(missing)}'
        time.sleep(0.01)
