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

"""The per-robot tables the launch files use agree with the core's robots and the installed files."""

import importlib.util
from pathlib import Path
import sys

import pytest

PKG = Path(__file__).resolve().parents[1]
if importlib.util.find_spec('daydreamer_bringup') is None:  # not installed: the source tree
    sys.path.insert(0, str(PKG))
import daydreamer_bringup as bringup  # noqa: E402,I100

URDF_DIR = PKG.parent / 'daydreamer' / 'daydreamer' / 'robots' / 'urdf'


@pytest.mark.parametrize('robot', bringup.ROBOTS)
def test_every_robot_has_a_bridge_urdf_frame_and_parameter_file(robot):
    urdf = (URDF_DIR / bringup.URDFS[robot]).read_text()
    assert f'<link name="{bringup.ROOT_FRAMES[robot]}"' in urdf
    assert bringup.BRIDGES[robot] in ('a1_bridge', 'arm_bridge', 'sphero_bridge')
    assert (PKG / 'config' / f'{bringup.BRIDGES[robot]}.yaml').is_file()
    assert set(bringup.REAL_TOPICS[robot]) <= {'joint_states', 'imu/data', 'forward_position_controller/commands',
                                               'xarm6_traj_controller/joint_trajectory', 'raw_motor_command',
                                               'set_stabilization', 'odom', 'low_cmd', 'low_state'}


def test_launch_argument_helpers():
    assert bringup.words(' a1, debug ') == ['a1', 'debug']
    assert bringup.as_bool('TRUE') is True and bringup.as_bool('0') is False
    with pytest.raises(ValueError):
        bringup.as_bool('maybe')
