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
What a robot is, stated once: `Robot`, which each robot's definition module in this package exports as `ROBOT`.

`daydreamer.robots.registry()` finds them (every module of the package that defines `ROBOT`), and everything else
reads them: the envs (the `<name>_sim` twin and `<name>_dummy` tasks, their spaces and episode length), the
bridges (rates, episode rules, timeouts), daydreamer_bringup (bridge executable, URDF, frames, camera, the real
driver's topic names and parameters) and the tests. A fifth robot is one new module here (plus its launch
aliases in launch/); see docs/adding_a_robot.md.
"""

import dataclasses
from typing import Optional

from ..space import Space


@dataclasses.dataclass(frozen=True)
class Robot:
    """One robot's facts; the robot-specific driver details live in `driver` (the definition module's own type)."""

    name: str
    obs_space: dict             # the agent's observation keys (without reward and the flags) -> Space
    act_space: Space
    control_rate: float         # Hz of agent steps (nominal for the arms, whose moves block)
    episode_length: int         # agent steps
    resets: bool                # whether an episode ends in a reset (the A1's episodes are cuts of one run)
    twin: str                   # 'module:factory' of the MuJoCo twin's env (the `<name>_sim` task): the factory
    #                             takes the robot's name first, so one factory serves several (envs.arm:arm_sim)
    bridge: str                 # the robot_bridges executable that speaks its driver
    urdf: str                   # file name in daydreamer/robots/urdf (installed to share/daydreamer/urdf)
    root_frame: str             # the URDF's root link (rviz's fixed frame)
    fixed_base: bool            # bolted down (the arms) or free (Gazebo spawns it free)
    camera: str = ''            # the camera topic rviz shows ('' = none)
    watchdog_timeout: float = 1.0   # s without a fresh action before the bridge holds / warns
    stale_timeout: float = 0.5      # s after which driver data is too old for a Step
    real_topics: dict = dataclasses.field(default_factory=dict)        # bridge's relative name -> driver's name
    real_parameters: dict = dataclasses.field(default_factory=dict)    # bridge parameters with the real driver
    gazebo_parameters: dict = dataclasses.field(default_factory=dict)  # bridge parameters under Gazebo
    driver: Optional[object] = None     # the real driver's interface (e.g. robots.arm.Driver)
    task: Optional[object] = None       # the task's own parameters (e.g. the arms' robots.arm.Workspace)
    twin_config: Optional[object] = None    # what its MuJoCo twin needs beyond this (e.g. robots.arm.Twin)

    @property
    def control_period(self):
        return 1.0 / self.control_rate
