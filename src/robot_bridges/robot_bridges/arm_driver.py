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
The real arm drivers' ROS interface, offered by the sim node over an arm's MuJoCo twin.

What it offers is the arm definition's `driver` (`daydreamer.robots.get(robot).driver`: the UR driver's
forward_position_controller and the Robotiq's gripper action; xarm_ros2's xarm6_traj_controller and xarm_api's
gripper action), so that the arm bridge runs on the twin with the parameters it has on the robot:

- `joint_states`: the arm's joints and the gripper's actuated joint in its own units (the Robotiq knuckle
  0 .. 0.8 rad, the xArm drive_joint 0 .. 0.85), mapped from the twin's finger closure by `Driver.joint_position`.
- arm_command 'forward_position': `<arm_controller>/commands` (Float64MultiArray, the joints in the driver's
  order), applied at once, as a ForwardCommandController does.
- arm_command 'joint_trajectory': `<arm_controller>/joint_trajectory` (trajectory_msgs/JointTrajectory, every
  joint of the controller named, in any order), followed in sim time from the current position through the points
  at their time_from_start (linear between points); a new message replaces the old one, an empty one holds.
- gripper_command 'GripperCommand' / 'ParallelGripperCommand': an action server at `gripper_action`; a goal
  moves the gripper and succeeds when the gripper has stopped (reached_goal, or stalled on an object) or after
  GOAL_TIMEOUT s of sim time, as the gripper action controllers do.
- gripper_command 'forward_position': `<gripper_controller>/commands` (Float64MultiArray, one joint position).
Bad commands (wrong joints, wrong sizes, NaN) are dropped with a throttled warning naming the topic.
"""

import control_msgs.action
from daydreamer import robots
import numpy as np
from rclpy.action import ActionServer
from rclpy.task import Future
from std_msgs.msg import Float64MultiArray
from trajectory_msgs.msg import JointTrajectory

from .common import floats

SETTLE = 0.2          # s of sim time the gripper must stay still to count as stopped
GOAL_TIMEOUT = 3.0    # s of sim time a gripper goal may take
REACHED = 0.01        # fraction of the stroke within which the gripper counts as at its goal


class ArmDriver:
    """Subscriptions and action server of a real arm driver, moving the twin `env` of node `node`."""

    def __init__(self, node, env, robot, arm_command, gripper_command, qos):
        self.node, self.env, self.driver = node, env, robots.get(robot).driver
        d = self.driver
        self.arm_command, self.gripper_command = arm_command, gripper_command
        self.trajectory = None      # (start sim time, times (n,), points (n+1, joints): current pose first)
        self.goal = None            # (future, target closure, started, last closure, still since)
        if arm_command == 'forward_position':
            self.arm_topic = f'{d.arm_controller}/commands'
            node.create_subscription(Float64MultiArray, self.arm_topic, self.on_commands, qos.COMMAND)
        else:
            self.arm_topic = f'{d.arm_controller}/joint_trajectory'
            node.create_subscription(JointTrajectory, self.arm_topic, self.on_trajectory, qos.COMMAND)
        if gripper_command == 'forward_position':
            node.create_subscription(Float64MultiArray, f'{d.gripper_controller}/commands', self.on_gripper_commands,
                                     qos.COMMAND)
        elif gripper_command in ('GripperCommand', 'ParallelGripperCommand'):
            self.action_type = getattr(control_msgs.action, gripper_command)
            self.server = ActionServer(node, self.action_type, d.gripper_action, self.execute_gripper)
        else:
            raise ValueError(f"the sim node offers gripper_command 'GripperCommand', 'ParallelGripperCommand' or "
                             f"'forward_position', not '{gripper_command}'")

    # --- what the driver publishes ---

    def joint_state(self, state):
        """Return (names, positions, velocities, efforts) of the arm and the gripper joint from the twin's state."""
        names = list(state['joint_names']) + [self.driver.gripper_joint]
        position = floats(state['position']) + [self.driver.joint_position(state['gripper_position'])]
        return names, position, floats(state['velocity']) + [0.0], floats(state['effort']) + [0.0]

    # --- commands ---

    def on_commands(self, msg):
        q = self.node.vector(msg, len(self.driver.joints), self.arm_topic)
        if q is not None:
            self.trajectory = None
            self.env.apply_command(joint_positions=q)

    def on_trajectory(self, msg):
        joints, topic = self.driver.joints, self.arm_topic
        if sorted(msg.joint_names) != sorted(joints):
            self.node.problem(topic, f'{topic} dropped: expected the joints {list(joints)} (any order), got '
                                     f'{list(msg.joint_names)}')
            return
        order = [list(msg.joint_names).index(name) for name in joints]
        now, current = self.node.sim_time(), np.asarray(self.env.driver_state(images=False)['position'], float)
        if not msg.points:   # the controller's convention: an empty trajectory holds the current position
            self.trajectory = None
            self.env.apply_command(joint_positions=current)
            return
        try:
            points = np.array([[p.positions[i] for i in order] for p in msg.points], float)
            times = np.array([p.time_from_start.sec + p.time_from_start.nanosec * 1e-9 for p in msg.points])
        except IndexError:
            points = times = np.array([np.nan])
        if not (np.isfinite(points).all() and np.isfinite(times).all() and (np.diff(times) > 0).all()
                and times[0] >= 0):
            self.node.problem(topic, f'{topic} dropped: every point needs {len(joints)} finite positions and '
                                     'strictly increasing time_from_start')
            return
        self.trajectory = (now, np.concatenate([[0.0], times]), np.vstack([current, points]))

    def on_gripper_commands(self, msg):
        value = self.node.vector(msg, 1, f'{self.driver.gripper_controller}/commands')
        if value is not None:
            self.env.apply_command(gripper=self.driver.closure(value[0]))

    async def execute_gripper(self, goal_handle):
        command = goal_handle.request.command
        if self.gripper_command == 'GripperCommand':
            position = command.position
        elif list(command.name) == [self.driver.gripper_joint] and len(command.position) == 1:
            position = command.position[0]
        else:
            position = float('nan')
        result = self.action_type.Result()
        if not np.isfinite(position):
            self.node.problem('gripper goal', f'gripper goal aborted: expected one finite position of '
                                              f'{self.driver.gripper_joint}, got {command}')
            goal_handle.abort()
            return result
        target = self.driver.closure(position)
        if self.goal is not None:   # a new goal preempts the running one
            self.goal[0].set_result(False)
        self.env.apply_command(gripper=target)
        done = Future()
        now = self.node.sim_time()
        self.goal = [done, target, now, self.env.gripper_position(), now]
        reached = await done
        reached_position = self.driver.joint_position(self.env.gripper_position())
        if self.gripper_command == 'GripperCommand':
            result.position = reached_position
        else:
            result.state.name, result.state.position = [self.driver.gripper_joint], [reached_position]
        result.reached_goal, result.stalled = bool(reached), not reached
        goal_handle.succeed()
        return result

    # --- sim time ---

    def tick(self, now):
        """Advance the trajectory being followed and finish a gripper goal whose gripper has stopped."""
        if self.trajectory is not None:
            start, times, points = self.trajectory
            t = now - start
            if t >= times[-1]:
                self.env.apply_command(joint_positions=points[-1])
                self.trajectory = None
            else:
                i = int(np.searchsorted(times, t, side='right')) - 1
                u = (t - times[i]) / (times[i + 1] - times[i])
                self.env.apply_command(joint_positions=points[i] + u * (points[i + 1] - points[i]))
        if self.goal is not None:
            done, target, started, last, since = self.goal
            closure = self.env.gripper_position()
            if abs(closure - last) > 1e-3:
                self.goal[3:] = [closure, now]
            elif now - since >= SETTLE or now - started >= GOAL_TIMEOUT:
                self.goal = None
                done.set_result(abs(closure - target) < REACHED)
