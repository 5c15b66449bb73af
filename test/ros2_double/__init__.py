"""A strict in-process test double of ROS 2 (rclpy, generated messages, launch) for Humble and Jazzy.

Use from tests (never from product code):
    import ros2_double; ros2_double.activate()
    ...
    ros2_double.reset()   # clears the graph, logs, default context and per-test state

The distro follows ROS2_DOUBLE_DISTRO=humble|jazzy (default humble: strict field checks). Fake packages live in
site/ (put on sys.path by activate()); message packages are generated at import from .msg/.srv files.
"""

import os
import sys
import time

from . import _msggen
from ._state import LOGS, RESET_HOOKS, distro, jazzy  # noqa: F401

SITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'site')
_ACTIVE = False


def activate():
    """Put the fake rclpy/launch/... on sys.path and install the message import hook."""
    global _ACTIVE
    if SITE not in sys.path:
        sys.path.insert(0, SITE)
    _msggen.install()
    _ACTIVE = True


def active():
    return _ACTIVE


def reset():
    """Forget everything a test left behind: graph, logs, contexts, logger call sites and levels."""
    import rclpy
    rclpy.try_shutdown()
    for hook in list(RESET_HOOKS):
        hook()
    LOGS.clear()
    from rclpy.impl import rcutils_logger
    rcutils_logger._LEVELS.clear()


def spin_for(executor_or_nodes, seconds):
    """Spin an executor (or a node / list of nodes on a fresh SingleThreadedExecutor) for `seconds` wall time."""
    from rclpy.executors import Executor, SingleThreadedExecutor
    if isinstance(executor_or_nodes, Executor):
        executor, own = executor_or_nodes, False
    else:
        nodes = executor_or_nodes if isinstance(executor_or_nodes, (list, tuple)) else [executor_or_nodes]
        executor, own = SingleThreadedExecutor(), True
        for node in nodes:
            executor.add_node(node)
    end = time.monotonic() + seconds
    try:
        while True:
            left = end - time.monotonic()
            if left <= 0 or not executor.context.ok():
                break
            executor.spin_once(timeout_sec=left)
    finally:
        if own:
            for node in executor.get_nodes():
                executor.remove_node(node)
            executor.shutdown()


def spin_until(executor_or_nodes, predicate, timeout=5.0):
    """Spin until predicate() is true (returns True) or timeout seconds pass (returns False)."""
    from rclpy.executors import Executor, SingleThreadedExecutor
    if isinstance(executor_or_nodes, Executor):
        executor, own = executor_or_nodes, False
    else:
        nodes = executor_or_nodes if isinstance(executor_or_nodes, (list, tuple)) else [executor_or_nodes]
        executor, own = SingleThreadedExecutor(), True
        for node in nodes:
            executor.add_node(node)
    end = time.monotonic() + timeout
    try:
        while not predicate():
            left = end - time.monotonic()
            if left <= 0:
                return False
            executor.spin_once(timeout_sec=min(left, 0.05))
        return True
    finally:
        if own:
            for node in executor.get_nodes():
                executor.remove_node(node)
            executor.shutdown()


def logs(severity=None, name=None, contains=None):
    """The recorded log records, filtered (severity: int or LoggingSeverity; name: logger name; contains: text)."""
    out = []
    for r in LOGS:
        if severity is not None and int(r['severity']) != int(severity):
            continue
        if name is not None and r['name'] != name:
            continue
        if contains is not None and contains not in r['message']:
            continue
        out.append(r)
    return out


def publish_clock(node_or_publisher, seconds):
    """Publish one rosgraph_msgs/Clock (e.g. from a test's node) to drive use_sim_time nodes."""
    from rosgraph_msgs.msg import Clock
    from builtin_interfaces.msg import Time
    sec = int(seconds)
    msg = Clock(clock=Time(sec=sec, nanosec=int(round((seconds - sec) * 1e9))))
    node_or_publisher.publish(msg)


def launch_eval(path, arguments=None):
    """Evaluate a launch file statically: the processes it would start (see ros2_double.launch_eval docs)."""
    from ._launch_eval import launch_eval as _impl
    return _impl(path, arguments or {})


def ament_prefix(root, packages):
    """A fake install prefix under `root` for {package: share_dir}; set AMENT_PREFIX_PATH to it."""
    from ._launch_eval import ament_prefix as _impl
    return _impl(root, packages)
