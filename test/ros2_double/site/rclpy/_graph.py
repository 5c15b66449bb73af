"""The in-process ROS graph shared by every node of the double: endpoints, queues and one wake-up condition."""

import threading

from ros2_double._state import RESET_HOOKS


class Graph:
    def __init__(self):
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.clear()

    def clear(self):
        with self.lock:
            self.nodes = []
            self.publishers = []
            self.subscriptions = []
            self.services = []
            self.clients = []
            self.generation = 0

    def notify(self):
        with self.cond:
            self.generation += 1
            self.cond.notify_all()

    def wait(self, timeout):
        with self.cond:
            self.cond.wait(timeout)


GRAPH = Graph()


def same_type(a, b):
    return a is b or (getattr(a, '_double_pkg', None), getattr(a, '_double_name', 1)) == \
        (getattr(b, '_double_pkg', None), getattr(b, '_double_name', 2))


def _reset():
    GRAPH.clear()


RESET_HOOKS.append(_reset)
