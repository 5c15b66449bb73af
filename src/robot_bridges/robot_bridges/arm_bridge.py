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
arm_bridge: a UR5 or xArm driver plus camera(s) <-> the agent's Step / Action (visual pick-and-place).

Parameter `robot` (ur5 | xarm). Subscribes `joint_states` (the six arm joints BY NAME, plus the gripper joint
`gripper_joint`, merged across messages: real drivers publish the arm and the gripper separately),
`camera/image_raw` (rgb8 or bgr8, any resolution) and, for the xArm, `camera/depth/image_raw` (16UC1
millimetres or 32FC1 metres, any resolution; aligned to the colour image or not). Each Step shows the
agent the `camera_crop` region of the frames, centred to its aspect and resized with OpenCV to image_height x
image_width (area averaging; depth nearest-neighbour, scaled to its own resolution). A Step holds image
(+ depth), cartesian_position, joint_positions, gripper_pos, gripper_side, grasped_side, the task's reward
(+1 grasp, -1 drop, +10 placement) and its logs (log_grasp, log_drop, log_placement), exactly as the twin's env
(whose privileged logs, the ball's true bin and visibility, exist only in simulation).

The task is `daydreamer.robots.arm.ArmTask`, the code the MuJoCo twin's step runs too; this node only moves its
data: the sensed joints, gripper closure and frames in, its moves out (asynchronously, on the command timer).
An Action (discrete index 0..5) becomes the task's Cartesian moves,
each a straight tool line turned into joint targets by the arm's kinematic model (IK on its URDF), timed so
that the tool's mean speed is `speed`. The commands speak the real driver's controllers (defaults from
`daydreamer.robots.get(robot).driver`, which the sim node offers too): `arm_command` 'forward_position' streams the
targets at `command_rate` on `<arm_controller>/commands` (the UR driver's forward_position_controller, which
ignores the speed scaling, so `speed` bounds it); 'joint_trajectory' sends each move as one JointTrajectory on
`<arm_controller>/joint_trajectory` (xarm_ros2's xarm6_traj_controller). `gripper_command` sends the gripper
joint to gripper_open / gripper_closed (its own units): through a control_msgs action at `gripper_action`
('GripperCommand': xarm_api's xarm_gripper/gripper_action, Humble's gripper_action_controller;
'ParallelGripperCommand': Jazzy's parallel_gripper_action_controller, the Robotiq driver's) or a topic of
`gripper_controller` ('forward_position', 'joint_trajectory'). Moves block: the next move starts when the joints
settle within `settle_tolerance` rad (or after `settle_timeout` s, with a warning), so the control period
is long (seconds), as on the real robots. After the moves the reward's follow-up moves (the placement
routine) run, then the next Step goes out. Episodes: `episode_length` (100) steps with the scripted reset.
Without an action within `watchdog_timeout` s of a Step the arm simply stays where it is (it only moves
on actions), and a warning says so. A HOLD answer (or a bad action) keeps the arm where it is, and the next
Step goes out one control period (1 / control_rate) later. A pause or ResetEpisode while the bridge waits
for an action sends the Step with is_last at once.

Parameters: robot ('ur5'), control_rate (20.0: nominal; the Steps' control_period is watchdog_timeout, the
actor's time budget for an answer), episode_length (100),
watchdog_timeout (10.0 s), stale_timeout (0.5 s), command_rate (50.0 Hz), speed (0.1 m/s),
settle_tolerance (0.01 rad), settle_timeout (3.0 s), arm_command, arm_controller, gripper_command,
gripper_controller, gripper_action, gripper_joint, gripper_open, gripper_closed (the driver's), gripper_max_effort
(0: the controller's), image_height /
image_width (64), camera_crop ([0, 0, 0, 0]: the whole frame), seed (0); the calibration of a real setup:
left_bin / right_bin ([x_min, y_min, x_max, y_max] m in the robot's base frame), z_table, z_hover, z_reset (m);
their defaults are the reference's (the definition's `task`, `daydreamer.robots.get(robot).task`).
"""

import os

from builtin_interfaces.msg import Duration
from daydreamer import images as codec
from daydreamer.config import ConfigError
from daydreamer.robots import arm, bridge
from daydreamer_ros import images, qos, runner
import numpy as np
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Float64MultiArray
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint

from .common import BridgeNode, floats

GRIPPER_SETTLE = 0.3   # s the gripper position must stay still to count as settled
HOLD_TIME = 0.1       # s: a trajectory that holds the arm reaches the measured pose in this time
GRIPPER_MOVE = 0.5    # s: a gripper trajectory's duration
GRIPPER_TIMEOUT = 2.0  # s a gripper move may take before the next move starts
GRIPPER_GOAL_TIMEOUT = 5.0  # s a gripper action may take to finish its goal before it is canceled


class ArmBridge(BridgeNode):

    def __init__(self, **kwargs):
        super().__init__('arm_bridge', 'ur5', sources=('joint_states', 'camera/image_raw'), **kwargs)
        self.command_rate = self.param('command_rate', 50.0, 'joint targets per second while moving (Hz)')
        speed = self.param('speed', 0.1, 'mean tool speed of a move (m/s)')
        self.settle_tolerance = self.param('settle_tolerance', 0.01, 'rad: a move ends when the joints are this close')
        self.settle_timeout = self.param('settle_timeout', 3.0, 's to wait for the joints to settle')
        driver = self.spec.driver
        # The real driver's interface is the default (the definition's driver); the sim node offers the same.
        self.arm_command = self.param('arm_command', driver.arm_command, "'forward_position' (Float64MultiArray "
                                      "on <arm_controller>/commands) or 'joint_trajectory' (one JointTrajectory "
                                      'per move on <arm_controller>/joint_trajectory)')
        arm_controller = self.param('arm_controller', driver.arm_controller, "the arm's controller")
        self.gripper_command = self.param(
            'gripper_command', driver.gripper_command_for(os.environ.get('ROS_DISTRO')),
            "'GripperCommand' or 'ParallelGripperCommand' (a control_msgs action at gripper_action), "
            "'forward_position' or 'joint_trajectory' (topics of gripper_controller)")
        for name, value, valid in (('arm_command', self.arm_command, arm.ARM_COMMANDS),
                                   ('gripper_command', self.gripper_command, arm.GRIPPER_COMMANDS)):
            if value not in valid:
                raise ConfigError(f"parameter {name} must be one of {', '.join(valid)}, not '{value}'")
        gripper_controller = self.param('gripper_controller', driver.gripper_controller,
                                        "the gripper's controller (gripper_command forward_position or "
                                        'joint_trajectory)')
        self.gripper_action = self.param('gripper_action', driver.gripper_action,
                                         'the gripper action (gripper_command GripperCommand or '
                                         'ParallelGripperCommand)')
        self.gripper_max_effort = self.param('gripper_max_effort', 0.0, 'GripperCommand max_effort (0: the '
                                             "controller's own)")
        self.gripper_joint = self.param('gripper_joint', driver.gripper_joint, "the gripper's actuated joint")
        gripper_open = self.param('gripper_open', driver.gripper_open, 'gripper joint position when open')
        gripper_closed = self.param('gripper_closed', driver.gripper_closed, 'gripper joint position when closed')
        size = (self.param('image_height', 64, "the agent's image height"),
                self.param('image_width', 64, "the agent's image width"))
        crop = self.param('camera_crop', [0, 0, 0, 0], 'x, y, width, height (px of the colour image) of the region '
                          'the agent sees (centred to its aspect, then resized); 0 width or height: to the edge')
        if len(crop) != 4 or min(crop) < 0:
            raise ConfigError(f'parameter camera_crop must be [x, y, width, height] (4 pixel counts >= 0), not {crop}')
        seed = self.param('seed', 0, 'seed of the scripted resets')
        robot_ws = self.spec.task
        calibration = {}
        for side in ('left', 'right'):
            default = [float(v) for v in (*getattr(robot_ws, f'{side}_min'), *getattr(robot_ws, f'{side}_max'))]
            calibration[f'{side}_bin'] = self.param(f'{side}_bin', default, f'the {side} bin: x_min, y_min, x_max, '
                                                    'y_max (m, robot base frame)')
        for level, meaning in (('z_table', 'tool height at the table'), ('z_hover', 'tool height above the bins'),
                               ('z_reset', 'tool height of the reset')):
            calibration[level] = self.param(level, float(getattr(robot_ws, level)), f'{meaning} (m, robot base frame)')
        try:
            workspace = robot_ws.calibrated(**calibration)
        except ValueError as e:
            raise ConfigError(str(e)) from None
        self.task = arm.ArmTask(self.robot, size=size, seed=seed, speed=speed, gripper_open=gripper_open,
                                gripper_closed=gripper_closed, crop=crop, workspace=workspace)
        if self.task.depth:
            self.fresh.times['camera/depth/image_raw'] = None
        self.joint_states = bridge.JointStates()
        self.missing_joints = ''  # what the joint states lack, while they do
        self.q = self.gripper = self.rgb = self.depth = None
        self.queue = []             # moves still to execute
        self.path, self.target = None, None
        self.move_started = 0.0
        self.phase = 'idle'         # idle | reset | action | follow | pause | wait (for an action) | held
        self.held_until = 0.0
        self.reward, self.target_q = 0.0, None
        self.last_gripper = (None, 0.0)
        if self.arm_command == 'forward_position':
            self.joint_pub = self.create_publisher(Float64MultiArray, f'{arm_controller}/commands', qos.COMMAND)
        else:
            self.joint_pub = self.create_publisher(JointTrajectory, f'{arm_controller}/joint_trajectory',
                                                   qos.COMMAND)
        self.gripper_pub = self.gripper_client = None
        self.gripper_goals = {}     # accepted gripper goals without a result yet: id -> (handle, time sent)
        if self.gripper_command == 'forward_position':
            self.gripper_pub = self.create_publisher(Float64MultiArray, f'{gripper_controller}/commands',
                                                     qos.COMMAND)
        elif self.gripper_command == 'joint_trajectory':
            self.gripper_pub = self.create_publisher(JointTrajectory, f'{gripper_controller}/joint_trajectory',
                                                     qos.COMMAND)
        else:
            import control_msgs.action
            from rclpy.action import ActionClient
            self.gripper_action_class = getattr(control_msgs.action, self.gripper_command)
            self.gripper_client = ActionClient(self, self.gripper_action_class, self.gripper_action)
        self.create_subscription(JointState, 'joint_states', self.on_joint_states, qos.SENSOR)
        self.create_subscription(Image, 'camera/image_raw', self.on_rgb, qos.SENSOR)
        if self.task.depth:
            self.create_subscription(Image, 'camera/depth/image_raw', self.on_depth, qos.SENSOR)
        self.create_timer(1.0 / self.command_rate, self.tick)

    # --- driver data ---

    def on_joint_states(self, msg):
        """Merge the message into the joints seen; the arm and the gripper may come in messages of their own."""
        now = self.now()
        try:
            self.joint_states.update(msg.name, msg.position, now)
        except bridge.BadDriverData as e:
            self.problem(f'joint_states {type(e).__name__}', f'joint_states dropped: {e}')
            return
        try:
            q = self.joint_states.select(self.task.joints, now, self.stale_timeout)
            gripper = self.joint_states.select((self.gripper_joint,), now, self.stale_timeout)[0]
        except bridge.MissingJoints as e:
            self.missing_joints = str(e)  # reported when a Step cannot go out (a driver may send the arm first)
            return
        self.q, self.gripper, self.missing_joints = q, self.task.driver.closure(gripper), ''
        self.fresh.mark('joint_states', now)

    def on_rgb(self, msg):
        topic = 'camera/image_raw'
        try:
            if msg.encoding not in ('rgb8', 'bgr8'):
                raise ValueError('another encoding')
            self.rgb = images.to_array(msg, 'rgb8')  # any resolution: the task crops and resizes at each Step
        except ValueError as e:
            self.problem(f'{topic} encoding', f'{topic} dropped: expected an rgb8 or bgr8 image, got '
                                              f"'{msg.encoding}' {msg.width}x{msg.height} ({e})")
            return
        self.fresh.mark(topic, self.now())

    def on_depth(self, msg):
        topic = 'camera/depth/image_raw'
        try:
            self.depth = codec.depth_metres(images.to_array(msg)[..., 0], msg.encoding)
        except ValueError as e:
            self.problem(f'{topic} encoding', f'{topic} dropped: expected a 16UC1 (millimetres) or 32FC1 (metres) '
                                              f"image, got '{msg.encoding}' {msg.width}x{msg.height} ({e})")
            return
        self.fresh.mark(topic, self.now())

    # --- actions and moves ---

    def apply(self, action):
        if self.phase != 'wait':
            self.problem('busy', f'action arrived while the arm is busy ({self.phase}); ignored')
            return
        moves, reset = self.task.act(int(action), self.q)
        if reset:
            self.problem('side', 'the tool is above neither bin: the scripted reset replaces the action')
        self.start('action', moves)
        self.set_safety('ok')

    def hold(self, reason):
        self.queue, self.path = [], None
        if self.q is not None:
            self.command_joints([self.q], HOLD_TIME)
        self.set_safety(f'holding: {reason}')
        if self.phase in ('action', 'follow', 'reset'):
            self.phase = 'idle'
        elif self.phase == 'wait':   # a HOLD (or bad) answer: stay, and send the next Step one period later
            self.phase, self.held_until = 'held', self.now() + 1.0 / self.control_rate

    def on_hard_reset(self):
        self.hold('hard reset')
        self.phase = 'idle'

    def start(self, phase, moves):
        self.phase, self.queue, self.path = phase, list(moves), None

    def next_move(self):
        """Start the next queued move; False when the queue is empty."""
        if not self.queue:
            return False
        move = self.queue.pop(0)
        self.move_started = self.now()
        if move.kind == 'gripper':
            self.path, self.target = None, 0.0 if move.target else 1.0
            self.last_gripper = (None, self.now())
            self.command_gripper(self.task.driver.joint_position(self.target))
        else:
            path = self.task.path(self.q, move.target, self.command_rate)
            self.target = 'joints'
            if self.arm_command == 'forward_position':
                self.path = list(path)   # streamed by moving(), one target per tick
            else:   # the trajectory controller interpolates the whole move; its timing bounds the speed
                self.path, self.target_q = None, path[-1]
                self.command_joints(path, 1.0 / self.command_rate)
                self.move_started = self.now() + len(path) / self.command_rate
        return True

    def command_joints(self, path, period):
        """Send joint targets: the first (only) one of `path` to a forward controller, or all as a trajectory."""
        if self.arm_command == 'forward_position':
            self.joint_pub.publish(Float64MultiArray(data=floats(path[0])))
        else:
            self.joint_pub.publish(trajectory(self.task.joints, path, period))

    def command_gripper(self, position):
        """
        Send the gripper joint to `position` through its controller's topic or action.

        A missing action server or a rejected goal is reported; the move then ends when the gripper has not moved
        for its settle time, as for a gripper that stalls on an object.
        """
        if self.gripper_command == 'forward_position':
            self.gripper_pub.publish(Float64MultiArray(data=[float(position)]))
            return
        if self.gripper_command == 'joint_trajectory':
            self.gripper_pub.publish(trajectory([self.gripper_joint], [[position]], GRIPPER_MOVE))
            return
        if not self.gripper_client.server_is_ready():
            self.problem('gripper_action', f'gripper action {self.gripper_action} ({self.gripper_command}) is '
                                           'not available; the gripper stays where it is')
            return
        goal = self.gripper_action_class.Goal()
        if self.gripper_command == 'GripperCommand':
            goal.command.position, goal.command.max_effort = float(position), self.gripper_max_effort
        else:  # ParallelGripperCommand: a JointState of the gripper's joint
            goal.command.name, goal.command.position = [self.gripper_joint], [float(position)]
            if self.gripper_max_effort > 0:
                goal.command.effort = [self.gripper_max_effort]
        self.gripper_client.send_goal_async(goal).add_done_callback(self.on_gripper_goal)

    def on_gripper_goal(self, future):
        try:
            accepted = future.result().accepted
        except Exception as e:  # the server went away between send and answer
            self.problem('gripper_action', f'gripper action {self.gripper_action} failed: {e}')
            return
        if not accepted:
            self.problem('gripper_action', f'gripper action {self.gripper_action} rejected the goal; the gripper '
                                           'stays where it is')
            return
        handle = future.result()
        self.gripper_goals[id(handle)] = (handle, self.now())   # until its result comes (check_gripper_goals)
        handle.get_result_async().add_done_callback(lambda _: self.gripper_goals.pop(id(handle), None))

    def check_gripper_goals(self):
        """Cancel gripper goals that did not finish in time: a hanging action server must not hold the arm."""
        now = self.now()
        for key, (handle, sent) in list(self.gripper_goals.items()):
            if now - sent >= GRIPPER_GOAL_TIMEOUT:
                del self.gripper_goals[key]
                self.problem('gripper_action unfinished', f'gripper action {self.gripper_action} did not finish its '
                                                          f'goal within {GRIPPER_GOAL_TIMEOUT:g} s; goal canceled, '
                                                          'the arm goes on')
                handle.cancel_goal_async()

    def moving(self):
        """Streams the current move; True while it is still running."""
        now = self.now()
        if self.path:
            self.target_q = self.path.pop(0)
            self.command_joints([self.target_q], 1.0 / self.command_rate)
            self.move_started = now   # the settle time counts from the last target
            return True
        if self.target == 'joints':
            if np.abs(self.q - self.target_q).max() < self.settle_tolerance:
                self.target = None
            elif now - self.move_started > self.settle_timeout:
                self.problem('settle', f'joints did not settle within {self.settle_timeout:g} s; moving on')
                self.target = None
            return self.target is not None
        if isinstance(self.target, float):
            previous, since = self.last_gripper
            if previous is None or abs(self.gripper - previous) > 0.005:
                self.last_gripper = (self.gripper, now)
            elif now - since >= GRIPPER_SETTLE:
                self.target = None
            if now - self.move_started > GRIPPER_TIMEOUT:
                self.target = None
            return self.target is not None
        return False

    # --- the loop ---

    def tick(self):
        self.check_gripper_goals()
        if self.phase == 'wait' and not self.episode.ending:   # nothing to do until an action comes
            self.resend_step_to_late_listeners()
            if self.watchdog.expired(self.now()):
                self.problem('watchdog', f'no action for {self.watchdog_timeout:g} s; the arm waits where it is')
            return
        stale = self.stale('arm stopped, no step sent')
        if self.missing_joints and self.now() - (self.started or 0.0) > self.stale_timeout:
            self.problem('joint_states missing', f'no step sent: {self.missing_joints}')
        if stale:
            return
        if self.phase == 'held':
            if self.now() < self.held_until:
                return
            self.phase = 'idle'
        if self.phase in ('reset', 'action', 'follow', 'pause'):
            if self.moving() or self.next_move():
                return
            self.finish()
            return
        if self.episode.paused:
            return
        if self.episode.reset_due:
            self.start('reset', self.task.reset_moves(self.q))
            self.set_safety('resetting')
            return
        self.send()

    def finish(self):
        """Finish a phase whose moves are done: compute the reward after an action, or send the next Step."""
        phase, self.phase = self.phase, 'idle'
        if phase == 'action':
            self.reward, moves = self.task.reward(self.gripper, self.q)
            self.start('follow', moves)
            return
        if phase == 'reset':
            self.episode.reset_done()
            self.reward = 0.0
        if phase != 'pause' and not self.episode.paused and not self.episode.reset_due:
            self.send()

    def send(self):
        try:
            obs = self.task.observe(self.q, self.gripper, self.rgb, self.depth)
        except bridge.BadDriverData as e:
            self.problem('observe', f'no step sent: {e}')
            return
        flags = self.episode.advance()
        logs = self.task.logs(0.0 if flags['is_first'] else self.reward)   # grasp, drop, placement: as the twin's
        self.send_step(obs, self.reward, flags, logs, control_period=self.watchdog_timeout)
        self.watchdog.feed(self.now())   # the moves took their time: the action's timeout counts from the Step
        self.reward = 0.0
        if self.episode.paused:
            self.start('pause', self.task.pause_moves())   # KBReset's pause opens the gripper
        else:
            self.phase = 'idle' if flags['is_last'] else 'wait'


def trajectory(joints, path, period):
    """Build a JointTrajectory through `path` (one point per `period` s), starting when it is received."""
    msg = JointTrajectory(joint_names=list(joints))
    for i, positions in enumerate(path, 1):
        t = i * period
        msg.points.append(JointTrajectoryPoint(positions=floats(positions),
                                               time_from_start=Duration(sec=int(t), nanosec=int(t % 1 * 1e9))))
    return msg


def main(args=None):
    runner.run(ArmBridge, args, name='arm_bridge')


if __name__ == '__main__':
    main()
