# Copyright 2026 DayDreamer for ROS 2 team
#
# Permission is hereby granted, free of charge, to any person obtaining a copy
# of this software and associated documentation files (the "Software"), to deal
# in the Software without restriction, including without limitation the rights
# to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
# copies of the Software, and to permit persons to whom the Software is
# furnished to do so, subject to the following conditions:
#
# The above copyright notice and this permission notice shall be included in
# all copies or substantial portions of the Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
# IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
# FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL
# THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
# LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
# OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
# THE SOFTWARE.

"""
runner.run, the one main of every node.

A bad parameter stops the node with one fatal line; a shutdown while spinning ends it cleanly, closing the node (so
the actor spools and the learner checkpoints).
"""

from daydreamer.config import ConfigError
from daydreamer_ros import runner
import pytest
import rclpy
from rclpy.node import Node


class Stopper(Node):
    """Shuts ROS down from its first timer tick, as Ctrl-C or `ros2 lifecycle` would from outside."""

    closed = []

    def __init__(self):
        super().__init__('stopper')
        if self.declare_parameter('mode', 'ok').value != 'ok':
            raise ConfigError(f"parameter mode: {self.get_parameter('mode').value!r} is not 'ok'")
        self.create_timer(0.01, lambda: rclpy.shutdown())

    def close(self):
        Stopper.closed.append(self.get_name())


@pytest.mark.parametrize('threads', [1, 3])
def test_shutdown_while_spinning_closes_and_destroys_the_node(threads):
    Stopper.closed.clear()
    runner.run(Stopper, args=['stopper'], threads=threads)
    assert Stopper.closed == ['stopper']
    assert not rclpy.ok()


def test_a_bad_parameter_stops_the_node_with_one_fatal_line(ros_log):
    with pytest.raises(SystemExit) as stop:
        runner.run(Stopper, args=['stopper', '--ros-args', '-p', 'mode:=broken'], name='stopper')
    assert stop.value.code == 1
    fatal = ros_log('[FATAL]')
    assert len(fatal) == 1 and fatal[0].endswith("[stopper]: cannot start: parameter mode: 'broken' is not 'ok'")
    assert not ros_log('Traceback')
    assert not rclpy.ok()
