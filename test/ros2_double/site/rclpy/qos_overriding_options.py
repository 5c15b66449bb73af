"""rclpy.qos_overriding_options (accepted; the double declares no QoS parameters)."""

from enum import IntEnum


class QoSPolicyKind(IntEnum):
    INVALID = 1 << 0
    DURABILITY = 1 << 1
    DEADLINE = 1 << 2
    LIVELINESS = 1 << 3
    LIVELINESS_LEASE_DURATION = 1 << 4
    HISTORY = 1 << 5
    DEPTH = 1 << 6
    LIFESPAN = 1 << 7
    RELIABILITY = 1 << 8


class QoSOverridingOptions:
    def __init__(self, policy_kinds, *, callback=None, entity_id=None):
        self.policy_kinds, self.callback, self.entity_id = policy_kinds, callback, entity_id

    @classmethod
    def with_default_policies(cls, *, callback=None, entity_id=None):
        return cls(policy_kinds=(QoSPolicyKind.HISTORY, QoSPolicyKind.DEPTH, QoSPolicyKind.RELIABILITY),
                   callback=callback, entity_id=entity_id)
