# Copyright 2026 DayDreamer for ROS 2 team
#
# Permission is hereby granted, free of charge, to any person obtaining a copy
# of this software and associated documentation files (the "Software"), to deal
# in the Software without restriction, including without limitation the rights
# to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
# copies of the Software, and to permit persons to whom the Software is
# furnished to do so, subject to the following conditions:
#
# The above copyright notice and this permission notice shall be included in
# all copies or substantial portions of the Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
# IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
# FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL
# THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
# LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
# OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
# THE SOFTWARE.

"""Observation and action spaces: dtype, shape and bounds of one key."""

import numpy as np


class Space:
    """A box or discrete space. Discrete spaces are integer scalars in [low, high)."""

    def __init__(self, dtype, shape=(), low=None, high=None):
        self.dtype = np.dtype(dtype)
        self.shape = tuple(int(s) for s in shape)
        if self.dtype == bool:
            low, high = 0 if low is None else low, 1 if high is None else high
        self.low = self._bound(low, -np.inf if self._float else np.iinfo(self._int_type).min)
        self.high = self._bound(high, np.inf if self._float else np.iinfo(self._int_type).max)

    @property
    def _float(self):
        return np.issubdtype(self.dtype, np.floating)

    @property
    def _int_type(self):
        return self.dtype if np.issubdtype(self.dtype, np.integer) else np.int64

    def _bound(self, value, default):
        value = default if value is None else value
        if self.dtype == bool:
            return np.broadcast_to(np.asarray(value, np.float64), self.shape)
        return np.broadcast_to(np.asarray(value, self.dtype), self.shape)

    @property
    def discrete(self):
        """Integer action spaces are categorical: `high` is the number of classes."""
        return np.issubdtype(self.dtype, np.integer) and self.shape == ()

    @property
    def classes(self):
        return int(self.high) - int(self.low) if self.discrete else None

    def sample(self, rng=np.random):
        """Draw a uniform sample; `rng` is np.random, a RandomState or a Generator."""
        if self.discrete:
            integers = getattr(rng, 'integers', None) or rng.randint
            return np.asarray(integers(int(self.low), int(self.high)), self.dtype)
        if self.dtype == bool:
            return rng.uniform(size=self.shape) < 0.5
        low = np.maximum(self.low, -1.0) if self._float else self.low
        high = np.minimum(self.high, 1.0) if self._float else self.high
        return rng.uniform(low, high, self.shape).astype(self.dtype)

    def __eq__(self, other):
        return (isinstance(other, Space) and self.dtype == other.dtype and self.shape == other.shape
                and np.array_equal(self.low, other.low) and np.array_equal(self.high, other.high))

    def __repr__(self):
        low = self.low.min() if self.low.size else None
        high = self.high.max() if self.high.size else None
        return f'Space({self.dtype.name}, shape={self.shape}, low={low}, high={high})'
