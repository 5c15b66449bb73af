"""
Workspace tests.

The ROS ones (ROS_TESTS) need a real ROS 2 and the built workspace (test/ros_testing.py);
without them they are not collected and the run ends with one line that says how to enable them.
"""

import os
import sys

TEST_DIR = os.path.dirname(os.path.abspath(__file__))
if TEST_DIR not in sys.path:
    sys.path.insert(0, TEST_DIR)

from ros_testing import ros, ROS_AVAILABLE, ros_log, ros_skip_reason  # noqa: E402,F401

# Workspace test modules that start ROS nodes, processes or launch files.
ROS_TESTS = {'test_actor_node.py', 'test_learner_node.py', 'test_sim_node.py', 'test_bridges.py', 'test_launch.py',
             'test_launch_graph.py', 'test_interfaces.py', 'test_delivery.py', 'test_drivers_mock.py',
             'test_a1_drivers.py', 'test_sphero_driver.py', 'test_bags_ros.py'}
ROS_PACKAGE_TESTS = ('daydreamer_actor', 'daydreamer_learner', 'daydreamer_ros', 'robot_bridges')
_skipped = []


def pytest_ignore_collect(collection_path, config):
    if ROS_AVAILABLE:
        return None
    path = str(collection_path)
    ros_file = os.path.dirname(path) == TEST_DIR and collection_path.name in ROS_TESTS
    ros_package = any(f'{os.sep}src{os.sep}{pkg}{os.sep}test' in path for pkg in ROS_PACKAGE_TESTS)
    if ros_file or ros_package:
        _skipped.append(path)
        return True
    return None


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.write_line(f'ROS tests skipped ({len(_skipped)} files): {ros_skip_reason}')
