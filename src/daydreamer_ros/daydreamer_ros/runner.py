"""The one `main` of every node in the workspace."""

import rclpy
from daydreamer.config import ConfigError
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor, SingleThreadedExecutor
from rclpy.logging import get_logger


def run(node_class, args=None, name=None, threads=1):
    """Init, build the node, spin until Ctrl-C or shutdown, then close (if the node has `close`) and destroy it.

    threads > 1 spins a MultiThreadedExecutor, so that the node's callback groups run side by side (the actor
    acts while weights load). A bad parameter (ConfigError) stops the node at start with one fatal line that
    names it, instead of a traceback.
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
    finally:
        if node is not None:
            if hasattr(node, 'close'):
                node.close()
            node.destroy_node()
        rclpy.try_shutdown()
