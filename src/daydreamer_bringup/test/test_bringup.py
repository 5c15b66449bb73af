"""The per-robot tables the launch files use agree with the core's robots and the installed files."""

import importlib.util
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1]
if importlib.util.find_spec('daydreamer_bringup') is None:  # not installed: the source tree
    sys.path.insert(0, str(PKG))
import daydreamer_bringup as bringup  # noqa: E402

URDF_DIR = PKG.parent / 'daydreamer' / 'daydreamer' / 'robots' / 'urdf'


@pytest.mark.parametrize('robot', bringup.ROBOTS)
def test_every_robot_has_a_bridge_urdf_frame_and_parameter_file(robot):
    urdf = (URDF_DIR / bringup.URDFS[robot]).read_text()
    assert f'<link name="{bringup.ROOT_FRAMES[robot]}"' in urdf
    assert bringup.BRIDGES[robot] in ('a1_bridge', 'arm_bridge', 'sphero_bridge')
    assert (PKG / 'config' / f'{bringup.BRIDGES[robot]}.yaml').is_file()
    assert set(bringup.REAL_TOPICS[robot]) <= {'joint_states', 'imu/data', 'forward_position_controller/commands',
                                               'gripper_controller/commands', 'raw_motor', 'odom'}


def test_launch_argument_helpers():
    assert bringup.words(' a1, debug ') == ['a1', 'debug']
    assert bringup.as_bool('TRUE') is True and bringup.as_bool('0') is False
    with pytest.raises(ValueError):
        bringup.as_bool('maybe')
