"""The one `main` of every node in the workspace."""

import signal
import threading

import rclpy
from daydreamer.config import ConfigError
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor, SingleThreadedExecutor
from rclpy.logging import get_logger


def run(node_class, args=None, name=None, threads=1):
    """Init, build the node, spin until Ctrl-C or shutdown, then close (if the node has `close`) and destroy it.

    threads > 1 spins a MultiThreadedExecutor, so that the node's callback groups run side by side (the actor
    acts while weights load). A bad parameter (ConfigError) stops the node at start with one fatal line that
    names it, instead of a traceback.

    Ctrl-C stops the node once: further SIGINTs are ignored while it closes (`ros2 launch` without a terminal
    forwards SIGINT to its processes, so a Ctrl-C to the process group arrives twice; a second KeyboardInterrupt
    would cut the learner's final checkpoint short). A callback that fails because Ctrl-C shut the context down
    under it (e.g. its publish: "publisher's context is invalid") is that same stop, not an error.
    """
    rclpy.init(args=args)
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
        if rclpy.ok():
            raise
    finally:
        restore = _ignore_interrupts()
        try:
            if node is not None:
                if hasattr(node, 'close'):
                    node.close()
                node.destroy_node()
            rclpy.try_shutdown()
        finally:
            restore()


def _ignore_interrupts():
    """Ignores SIGINT (also one already received but not yet raised) until the returned function restores it."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    return lambda: signal.signal(signal.SIGINT, previous)
