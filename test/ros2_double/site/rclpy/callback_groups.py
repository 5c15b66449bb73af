"""rclpy.callback_groups: MutuallyExclusive (one callback at a time; each node's default) and Reentrant."""

import threading
import weakref


class CallbackGroup:
    def __init__(self):
        self.entities = set()

    def add_entity(self, entity):
        self.entities.add(weakref.ref(entity))

    def has_entity(self, entity):
        return weakref.ref(entity) in self.entities

    def can_execute(self, entity):
        raise NotImplementedError()

    def beginning_execution(self, entity):
        raise NotImplementedError()

    def ending_execution(self, entity):
        raise NotImplementedError()


class ReentrantCallbackGroup(CallbackGroup):
    def can_execute(self, entity):
        return True

    def beginning_execution(self, entity):
        return True

    def ending_execution(self, entity):
        pass


class MutuallyExclusiveCallbackGroup(CallbackGroup):
    def __init__(self):
        super().__init__()
        self._active_entity = None
        self._lock = threading.Lock()

    def can_execute(self, entity):
        with self._lock:
            return self._active_entity is None

    def beginning_execution(self, entity):
        with self._lock:
            if self._active_entity is None:
                self._active_entity = entity
                return True
        return False

    def ending_execution(self, entity):
        with self._lock:
            self._active_entity = None
