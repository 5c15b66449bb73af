"""rclpy.subscription.Subscription: a KEEP_LAST/KEEP_ALL queue fed by connected publishers."""

import inspect
import time

from ros2_double._state import jazzy

from ._graph import GRAPH
from .exceptions import InvalidHandle
from .publisher import queue_for


def _check_arity(callback):
    """J picks callback(msg) or callback(msg, msg_info) by signature at creation."""
    try:
        inspect.signature(callback).bind(object())
        return 1
    except TypeError:
        pass
    try:
        inspect.signature(callback).bind(object(), object())
        return 2
    except TypeError:
        raise RuntimeError('Subscription.__init__(): callback should be either be callable with one argument'
                           '(to get only the message) or two (to get message and message info)') from None


class Subscription:
    def __init__(self, subscription_impl, msg_type, topic, callback, callback_group, qos_profile,
                 raw, event_callbacks):
        self._node, self._topic_name = subscription_impl
        self.msg_type = msg_type
        self.topic = topic
        self.callback_group = callback_group
        callback_group.add_entity(self)
        self.qos_profile = qos_profile
        self.raw = raw
        self.event_callbacks = event_callbacks
        self.event_handlers = []
        self._queue = queue_for(qos_profile)
        self._destroyed = False
        self._received = 0
        self._arity = 1
        self.callback = callback

    @property
    def callback(self):
        return self._callback

    @callback.setter
    def callback(self, value):
        if jazzy():
            self._arity = _check_arity(value)
        self._callback = value

    @property
    def handle(self):
        self._check()
        return self

    def _check(self):
        if self._destroyed:
            raise InvalidHandle('Tried to use a handle that has been destroyed.')

    @property
    def topic_name(self):
        self._check()
        return self._topic_name

    if jazzy():
        def get_publisher_count(self):
            self._check()
            with GRAPH.lock:
                return sum(1 for p in GRAPH.publishers if p.topic_name == self._topic_name)

    def destroy(self):
        if self._node is not None:
            self._node.destroy_subscription(self)

    # ---- double internals

    def _double_enqueue(self, msg, stamp, sequence):
        self._received += 1
        info = {'source_timestamp': stamp, 'received_timestamp': time.time_ns(),
                'publication_sequence_number': sequence, 'reception_sequence_number': self._received}
        self._queue.append((msg, info))

    def _double_ready(self):
        return bool(self._queue)

    def _double_take(self, executor):
        msg, info = self._queue.popleft()
        if self.raw:
            raise NotImplementedError('ros2_double: raw subscriptions are not supported')
        if self._arity == 2:
            return lambda: self._callback(msg, info)
        return lambda: self._callback(msg)

    def _double_destroy(self):
        with GRAPH.lock:
            if self in GRAPH.subscriptions:
                GRAPH.subscriptions.remove(self)
            self._queue.clear()
        self._destroyed = True
        GRAPH.notify()
