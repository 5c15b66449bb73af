"""rclpy.time.Time (keyword-only, non-negative, clock-typed comparisons)."""

from ros2_double._state import jazzy

from .clock_type import ClockType
from .duration import Duration

CONVERSION_CONSTANT = 10 ** 9


class Time:
    def __init__(self, *, seconds=0, nanoseconds=0, clock_type=ClockType.SYSTEM_TIME):
        if not isinstance(clock_type, ClockType):
            raise TypeError('Clock type must be a ClockType enum')
        if seconds < 0:
            raise ValueError('Seconds value must not be negative')
        if nanoseconds < 0:
            raise ValueError('Nanoseconds value must not be negative')
        total = int(seconds * CONVERSION_CONSTANT) + int(nanoseconds)
        if total >= 2**63:
            raise OverflowError('Total nanoseconds value is too large to store in C time point.')
        self._nanoseconds = total
        self._clock_type = clock_type

    @property
    def nanoseconds(self):
        return self._nanoseconds

    @property
    def clock_type(self):
        return self._clock_type

    def seconds_nanoseconds(self):
        return divmod(self._nanoseconds, CONVERSION_CONSTANT)

    def __repr__(self):
        return f'Time(nanoseconds={self._nanoseconds}, clock_type={self._clock_type.name})'

    def __add__(self, other):
        if isinstance(other, Duration):
            return Time(nanoseconds=self._nanoseconds + other.nanoseconds, clock_type=self._clock_type)
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, Time):
            if other.clock_type != self.clock_type:
                raise TypeError("Can't subtract times with different clock types")
            return Duration(nanoseconds=self._nanoseconds - other.nanoseconds)
        if isinstance(other, Duration):
            if self._nanoseconds - other.nanoseconds < 0:
                raise ValueError('Subtracting the duration results in a negative time')
            return Time(nanoseconds=self._nanoseconds - other.nanoseconds, clock_type=self._clock_type)
        return NotImplemented

    def _other(self, other):
        if isinstance(other, Time):
            if other.clock_type != self.clock_type:
                raise TypeError("Can't compare times with different clock types")
            return other.nanoseconds
        if jazzy():
            return NotImplemented
        raise TypeError("Can't compare time with object of type: ", type(other))

    def __eq__(self, other):
        o = self._other(other)
        return o if o is NotImplemented else self._nanoseconds == o

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    def __lt__(self, other):
        o = self._other(other)
        return o if o is NotImplemented else self._nanoseconds < o

    def __le__(self, other):
        o = self._other(other)
        return o if o is NotImplemented else self._nanoseconds <= o

    def __gt__(self, other):
        o = self._other(other)
        return o if o is NotImplemented else self._nanoseconds > o

    def __ge__(self, other):
        o = self._other(other)
        return o if o is NotImplemented else self._nanoseconds >= o

    def __hash__(self):
        return hash((self._nanoseconds, self._clock_type))

    def to_msg(self):
        from builtin_interfaces.msg import Time as TimeMsg
        sec, nanosec = self.seconds_nanoseconds()
        return TimeMsg(sec=int(sec), nanosec=int(nanosec))

    @classmethod
    def from_msg(cls, msg, clock_type=ClockType.ROS_TIME):
        from builtin_interfaces.msg import Time as TimeMsg
        if not isinstance(msg, TimeMsg):
            raise TypeError('Must pass a builtin_interfaces.msg.Time object')
        return cls(seconds=msg.sec, nanoseconds=msg.nanosec, clock_type=clock_type)
