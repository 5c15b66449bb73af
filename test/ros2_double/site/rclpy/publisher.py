"""rclpy.publisher.Publisher: type-checked publish, full field re-validation, in-process delivery."""

import time
from collections import deque

from ros2_double import _msggen

from ._graph import GRAPH, same_type
from .exceptions import InvalidHandle
from .qos import DurabilityPolicy, HistoryPolicy, QoSCompatibility, qos_check_compatible


def queue_for(qos):
    if qos.history == HistoryPolicy.KEEP_ALL:
        return deque()
    return deque(maxlen=max(int(qos.depth), 1))


def connected(pub, sub):
    return (pub.topic_name == sub.topic_name and same_type(pub.msg_type, sub.msg_type)
            and qos_check_compatible(pub.qos_profile, sub.qos_profile)[0] != QoSCompatibility.ERROR)


class Publisher:
    def __init__(self, publisher_impl, msg_type, topic, qos_profile, event_callbacks, callback_group):
        self._node, self._topic_name = publisher_impl
        self.msg_type = msg_type
        self.topic = topic
        self.qos_profile = qos_profile
        self.event_callbacks = event_callbacks
        self.event_handlers = []
        self.callback_group = callback_group
        self._destroyed = False
        self._sequence = 0
        self._history = queue_for(qos_profile) if qos_profile.durability == DurabilityPolicy.TRANSIENT_LOCAL else None

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

    def publish(self, msg):
        self._check()
        if isinstance(msg, self.msg_type):
            _msggen.validate(msg)
        elif isinstance(msg, bytes):
            raise NotImplementedError('ros2_double: publishing serialized bytes is not supported')
        else:
            raise TypeError('Expected {}, got {}'.format(self.msg_type, type(msg)))
        with GRAPH.lock:
            self._sequence += 1
            stamp = time.time_ns()
            if self._history is not None:
                self._history.append((_msggen.copy_message(msg), stamp, self._sequence))
            for sub in GRAPH.subscriptions:
                if connected(self, sub):
                    sub._double_enqueue(_msggen.copy_message(msg), stamp, self._sequence)
        GRAPH.notify()

    def get_subscription_count(self):
        self._check()
        with GRAPH.lock:
            return sum(1 for s in GRAPH.subscriptions if s.topic_name == self._topic_name)

    def assert_liveliness(self):
        self._check()

    def wait_for_all_acked(self, timeout=None):
        self._check()
        return True

    def destroy(self):
        if self._node is not None:
            self._node.destroy_publisher(self)

    def _double_destroy(self):
        with GRAPH.lock:
            if self in GRAPH.publishers:
                GRAPH.publishers.remove(self)
        self._destroyed = True
        GRAPH.notify()
