"""launch.event_handlers: OnProcessStart/OnProcessExit/OnShutdown (their entities are recorded as deferred)."""


class _Handler:
    def __init__(self, *, target_action=None, on_start=None, on_exit=None, on_shutdown=None, **kwargs):
        self.target_action = target_action
        entities = on_start or on_exit or on_shutdown or []
        if callable(entities):
            entities = []
        self._double_entities = entities if isinstance(entities, list) else [entities]


class OnProcessStart(_Handler):
    pass


class OnProcessExit(_Handler):
    pass


class OnShutdown(_Handler):
    pass


class OnProcessIO(_Handler):
    pass
