"""Event callback containers (accepted and stored; the double only emits the incompatible-QoS warnings)."""

from enum import IntEnum


class QoSPublisherEventType(IntEnum):
    RCL_PUBLISHER_OFFERED_DEADLINE_MISSED = 0
    RCL_PUBLISHER_LIVELINESS_LOST = 1
    RCL_PUBLISHER_OFFERED_INCOMPATIBLE_QOS = 2


class QoSSubscriptionEventType(IntEnum):
    RCL_SUBSCRIPTION_REQUESTED_DEADLINE_MISSED = 0
    RCL_SUBSCRIPTION_LIVELINESS_CHANGED = 1
    RCL_SUBSCRIPTION_REQUESTED_INCOMPATIBLE_QOS = 2
    RCL_SUBSCRIPTION_MESSAGE_LOST = 3


class PublisherEventCallbacks:
    def __init__(self, *, deadline=None, liveliness=None, incompatible_qos=None, use_default_callbacks=True,
                 **kwargs):
        self.deadline, self.liveliness, self.incompatible_qos = deadline, liveliness, incompatible_qos
        self.use_default_callbacks = use_default_callbacks


class SubscriptionEventCallbacks:
    def __init__(self, *, deadline=None, incompatible_qos=None, liveliness=None, message_lost=None,
                 use_default_callbacks=True, **kwargs):
        self.deadline, self.incompatible_qos, self.liveliness = deadline, incompatible_qos, liveliness
        self.message_lost, self.use_default_callbacks = message_lost, use_default_callbacks


class QoSRequestedIncompatibleQoSInfo:
    def __init__(self, total_count=1, total_count_change=1, last_policy_kind=0):
        self.total_count, self.total_count_change, self.last_policy_kind = total_count, total_count_change, \
            last_policy_kind


QoSOfferedIncompatibleQoSInfo = QoSRequestedIncompatibleQoSInfo
