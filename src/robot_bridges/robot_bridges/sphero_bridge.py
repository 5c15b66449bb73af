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
sphero_bridge: an overhead camera and a Sphero's motors <-> the agent's Step / Action (DayDreamer's Sphero task).

The task is `daydreamer.robots.sphero.SpheroTask`, the class the MuJoCo twin's step runs too; this node
feeds it the driver's data and executes its drives on ROS topics, on its timers. Subscribes
`overhead_camera/image_raw` (sensor_msgs/Image, any size, rgb8 or bgr8; sensor QoS). Every 1 / control_rate
(2 Hz) it publishes a Step: the task's observation of the latest frame ('image': the frame, columns
crop_columns kept, area-resized to 64x64) and its reward -||ball - goal|| from the white-ball detection, in
arena coordinates normalised by the arena's pixel box (arena_min / arena_max, in the camera frame's pixels),
with its logs log_success and log_visible. An Action (2 motor powers in [-1, 1], clipped, x 70 of 255) drives
for `action_duration` (0.5 s). Episodes are `episode_length` (100) steps; the scripted reset drives `reset_moves`
(5) random `reset_move_duration` (1 s) moves at power 100 and waits `reset_wait` (4 s). The motors get zeros
while the bridge holds: paused, camera stale, or the watchdog (no action within `watchdog_timeout` s of a
Step; warned once per throttle period).

`command_interface` says where the motor command goes:
- 'raw_motor_command' (default): the Sphero's ROS 2 driver, juehess/sphero_ros2 `sphero_node` (see
  `robot_bridges.sphero_driver`): sphero_interfaces/msg/RawMotorCommand (int32 left / right, -255..255) on
  `raw_motor_command`. The driver drives each message for 0.2 s and then stops, so while an action drives the
  command is republished every `motor_period` s (see MOTOR_PERIOD); when a drive ends nothing more is sent (the
  driver stops by itself), and a hold sends zeros. Needs the package sphero_interfaces (the node stops at start
  with one line naming it when it is missing).
- 'gazebo_cmd_vel': a body-frame geometry_msgs/Twist on `cmd_vel` for the Gazebo model's velocity control
  (sphero_gazebo.launch.py): linear.x = full_speed (l + r) / 2 (m/s) and angular.z = full_speed (r - l) /
  (2 turn_radius) (rad/s) for l, r the powers as fractions of 255 (`daydreamer.robots.sphero.motors_to_twist`);
  zeros when a drive ends (the velocity control holds its last command). Not for the real driver: its cmd_vel
  is a heading and a speed.

`stabilization` ('off', 'on' or 'unchanged'): at start, once the driver's `set_stabilization` service
(std_srvs/SetBool) is there, the bridge asks for it (off by default: DayDreamer's reference drove raw motors with
the Sphero's stabilisation off). The call never blocks the node: while the service is absent the bridge steps
and drives as usual, and it asks when the service appears.

Parameters: control_rate (2.0), episode_length (100), watchdog_timeout (1.5 s), stale_timeout (0.5 s),
action_duration (0.5 s), arena_min / arena_max (double[2], pixels; default the reference's 640x480 setup;
the sim node logs its own), crop_columns (int[2], [0, 0] = keep all), seed (0), reset_moves (5),
reset_move_duration (1.0 s), reset_wait (4.0 s), command_interface ('raw_motor_command'), motor_period
(0.25 s), stabilization ('off'), full_speed (1.64 m/s) and turn_radius (0.075 m) (gazebo_cmd_vel only).
"""

from daydreamer.config import ConfigError
from daydreamer.robots import bridge, sphero
from daydreamer_ros import images, qos, runner
from geometry_msgs.msg import Twist
from sensor_msgs.msg import Image
from std_srvs.srv import SetBool

from . import sphero_driver
from .common import BridgeNode

INTERFACES = ('raw_motor_command', 'gazebo_cmd_vel')
STABILIZATION = ('off', 'on', 'unchanged')
# s between two RawMotorCommands of one drive. The driver drives each message for 0.2 s inside its callback (a
# blocking sleep between two BLE writes), so it takes one message per 0.2 s plus two BLE round trips at best;
# sent faster, messages pile up in its queue (depth 10) and the ball keeps driving after the bridge stopped.
# Every 0.25 s leaves 0.05 s for the BLE writes: a 0.5 s action is two messages, about 0.4 s of driving. The
# period also holds across actions: a new action within motor_period of the last command waits for it.
MOTOR_PERIOD = 0.25
TICK = 0.02        # s, the motor timer: the plan advances and commands are (re)published on it


class SpheroBridge(BridgeNode):

    def __init__(self, **kwargs):
        super().__init__('sphero_bridge', 'sphero', sources=('overhead_camera/image_raw',), **kwargs)
        self.action_duration = self.param('action_duration', sphero.STEP_SECONDS, 'seconds each action drives')
        low = self.param('arena_min', [float(v) for v in sphero.REFERENCE_ARENA_MIN], 'arena box min (px)')
        high = self.param('arena_max', [float(v) for v in sphero.REFERENCE_ARENA_MAX], 'arena box max (px)')
        crop = self.param('crop_columns', [0, 0], 'columns [start, stop) kept; [0, 0] keeps all')
        seed = self.param('seed', 0, 'seed of the scripted reset')
        reset = {'reset_moves': self.param('reset_moves', sphero.RESET_MOVES, 'random drives of a reset'),
                 'reset_move_seconds': self.param('reset_move_duration', sphero.RESET_MOVE_SECONDS,
                                                  's per random drive of a reset'),
                 'reset_wait_seconds': self.param('reset_wait', sphero.RESET_WAIT_SECONDS,
                                                  's standing still at the end of a reset')}
        self.interface = self.param('command_interface', 'raw_motor_command', ' or '.join(INTERFACES))
        if self.interface not in INTERFACES:
            raise ConfigError(f"parameter command_interface must be 'raw_motor_command' or 'gazebo_cmd_vel', "
                              f'not {self.interface!r}')
        self.motor_period = self.param('motor_period', MOTOR_PERIOD, 's between republished raw motor commands')
        if not self.motor_period > 0:
            raise ConfigError(f'parameter motor_period must be > 0 s, not {self.motor_period}')
        stabilization = self.param('stabilization', 'off',
                                   "the driver's set_stabilization at start: " + ', '.join(STABILIZATION))
        if stabilization not in STABILIZATION:
            raise ConfigError(f"parameter stabilization must be 'off', 'on' or 'unchanged', not {stabilization!r}")
        self.full_speed = self.param('full_speed', sphero.FULL_SPEED, 'gazebo_cmd_vel: m/s at full power')
        self.turn_radius = self.param('turn_radius', sphero.TURN_RADIUS, 'gazebo_cmd_vel: m of wheel lever')
        self.task = sphero.SpheroTask(tuple(low), tuple(high), None if list(crop) == [0, 0] else tuple(crop),
                                      rng=seed, action_seconds=self.action_duration, **reset)
        self.frame = None
        self.plan = []              # [((left, right), seconds)] still to drive (the reset)
        self.resetting = False
        self.motors, self.until, self.sent, self.pending = (0, 0), 0.0, -float('inf'), False
        if self.interface == 'raw_motor_command':
            self.command_type = sphero_driver.raw_motor_command_type()
            self.motor_pub = self.create_publisher(self.command_type, sphero_driver.COMMAND_TOPIC, qos.COMMAND)
        else:
            self.motor_pub = self.create_publisher(Twist, 'cmd_vel', qos.COMMAND)
        self.stabilization, self.stabilization_client = stabilization, None
        if stabilization != 'unchanged':
            self.stabilization_client = self.create_client(SetBool, sphero_driver.STABILIZATION_SERVICE)
            self.stabilization_timer = self.create_timer(0.5, self.request_stabilization)
        self.create_subscription(Image, 'overhead_camera/image_raw', self.on_image, qos.SENSOR)
        self.create_timer(1.0 / self.control_rate, self.control_tick)
        self.create_timer(TICK, self.motor_tick)

    def request_stabilization(self):
        """Ask the driver once for the stabilization setting, when its service is there (never waits for it)."""
        if not self.stabilization_client.service_is_ready():
            return
        self.stabilization_timer.cancel()
        future = self.stabilization_client.call_async(SetBool.Request(data=self.stabilization == 'on'))
        future.add_done_callback(self.on_stabilization)

    def on_stabilization(self, future):
        result = future.result() if not future.cancelled() and future.exception() is None else None
        if result is not None and result.success:
            self.get_logger().info(f'driver stabilization {self.stabilization}: {result.message}')
        else:
            self.get_logger().warning(f'driver stabilization {self.stabilization} failed: '
                                      f'{result.message if result is not None else future.exception()}')

    def on_image(self, msg):
        try:
            self.frame = images.to_array(msg, 'rgb8')
        except ValueError as e:
            self.problem('image encoding', f'overhead_camera/image_raw dropped: expected an rgb8 or bgr8 image, got '
                                           f"'{msg.encoding}' ({e})")
            return
        self.fresh.mark('overhead_camera/image_raw', self.now())

    def control_tick(self):
        if self.episode.paused:
            self.hold('paused')
            return
        if self.resetting:
            if self.plan or self.now() < self.until:
                return   # the scripted reset is still driving
            self.resetting = False
        if self.stale('no step sent, motors stopped'):
            self.hold('camera missing or stale')
            return
        if self.last_step is not None and not self.last_is_last and self.watchdog.expired(self.now()):
            self.problem('watchdog', f'no action within {self.watchdog_timeout:g} s of step {self.last_step}: '
                                     'motors stopped')
            self.hold('watchdog: no fresh action')
        if self.episode.reset_due:
            self.plan, self.resetting = self.task.reset_plan(), True
            self.episode.reset_done()
            self.set_safety('resetting: scripted random drive')
            return
        try:
            obs, reward, logs = self.task.observe(self.frame)
        except bridge.BadDriverData as e:
            self.problem('image', f'no step sent: {e}')
            return
        flags = self.episode.advance()
        if flags['is_first']:
            self.watchdog.feed(self.now())   # the timeout counts from the episode's first Step
        self.send_step(obs, reward, flags, logs)

    def apply(self, action):
        (motors, seconds), = self.task.act(action)
        self.drive(motors, seconds)
        self.set_safety('ok')

    def hold(self, reason):
        self.plan, self.resetting = [], False
        self.drive((0, 0), 0.0)
        self.set_safety(f'holding: {reason}')

    def drive(self, motors, seconds):
        """
        Drive raw powers (left, right) for `seconds`: send now, then republish from motor_tick.

        A RawMotorCommand within motor_period of the last one waits in motor_tick until the period is up, so the
        driver is never sent more than it drains; zeros (a hold) go at once.
        """
        now = self.now()
        self.motors, self.until = tuple(int(v) for v in motors), now + seconds
        if self.interface == 'raw_motor_command' and any(self.motors) and now - self.sent < self.motor_period:
            self.pending = True
            return
        self.publish_motors()

    def publish_motors(self):
        self.sent, self.pending = self.now(), False
        left, right = self.motors
        if self.interface == 'raw_motor_command':
            self.motor_pub.publish(self.command_type(left=left, right=right))
            return
        msg = Twist()
        msg.linear.x, msg.angular.z = sphero.motors_to_twist([left / sphero.RAW_MAX, right / sphero.RAW_MAX],
                                                             self.full_speed, self.turn_radius)
        self.motor_pub.publish(msg)

    def motor_tick(self):
        now = self.now()
        if self.pending and now - self.sent >= self.motor_period:
            self.publish_motors()   # a command that waited for the period
        if now >= self.until:
            if self.plan:
                motors, seconds = self.plan.pop(0)
                self.drive(motors, seconds)
            elif any(self.motors) and not self.pending:
                self.motors = (0, 0)   # the drive is over: the driver stops 0.2 s after its last command
                if self.interface == 'gazebo_cmd_vel':
                    self.publish_motors()   # Gazebo's velocity control holds the last velocity: stop it
            return
        if any(self.motors) and now - self.sent >= self.motor_period:
            self.publish_motors()   # the driver drives each command for 0.2 s only

    def on_hard_reset(self):
        self.hold('hard reset')


def main(args=None):
    runner.run(SpheroBridge, args, name='sphero_bridge')


if __name__ == '__main__':
    main()
