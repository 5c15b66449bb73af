"""rclpy.service.Service: callback(request, Response()) must return a Response (bare TypeError otherwise)."""

from ros2_double import _msggen

from ._graph import GRAPH
from .exceptions import InvalidHandle


class Service:
    def __init__(self, service_impl, srv_type, srv_name, callback, callback_group, qos_profile):
        self._node, self._service_name = service_impl
        self.srv_type = srv_type
        self.srv_name = srv_name
        self.callback = callback
        self.callback_group = callback_group
        callback_group.add_entity(self)
        self.qos_profile = qos_profile
        self._queue = []
        self._destroyed = False

    @property
    def handle(self):
        self._check()
        return self

    def _check(self):
        if self._destroyed:
            raise InvalidHandle('Tried to use a handle that has been destroyed.')

    @property
    def service_name(self):
        self._check()
        return self._service_name

    def send_response(self, response, header):
        self._check()
        if not isinstance(response, self.srv_type.Response):
            raise TypeError()
        _msggen.validate(response)
        client, sequence = header
        client._double_response(sequence, _msggen.copy_message(response))

    def destroy(self):
        if self._node is not None:
            self._node.destroy_service(self)

    # ---- double internals

    def _double_request(self, request, client, sequence):
        with GRAPH.lock:
            self._queue.append((request, (client, sequence)))
        GRAPH.notify()

    def _double_ready(self):
        return bool(self._queue)

    def _double_take(self, executor):
        request, header = self._queue.pop(0)

        async def work():
            response = self.callback(request, self.srv_type.Response())
            if hasattr(response, '__await__'):
                response = await response
            self.send_response(response, header)
        return work

    def _double_destroy(self):
        with GRAPH.lock:
            if self in GRAPH.services:
                GRAPH.services.remove(self)
            self._queue.clear()
        self._destroyed = True
        GRAPH.notify()
