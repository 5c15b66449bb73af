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
Every node declares the shared parameters with their types.

It takes the workspace's parameter files (config/*.yaml) as they are (names it declares, types that match) and refuses
a bad robot or command interface.
"""

from pathlib import Path

import pytest
from rclpy.parameter import Parameter
from robot_bridges.a1_bridge import A1Bridge
from robot_bridges.arm_bridge import ArmBridge
from robot_bridges.sim_node import SimNode
from robot_bridges.sphero_bridge import SpheroBridge
from robot_bridges.teleop_key import service_for

CONFIG = Path(__file__).resolve().parents[3] / 'config'
NODES = {'a1_bridge': (A1Bridge, {}), 'arm_bridge': (ArmBridge, {'robot': 'xarm'}),
         'sphero_bridge': (SpheroBridge, {}), 'sim': (SimNode, {'robot': 'ur5'})}
FILES = {'a1_bridge': ['a1_bridge.yaml'], 'arm_bridge': ['arm_bridge.yaml'], 'sim': ['sim.yaml'],
         'sphero_bridge': ['sphero_bridge.yaml', 'sphero_bridge_sim.yaml']}


def file_parameters(names):
    yaml = pytest.importorskip('yaml')
    values = {}
    for name in names:
        path = CONFIG / name
        if not path.is_file():
            pytest.skip(f'{path} is not in this checkout')
        values.update(yaml.safe_load(path.read_text())['/**']['ros__parameters'])
    return values


@pytest.mark.parametrize('name', sorted(NODES))
def test_nodes_take_the_workspace_parameter_files(ros, name):
    node_class, extra = NODES[name]
    values = {**file_parameters(FILES[name]), **extra}
    node = node_class(parameter_overrides=[Parameter(k, value=v) for k, v in values.items()])
    try:
        assert node.get_name() == name
        for key, value in values.items():
            assert node.has_parameter(key), f'{key} in the parameter file is not declared by {name}'
            assert node.get_parameter(key).value == value, key
    finally:
        node.destroy_node()


@pytest.mark.parametrize('name', ['a1_bridge', 'arm_bridge', 'sphero_bridge'])
def test_bridges_declare_the_shared_parameters(ros, name):
    node_class, extra = NODES[name]
    node = node_class(parameter_overrides=[Parameter(k, value=v) for k, v in extra.items()])
    try:
        for key, kind in {'control_rate': Parameter.Type.DOUBLE, 'episode_length': Parameter.Type.INTEGER,
                          'watchdog_timeout': Parameter.Type.DOUBLE, 'stale_timeout': Parameter.Type.DOUBLE}.items():
            assert node.get_parameter(key).type_ == kind, key
    finally:
        node.destroy_node()


def test_bad_choices_are_refused(ros):
    with pytest.raises(ValueError, match='robot must be one of'):
        SimNode(parameter_overrides=[Parameter('robot', value='spot')])
    with pytest.raises(ValueError, match='robot must be one of'):
        ArmBridge(parameter_overrides=[Parameter('robot', value='a1')])
    with pytest.raises(ValueError, match="command_interface must be 'raw_motor_command' or 'gazebo_cmd_vel'"):
        SpheroBridge(parameter_overrides=[Parameter('command_interface', value='twist')])
    with pytest.raises(ValueError, match=r'left_bin must be \[x_min, y_min, x_max, y_max\] with min < max'):
        ArmBridge(parameter_overrides=[Parameter('left_bin', value=[0.5, 0.1, 0.3, 0.2])])
    with pytest.raises(ValueError, match='z levels must rise'):
        ArmBridge(parameter_overrides=[Parameter('z_hover', value=-0.5)])
    with pytest.raises(ValueError, match=r'camera_crop must be \[x, y, width, height\]'):
        ArmBridge(parameter_overrides=[Parameter('camera_crop', value=[0, 0, 64])])


def test_arm_bridge_takes_a_calibrated_workspace(ros):
    node = ArmBridge(parameter_overrides=[Parameter('robot', value='xarm'),
                                          Parameter('left_bin', value=[0.30, 0.10, 0.55, 0.20]),
                                          Parameter('z_table', value=0.19)])
    try:
        ws = node.task.ws
        assert (ws.left_min, ws.left_max, ws.z_table) == ((0.30, 0.10), (0.55, 0.20), 0.19)
        assert ws.right_min == (0.252, -0.170), 'the other bin keeps its default'
    finally:
        node.destroy_node()


def test_teleop_key_mapping():
    assert [service_for(k, '/a1_bridge') for k in 'pcrqx'] == [
        '/a1_bridge/pause', '/a1_bridge/resume', '/a1_bridge/hard_reset', 'quit', None]
