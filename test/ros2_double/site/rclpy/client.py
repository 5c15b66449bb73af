"""rclpy.client.Client: call_async -> Future completed when the client's node is spun; wait_for_service polls."""

import threading
import time

from ros2_double import _msggen
from ros2_double._state import jazzy

from ._graph import GRAPH, same_type
from .exceptions import InvalidHandle
from .task import Future


class Client:
    def __init__(self, context, client_impl, srv_type, srv_name, qos_profile, callback_group):
        self.context = context
        self._node, self._service_name = client_impl
        self.srv_type = srv_type
        self.srv_name = srv_name
        self.qos_profile = qos_profile
        self.callback_group = callback_group
        callback_group.add_entity(self)
        self._pending_requests = {}
        self._responses = []
        self._sequence = 0
        self._lock = threading.Lock()
        self._destroyed = False

    @property
    def handle(self):
        self._check()
        return self

    def _check(self):
        if self._destroyed:
            raise InvalidHandle('Tried to use a handle that has been destroyed.')

    if jazzy():
        @property
        def service_name(self):
            self._check()
            return self._service_name

    def _servers(self):
        return [s for s in GRAPH.services
                if s._service_name == self._service_name and same_type(s.srv_type, self.srv_type)]

    def _call(self, request, timeout_sec=None):
        event = threading.Event()

        def unblock(future):
            event.set()
        future = self.call_async(request)
        future.add_done_callback(unblock)
        if not future.done():
            if not event.wait(timeout_sec):
                self.remove_pending_request(future)
                return None
        if future.exception() is not None:
            raise future.exception()
        return future.result()

    if jazzy():
        def call(self, request, timeout_sec=None):
            return self._call(request, timeout_sec)
    else:
        def call(self, request):
            return self._call(request)

    def remove_pending_request(self, future):
        with self._lock:
            for seq, req_future in list(self._pending_requests.items()):
                if future is req_future:
                    del self._pending_requests[seq]
                    break

    def call_async(self, request):
        self._check()
        if not isinstance(request, self.srv_type.Request):
            raise TypeError()
        _msggen.validate(request)
        with self._lock:
            self._sequence += 1
            sequence = self._sequence
            future = Future()
            self._pending_requests[sequence] = future
        with GRAPH.lock:
            servers = self._servers()
        if servers:
            servers[0]._double_request(_msggen.copy_message(request), self, sequence)
        future.add_done_callback(self.remove_pending_request)
        return future

    def service_is_ready(self):
        self._check()
        with GRAPH.lock:
            return bool(self._servers())

    def wait_for_service(self, timeout_sec=None):
        sleep_time = 0.25
        if timeout_sec is None:
            timeout_sec = float('inf')
        while self.context.ok() and not self.service_is_ready() and timeout_sec > 0.0:
            time.sleep(min(sleep_time, timeout_sec))
            timeout_sec -= sleep_time
        return self.service_is_ready()

    def destroy(self):
        if self._node is not None:
            self._node.destroy_client(self)

    # ---- double internals

    def _double_response(self, sequence, response):
        with GRAPH.lock:
            if not self._destroyed:
                self._responses.append((sequence, response))
        GRAPH.notify()

    def _double_ready(self):
        return bool(self._responses)

    def _double_take(self, executor):
        sequence, response = self._responses.pop(0)
        with self._lock:
            future = self._pending_requests.get(sequence)

        def work():
            if future is not None and not future.cancelled():
                future._set_executor(executor)
                future.set_result(response)
        return work

    def _double_destroy(self):
        with GRAPH.lock:
            if self in GRAPH.clients:
                GRAPH.clients.remove(self)
        self._destroyed = True
        GRAPH.notify()
