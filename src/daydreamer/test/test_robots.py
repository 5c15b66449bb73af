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
Each robot is stated once (daydreamer/robots/<name>.py: ROBOT), and everything reads it; a fifth robot is one module.

The fifth robot here is a UR5 in another lab (its own bins and its own driver's gripper action): one new module,
written to a temporary directory on the package's path, and the envs, the dummy task, the twin, the bridge's
ROS-free adapter and the sim node's list of twins have it without another change.
"""

import dataclasses
from pathlib import Path
import textwrap

import numpy as np
import pytest

from daydreamer import envs, robots
from daydreamer.envs import dummy
from daydreamer.robots import arm, spec

URDF_DIR = Path(robots.__file__).parent / 'urdf'


def test_the_registry_finds_the_four_robot_definitions():
    assert list(robots.registry()) == ['a1', 'sphero', 'ur5', 'xarm']
    assert all(isinstance(r, spec.Robot) and r.name == name for name, r in robots.registry().items())
    with pytest.raises(ValueError, match="unknown robot 'spot'; the robots are a1, sphero, ur5, xarm"):
        robots.get('spot')


@pytest.mark.parametrize('name', ['a1', 'sphero', 'ur5', 'xarm'])
def test_the_envs_read_the_definition(name):
    robot = robots.get(name)
    urdf = (URDF_DIR / robot.urdf).read_text()
    assert f'<link name="{robot.root_frame}"' in urdf
    env = envs.make(f'{name}_dummy', seed=0)
    flags = ('reward', 'is_first', 'is_last', 'is_terminal')
    assert {k: v for k, v in env.obs_space.items() if k not in flags} == robot.obs_space
    assert env.act_space['action'] == robot.act_space and env.length == robot.episode_length
    assert envs.factory(f'{name}_sim') is not None and 'seed' in envs.parameters(f'{name}_sim')
    assert robot.control_rate > 0 and robot.watchdog_timeout > 0 and robot.stale_timeout > 0
    if isinstance(robot.driver, arm.Driver):   # the twin runs the driver's joints
        assert arm.arms()[name] is robot
        for joint in (*robot.driver.joints, robot.twin_config.finger):
            assert f'<joint name="{joint}"' in urdf


FIFTH = textwrap.dedent('''
    """A UR5 in another lab: its bins where that lab's table has them, its gripper on another controller."""
    import dataclasses

    from daydreamer.robots import arm, ur5

    ROBOT = arm.robot(
        'ur5_lab', urdf='ur5.urdf', root_frame='base_link', twin=ur5.TWIN,
        workspace=ur5.WORKSPACE.calibrated(z_table=0.0, z_hover=0.13),
        driver=dataclasses.replace(ur5.DRIVER, gripper_action='gripper/gripper_cmd', gripper_command='GripperCommand'))
''')


@pytest.fixture
def fifth_robot(tmp_path, monkeypatch):
    (tmp_path / 'ur5_lab.py').write_text(FIFTH)
    monkeypatch.setattr(robots, '__path__', [*robots.__path__, str(tmp_path)])
    robots.registry.cache_clear()
    yield robots.get('ur5_lab')
    robots.registry.cache_clear()


def test_a_fifth_robot_is_one_new_module(fifth_robot):
    assert list(robots.registry()) == ['a1', 'sphero', 'ur5', 'ur5_lab', 'xarm']
    assert fifth_robot.task.z_table == 0.0 and arm.arms()['ur5_lab'] is fifth_robot
    assert fifth_robot.driver.gripper_action == 'gripper/gripper_cmd'
    assert fifth_robot.real_parameters == {'gripper_action': '/gripper/gripper_cmd'}   # derived by arm.robot
    spaces = envs.make('ur5_lab_dummy', seed=0)
    assert spaces.act_space['action'] == fifth_robot.act_space and spaces.length == fifth_robot.episode_length
    env = envs.make('ur5_lab_sim', seed=0)   # its twin: envs.arm on its definition
    try:
        obs = env.step({'action': np.int64(0), 'reset': True})
        assert obs['is_first'] and obs['image'].shape == (64, 64, 3)
        assert env.env.cfg.workspace is fifth_robot.task
    finally:
        env.close()
    task = arm.ArmTask('ur5_lab', seed=0)   # what the arm bridge (and its twin) runs for it
    assert task.ws is fifth_robot.task and task.gripper_joint == 'robotiq_85_left_knuckle_joint'
    assert dataclasses.asdict(fifth_robot.driver)['gripper_command'] == 'GripperCommand'


def test_the_robots_modules_that_are_not_robots_define_no_robot():
    """Shared modules (the arms' task, the bridges' adapters, the legged SDK's fields) are not robots."""
    import importlib
    for module in ('arm', 'bridge', 'spec', 'unitree'):
        assert not hasattr(importlib.import_module(f'daydreamer.robots.{module}'), 'ROBOT'), module
    assert 'dummy' not in robots.registry() and dummy.factory('a1')().length == 250
