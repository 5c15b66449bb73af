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
The UR5 with a Robotiq 2F-85 (DayDreamer's visual pick and place): this robot's one definition.

The task is `robots.arm.ArmTask` (PickPlace on this WORKSPACE), which the twin `envs.arm` (built from our URDF by its
TWIN entry) and robot_bridges' arm_bridge both run.
"""

import math

from . import arm

# UR5SimpleRobotWrapper's bins (m, the UR controller's base frame); its Y_ADJ / X_ADJ are the xArm's swapped.
_Y_ADJ, _X_ADJ = 0.08, 0.04
_LEFT_MIN, _LEFT_MAX = (-0.125, -0.64), (0.048, -0.36)
_RIGHT_MIN, _RIGHT_MAX = (-0.455, -0.64), (-0.285, -0.36)
WORKSPACE = arm.Workspace(
    'ur5', _LEFT_MIN, _LEFT_MAX, _RIGHT_MIN, _RIGHT_MAX,
    left_safe_min=(_LEFT_MIN[0] + _X_ADJ + 0.06, _LEFT_MIN[1] + _Y_ADJ),
    left_safe_max=(_LEFT_MAX[0] - _X_ADJ, _LEFT_MAX[1] - _Y_ADJ),
    right_safe_min=(_RIGHT_MIN[0] + _X_ADJ, _RIGHT_MIN[1] + _Y_ADJ),
    right_safe_max=(_RIGHT_MAX[1] - _X_ADJ, _RIGHT_MAX[1] - _Y_ADJ),  # sic: y bound used for x
    z_table=-0.010, z_hover=0.12, z_reset=0.18, axis=0, sweep_corners=True)

# Universal_Robots_ROS2_Driver (ur_control.launch.py initial_joint_controller:=forward_position_controller) and the
# Robotiq 2F-85 (PickNikRobotics ros2_robotiq_gripper: knuckle 0 open .. 0.8 rad closed; Jazzy's
# parallel_gripper_action_controller, Humble's gripper_action_controller). Checked on mock hardware
# (test/test_drivers_mock.py).
DRIVER = arm.Driver(
    joints=('shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint',
            'wrist_3_joint'),
    arm_controller='forward_position_controller', arm_command='forward_position',
    gripper_joint='robotiq_85_left_knuckle_joint', gripper_open=0.0, gripper_closed=0.8,
    gripper_command='ParallelGripperCommand', gripper_command_humble='GripperCommand',
    gripper_action='robotiq_gripper_controller/gripper_cmd')

# The MuJoCo twin (envs.arm) on our URDF, whose finger is a prismatic joint (Gazebo's too), and the fixed camera.
TWIN = arm.Twin(
    finger='robotiq_85_left_finger_joint', stroke=0.0425, ee='tool0', pad=0.145, root_yaw=math.pi,
    # rotation vector (-2.2213, -2.2213, 0) of urx movel: pi about (-1, -1, 0)/sqrt(2), tool z down
    tool_rot=((0.0, 1.0, 0.0), (1.0, 0.0, 0.0), (0.0, 0.0, -1.0)), orientation='rotvec',
    home=(0.979, -1.14, 1.997, -2.427, -1.571, 0.979),
    camera_pos=(-0.19, -1.0, 0.5), camera_target=(-0.19, -0.52, -0.18), fovy=45.0, n_joint_obs=6, depth=False)

ROBOT = arm.robot('ur5', urdf='ur5.urdf', root_frame='base_link', workspace=WORKSPACE, driver=DRIVER, twin=TWIN)
