"""rclpy.guard_condition.GuardCondition: trigger() makes its callback ready once."""

from ._graph import GRAPH
from .exceptions import InvalidHandle


class GuardCondition:
    def __init__(self, callback, callback_group, context=None):
        self.callback = callback
        self.callback_group = callback_group
        if callback_group is not None:
            callback_group.add_entity(self)
        self._triggered = False
        self._destroyed = False
        self._node = None

    @property
    def handle(self):
        return self

    def trigger(self):
        if self._destroyed:
            raise InvalidHandle('Tried to use a handle that has been destroyed.')
        self._triggered = True
        GRAPH.notify()

    def destroy(self):
        if self._node is not None:
            self._node.destroy_guard_condition(self)
        self._destroyed = True

    def _double_ready(self):
        return self._triggered and self.callback is not None

    def _double_take(self, executor):
        self._triggered = False
        return self.callback

    def _double_destroy(self):
        self._destroyed = True
