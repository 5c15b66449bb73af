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

"""
The robots: each module of this package that defines `ROBOT` (a `spec.Robot`) is one robot's definition.

`registry()` finds them, so that adding a robot is adding its module (docs/adding_a_robot.md); the other modules
here hold what several robots share (the arms' task in `arm`, the bridges' generic ROS-free helpers in `bridge`).
"""

import functools
import importlib
import pkgutil


@functools.lru_cache(maxsize=None)
def registry():
    """Return {name: Robot} of every robot definition in this package, by name."""
    robots = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.ispkg or info.name.startswith('_'):
            continue
        robot = getattr(importlib.import_module(f'{__name__}.{info.name}'), 'ROBOT', None)
        if robot is not None:
            if robot.name in robots:
                raise ValueError(f"two robot definitions are named '{robot.name}'")
            robots[robot.name] = robot
    return dict(sorted(robots.items()))


def get(name):
    """Return the robot `name`'s definition; a clear error lists the robots there are."""
    robots = registry()
    if name not in robots:
        raise ValueError(f"unknown robot '{name}'; the robots are {', '.join(robots)}")
    return robots[name]
