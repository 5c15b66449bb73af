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
The xArm 6 with its gripper and an RGB-D camera (DayDreamer's visual pick and place): this robot's one definition.

The task is `robots.arm.ArmTask` (PickPlace on this WORKSPACE), which the twin `envs.arm` and arm_bridge both run.
"""

from . import arm

# XArmSimpleRobotWrapper's bins (m, the xArm's link_base frame).
_X_ADJ, _Y_ADJ = 0.08, 0.04
_LEFT_MIN, _LEFT_MAX = (0.252, 0.085), (0.523, 0.175)
_RIGHT_MIN, _RIGHT_MAX = (0.252, -0.170), (0.523, -0.075)
WORKSPACE = arm.Workspace(
    'xarm', _LEFT_MIN, _LEFT_MAX, _RIGHT_MIN, _RIGHT_MAX,
    left_safe_min=(_LEFT_MIN[0] + _X_ADJ, _LEFT_MIN[1] + _Y_ADJ),
    left_safe_max=(_LEFT_MAX[0] - _X_ADJ, _LEFT_MAX[1] - _Y_ADJ),
    right_safe_min=(_RIGHT_MIN[0] + _X_ADJ, _RIGHT_MIN[1] + _Y_ADJ),
    right_safe_max=(_RIGHT_MAX[0] - _X_ADJ, _RIGHT_MAX[1] - _Y_ADJ - 0.035),  # sic: below the min
    z_table=0.182, z_hover=0.290, z_reset=0.450, axis=1, sweep_corners=False)

# xarm_ros2's ros2_control path (xarm_controller: xarm6_traj_controller, a JointTrajectoryController) and
# xarm_api's gripper action (drive_joint 0 open .. 0.85 closed). Checked on mock hardware with xarm_ros2's own
# launch and controller YAML (test/test_drivers_mock.py).
DRIVER = arm.Driver(
    joints=('joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6'),
    arm_controller='xarm6_traj_controller', arm_command='joint_trajectory',
    gripper_joint='drive_joint', gripper_open=0.0, gripper_closed=0.85,
    gripper_command='GripperCommand', gripper_action='xarm_gripper/gripper_action')

# The MuJoCo twin (envs.arm) on our URDF, whose gripper drive is a prismatic joint (Gazebo's too), and the camera.
TWIN = arm.Twin(
    finger='drive_joint', stroke=0.042, ee='link_eef', pad=0.157, root_yaw=0.0,
    tool_rot=((1.0, 0.0, 0.0), (0.0, -1.0, 0.0), (0.0, 0.0, -1.0)), orientation='rpy',  # roll -180 deg, pitch 0, yaw 0
    home=(0.01, -0.203, -0.697, 0.0, 0.9, 0.01),
    camera_pos=(0.85, 0.0, 0.58), camera_target=(0.38, 0.0, 0.02), fovy=45.0, n_joint_obs=7, depth=True)

ROBOT = arm.robot('xarm', urdf='xarm6.urdf', root_frame='link_base', workspace=WORKSPACE, driver=DRIVER, twin=TWIN)
