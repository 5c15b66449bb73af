"""rclpy.duration.Duration (keyword-only; no arithmetic or .seconds in H/J)."""

from ros2_double._state import jazzy


class Duration:
    def __init__(self, *, seconds=0, nanoseconds=0):
        total = int(seconds * 1e9) + int(nanoseconds)
        if total >= 2**63 or total < -2**63:
            raise OverflowError('Total nanoseconds value is too large to store in C duration.')
        self._nanoseconds = total

    @property
    def nanoseconds(self):
        return self._nanoseconds

    def __repr__(self):
        return f'Duration(nanoseconds={self._nanoseconds})'

    def __str__(self):
        return f'{self._nanoseconds} nanoseconds'

    def _other(self, other):
        if isinstance(other, Duration):
            return other._nanoseconds
        if jazzy():
            return NotImplemented
        raise TypeError("Can't compare duration with object of type: ", type(other))

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
        return hash(self._nanoseconds)

    def to_msg(self):
        from builtin_interfaces.msg import Duration as DurationMsg
        sec, nanosec = divmod(self._nanoseconds, 10**9)
        return DurationMsg(sec=sec, nanosec=nanosec)

    @classmethod
    def from_msg(cls, msg):
        from builtin_interfaces.msg import Duration as DurationMsg
        if not isinstance(msg, DurationMsg):
            raise TypeError('Must pass a builtin_interfaces.msg.Duration object')
        return cls(seconds=msg.sec, nanoseconds=msg.nanosec)

    def get_c_duration(self):
        return self


Infinite = Duration(nanoseconds=2**63 - 1)
