"""rclpy.qos: QoSProfile with its checks, policy enums, the predefined profiles and qos_check_compatible."""

import warnings
from enum import Enum, IntEnum

from ros2_double._state import jazzy

from .duration import Duration


class InvalidQoSProfileException(Exception):
    def __init__(self, *args):
        Exception.__init__(self, 'Invalid QoSProfile', *args)


class HistoryPolicy(IntEnum):
    SYSTEM_DEFAULT = 0
    KEEP_LAST = 1
    KEEP_ALL = 2
    UNKNOWN = 3


if jazzy():
    class ReliabilityPolicy(IntEnum):
        SYSTEM_DEFAULT = 0
        RELIABLE = 1
        BEST_EFFORT = 2
        UNKNOWN = 3
        BEST_AVAILABLE = 4

    class DurabilityPolicy(IntEnum):
        SYSTEM_DEFAULT = 0
        TRANSIENT_LOCAL = 1
        VOLATILE = 2
        UNKNOWN = 3
        BEST_AVAILABLE = 4

    class LivelinessPolicy(IntEnum):
        SYSTEM_DEFAULT = 0
        AUTOMATIC = 1
        MANUAL_BY_TOPIC = 3
        UNKNOWN = 4
        BEST_AVAILABLE = 5
else:
    class ReliabilityPolicy(IntEnum):
        SYSTEM_DEFAULT = 0
        RELIABLE = 1
        BEST_EFFORT = 2
        UNKNOWN = 3

    class DurabilityPolicy(IntEnum):
        SYSTEM_DEFAULT = 0
        TRANSIENT_LOCAL = 1
        VOLATILE = 2
        UNKNOWN = 3

    class LivelinessPolicy(IntEnum):
        SYSTEM_DEFAULT = 0
        AUTOMATIC = 1
        MANUAL_BY_TOPIC = 3
        UNKNOWN = 4

QoSHistoryPolicy = HistoryPolicy
QoSReliabilityPolicy = ReliabilityPolicy
QoSDurabilityPolicy = DurabilityPolicy
QoSLivelinessPolicy = LivelinessPolicy

_POLICIES = {'history': HistoryPolicy, 'reliability': ReliabilityPolicy, 'durability': DurabilityPolicy,
             'liveliness': LivelinessPolicy}
_DURATIONS = ('lifespan', 'deadline', 'liveliness_lease_duration')


class QoSProfile:
    __slots__ = ['_history', '_depth', '_reliability', '_durability', '_lifespan', '_deadline', '_liveliness',
                 '_liveliness_lease_duration', '_avoid_ros_namespace_conventions']

    def __init__(self, **kwargs):
        assert all('_' + key in self.__slots__ for key in kwargs.keys()), \
            'Invalid arguments passed to constructor: %r' % kwargs.keys()
        if 'history' not in kwargs:
            if 'depth' not in kwargs:
                raise InvalidQoSProfileException('History and/or depth settings are required.')
            kwargs['history'] = HistoryPolicy.KEEP_LAST
        self.history = kwargs.get('history')
        if HistoryPolicy.KEEP_LAST == self.history and 'depth' not in kwargs:
            raise InvalidQoSProfileException('History set to KEEP_LAST without a depth setting.')
        self.depth = kwargs.get('depth', 10)
        if jazzy() and HistoryPolicy.KEEP_LAST == self.history and self.depth == 0:
            warnings.warn('A zero depth with KEEP_LAST doesn\'t make sense; no data could be stored. '
                          'This will be interpreted as SYSTEM_DEFAULT')
        self.reliability = kwargs.get('reliability', ReliabilityPolicy.RELIABLE)
        self.durability = kwargs.get('durability', DurabilityPolicy.VOLATILE)
        self.lifespan = kwargs.get('lifespan', Duration())
        self.deadline = kwargs.get('deadline', Duration())
        self.liveliness = kwargs.get('liveliness', LivelinessPolicy.SYSTEM_DEFAULT)
        self.liveliness_lease_duration = kwargs.get('liveliness_lease_duration', Duration())
        self.avoid_ros_namespace_conventions = kwargs.get('avoid_ros_namespace_conventions', False)

    def __eq__(self, other):
        if not isinstance(other, QoSProfile):
            return False
        return all(getattr(self, s) == getattr(other, s) for s in self.__slots__)

    __hash__ = None

    def __repr__(self):
        return 'QoSProfile(%s)' % ', '.join(f'{s[1:]}={getattr(self, s)!r}' for s in self.__slots__)

    def get_c_qos_profile(self):
        return self


def _policy_property(name, enum):
    def getter(self):
        return getattr(self, '_' + name)

    def setter(self, value):
        assert isinstance(value, (enum, int))
        setattr(self, '_' + name, enum(value))
    return property(getter, setter)


def _duration_property(name):
    def getter(self):
        return getattr(self, '_' + name)

    def setter(self, value):
        assert isinstance(value, Duration)
        setattr(self, '_' + name, value)
    return property(getter, setter)


def _depth_setter(self, value):
    assert isinstance(value, int)
    self._depth = value


def _avoid_setter(self, value):
    assert isinstance(value, bool)
    self._avoid_ros_namespace_conventions = value


for _n, _e in _POLICIES.items():
    setattr(QoSProfile, _n, _policy_property(_n, _e))
for _n in _DURATIONS:
    setattr(QoSProfile, _n, _duration_property(_n))
QoSProfile.depth = property(lambda self: self._depth, _depth_setter)
QoSProfile.avoid_ros_namespace_conventions = property(lambda self: self._avoid_ros_namespace_conventions,
                                                      _avoid_setter)


def _profile(history, depth, reliability, durability):
    return QoSProfile(history=history, depth=depth, reliability=reliability, durability=durability)


qos_profile_sensor_data = _profile(HistoryPolicy.KEEP_LAST, 5, ReliabilityPolicy.BEST_EFFORT,
                                   DurabilityPolicy.VOLATILE)
qos_profile_parameters = _profile(HistoryPolicy.KEEP_LAST, 1000, ReliabilityPolicy.RELIABLE,
                                  DurabilityPolicy.VOLATILE)
qos_profile_services_default = _profile(HistoryPolicy.KEEP_LAST, 10, ReliabilityPolicy.RELIABLE,
                                        DurabilityPolicy.VOLATILE)
qos_profile_parameter_events = _profile(HistoryPolicy.KEEP_LAST, 1000, ReliabilityPolicy.RELIABLE,
                                        DurabilityPolicy.VOLATILE)
qos_profile_system_default = _profile(HistoryPolicy.SYSTEM_DEFAULT, 0, ReliabilityPolicy.SYSTEM_DEFAULT,
                                      DurabilityPolicy.SYSTEM_DEFAULT)
qos_profile_unknown = _profile(HistoryPolicy.UNKNOWN, 0, ReliabilityPolicy.UNKNOWN, DurabilityPolicy.UNKNOWN)
qos_profile_action_status_default = _profile(HistoryPolicy.KEEP_LAST, 1, ReliabilityPolicy.RELIABLE,
                                             DurabilityPolicy.TRANSIENT_LOCAL)
_qos_profile_default = _profile(HistoryPolicy.KEEP_LAST, 10, ReliabilityPolicy.RELIABLE, DurabilityPolicy.VOLATILE)
if jazzy():
    qos_profile_default = _qos_profile_default
    qos_profile_best_available = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=10,
                                            reliability=ReliabilityPolicy.BEST_AVAILABLE,
                                            durability=DurabilityPolicy.BEST_AVAILABLE,
                                            liveliness=LivelinessPolicy.BEST_AVAILABLE)


class QoSPresetProfiles(Enum):
    UNKNOWN = qos_profile_unknown
    SYSTEM_DEFAULT = qos_profile_system_default
    SENSOR_DATA = qos_profile_sensor_data
    SERVICES_DEFAULT = qos_profile_services_default
    PARAMETERS = qos_profile_parameters
    PARAMETER_EVENTS = qos_profile_parameter_events
    ACTION_STATUS_DEFAULT = qos_profile_action_status_default

    @classmethod
    def short_keys(cls):
        return [m.lower() for m in cls.__members__.keys()]

    @classmethod
    def get_from_short_key(cls, name):
        return cls[name.upper()].value


class QoSCompatibility(IntEnum):
    OK = 0
    WARNING = 1
    ERROR = 2


def qos_check_compatible(publisher_qos, subscription_qos):
    """rmw_dds_common::qos_profile_check_compatible: (QoSCompatibility, reason)."""
    pub, sub = publisher_qos, subscription_qos
    R, D, L = ReliabilityPolicy, DurabilityPolicy, LivelinessPolicy
    errors, warns = [], []
    if pub.reliability == R.BEST_EFFORT and sub.reliability == R.RELIABLE:
        errors.append('ERROR: Best effort publisher and reliable subscription;')
    if pub.durability == D.VOLATILE and sub.durability == D.TRANSIENT_LOCAL:
        errors.append('ERROR: Volatile publisher and transient local subscription;')
    pub_deadline, sub_deadline = pub.deadline.nanoseconds, sub.deadline.nanoseconds
    if pub_deadline == 0 and sub_deadline != 0:
        errors.append('ERROR: Subscription has a deadline, but publisher does not;')
    if pub_deadline and sub_deadline and sub_deadline < pub_deadline:
        errors.append('ERROR: Subscription deadline is less than publisher deadline;')
    if pub.liveliness == L.AUTOMATIC and sub.liveliness == L.MANUAL_BY_TOPIC:
        errors.append('ERROR: Publisher\'s liveliness is automatic and subscription\'s is manual by topic;')
    pub_lease, sub_lease = pub.liveliness_lease_duration.nanoseconds, sub.liveliness_lease_duration.nanoseconds
    if pub_lease == 0 and sub_lease != 0:
        errors.append('ERROR: Subscription has a liveliness lease duration, but publisher does not;')
    if pub_lease and sub_lease and sub_lease < pub_lease:
        errors.append('ERROR: Subscription liveliness lease duration is less than publisher;')
    if errors:
        return QoSCompatibility.ERROR, ''.join(errors)
    unsure = (0, 3)  # SYSTEM_DEFAULT, UNKNOWN
    if pub.reliability in unsure and sub.reliability == R.RELIABLE or \
            sub.reliability in unsure and pub.reliability == R.BEST_EFFORT:
        warns.append('WARNING: Publisher reliability is unknown and subscription is reliable;')
    if pub.durability in unsure and sub.durability == D.TRANSIENT_LOCAL or \
            sub.durability in unsure and pub.durability == D.VOLATILE:
        warns.append('WARNING: Publisher durability is unknown and subscription is transient local;')
    if pub.liveliness in (0, 4) and sub.liveliness == L.MANUAL_BY_TOPIC:
        warns.append('WARNING: Publisher liveliness is unknown and subscription is manual by topic;')
    if warns:
        return QoSCompatibility.WARNING, ''.join(warns)
    return QoSCompatibility.OK, ''


def incompatible_policy(pub, sub):
    """The 'last incompatible policy' name the rclpy default event handler reports."""
    if pub.reliability == ReliabilityPolicy.BEST_EFFORT and sub.reliability == ReliabilityPolicy.RELIABLE:
        return 'RELIABILITY'
    if pub.durability == DurabilityPolicy.VOLATILE and sub.durability == DurabilityPolicy.TRANSIENT_LOCAL:
        return 'DURABILITY'
    if pub.deadline.nanoseconds == 0 and sub.deadline.nanoseconds or \
            pub.deadline.nanoseconds and sub.deadline.nanoseconds and sub.deadline < pub.deadline:
        return 'DEADLINE'
    if pub.liveliness == LivelinessPolicy.AUTOMATIC and sub.liveliness == LivelinessPolicy.MANUAL_BY_TOPIC:
        return 'LIVELINESS'
    return 'LIVELINESS_LEASE_DURATION'
