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
teleop_key: keyboard pause / resume / hard reset of a bridge (DayDreamer's KBReset, as ROS services).

Keys (raw terminal, no Enter): p pause (the current step goes out with is_last, the robot holds), c resume
(the next step is is_first), r hard reset, q quit. Parameter `bridge` (string, '/a1_bridge'): the bridge
node whose `<bridge>/pause`, `<bridge>/resume` and `<bridge>/hard_reset` (std_srvs/Trigger) are called.
"""

import select
import sys

from rcl_interfaces.msg import ParameterDescriptor
import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from std_srvs.srv import Trigger

KEYS = {'p': 'pause', 'c': 'resume', 'r': 'hard_reset'}
HELP = 'p: pause   c: continue (resume)   r: hard reset   q: quit'


def service_for(key, bridge):
    """Return the service a key calls ('<bridge>/pause', ...), 'quit' for q (and Ctrl-C / Ctrl-D), None otherwise."""
    key = key.lower()
    if key in ('q', '\x03', '\x04'):
        return 'quit'
    if key in KEYS:
        return f"{bridge.rstrip('/')}/{KEYS[key]}"
    return None


class TeleopKey(Node):

    def __init__(self):
        super().__init__('teleop_key')
        self.bridge = self.declare_parameter('bridge', '/a1_bridge',
                                             ParameterDescriptor(description='the bridge node to control')).value
        self.clients_ = {name: self.create_client(Trigger, f"{self.bridge.rstrip('/')}/{name}")
                         for name in KEYS.values()}

    def call(self, service):
        client = self.clients_[service.rsplit('/', 1)[1]]
        if not client.wait_for_service(timeout_sec=2.0):
            self.get_logger().warning(f'{service} is not available (is the bridge {self.bridge} running?)')
            return
        future = client.call_async(Trigger.Request())
        rclpy.spin_until_future_complete(self, future, timeout_sec=5.0)
        if not future.done():
            self.get_logger().warning(f'{service}: no answer within 5 s')
            return
        result = future.result()
        log = self.get_logger().info if result.success else self.get_logger().warning
        log(f'{service}: {result.message}')


def read_key(timeout=0.1):
    """One key from stdin in raw mode, or '' after `timeout` s."""
    ready, _, _ = select.select([sys.stdin], [], [], timeout)
    return sys.stdin.read(1) if ready else ''


def main(args=None):
    import termios
    import tty
    rclpy.init(args=args)
    node = TeleopKey()
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd) if sys.stdin.isatty() else None
    try:
        if saved is not None:
            tty.setcbreak(fd)
        print(f'teleop_key for {node.bridge}: {HELP}', flush=True)
        while rclpy.ok():
            key = read_key()
            rclpy.spin_once(node, timeout_sec=0.0)
            service = service_for(key, node.bridge) if key else None
            if service == 'quit':
                break
            if service is not None:
                node.call(service)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == '__main__':
    main()
