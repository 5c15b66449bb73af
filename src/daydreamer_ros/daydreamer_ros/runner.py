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

"""The one `main` of every node in the workspace."""

import signal
import threading

from daydreamer.config import ConfigError
import rclpy
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor, SingleThreadedExecutor
from rclpy.logging import get_logger


def run(node_class, args=None, name=None, threads=1):
    """
    Init, build the node, spin until Ctrl-C or shutdown, then close (if the node has `close`) and destroy it.

    threads > 1 spins a MultiThreadedExecutor, so that the node's callback groups run side by side (the actor
    acts while weights load). A bad parameter (ConfigError) stops the node at start with one fatal line that
    names it, instead of a traceback.

    Ctrl-C stops the node once: further SIGINTs are ignored while it closes (`ros2 launch` without a terminal
    forwards SIGINT to its processes, so a Ctrl-C to the process group arrives twice; a second KeyboardInterrupt
    would cut the learner's final checkpoint short). Ctrl-C can also surface as another exception from spin: a
    callback publishing on the context it shut down ("publisher's context is invalid"), or pybind11 turning the
    KeyboardInterrupt raised inside a take into "Unable to convert call argument"; that is the same stop, not an
    error.
    """
    interrupts = _Interrupts()
    rclpy.init(args=args)  # after _Interrupts: rclpy's handler chains to it
    node = None
    try:
        try:
            node = node_class()
        except ConfigError as e:
            get_logger(name or node_class.__name__).fatal(f'cannot start: {e}')
            raise SystemExit(1)
        executor = MultiThreadedExecutor(num_threads=threads) if threads > 1 else SingleThreadedExecutor()
        executor.add_node(node)
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except Exception:
        if rclpy.ok() and not interrupts.received:
            raise
    finally:
        interrupts.ignore()
        try:
            if node is not None:
                if hasattr(node, 'close'):
                    node.close()
                node.destroy_node()
            rclpy.try_shutdown()
        finally:
            interrupts.restore()


class _Interrupts:
    """
    Note a SIGINT (then raise KeyboardInterrupt as Python does).

    `ignore()` ignores further ones (also one received but not yet raised) until `restore()`. Signal handlers belong
    to the main thread: elsewhere it only reports none.
    """

    def __init__(self):
        self.received = False
        self._previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            if callable(previous):
                self._previous = previous
                signal.signal(signal.SIGINT, self._on_sigint)

    def _on_sigint(self, signum, frame):
        self.received = True
        self._previous(signum, frame)

    def ignore(self):
        if self._previous is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    def restore(self):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
