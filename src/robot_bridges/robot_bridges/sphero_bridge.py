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

Subscribes `overhead_camera/image_raw` (sensor_msgs/Image, any size, rgb8 or bgr8; sensor QoS). Every
1 / control_rate (2 Hz) it publishes a Step: 'image' (the frame, columns crop_columns kept, area-resized to
64x64) and the reward -||ball - goal|| from the core's white-ball detection, in arena coordinates
normalised by the arena's pixel box (arena_min / arena_max, in the camera frame's pixels). An Action
(2 motor powers in [-1, 1], clipped, x 70 of 255) is sent on `raw_motor` (std_msgs/Float64MultiArray,
[left, right] as fractions of full power) for `action_duration` (0.5 s), then the motors stop. Episodes
are `episode_length` (100) steps; the scripted reset drives `reset_moves` (5) random `reset_move_duration`
(1 s) moves at power 100 and waits `reset_wait` (4 s). The watchdog stops the motors and warns when no
action came within `watchdog_timeout` s of a Step.

`command_interface` says where the motor command goes: 'raw_motor' (the sphero_ros driver), 'cmd_vel'
(geometry_msgs/Twist, for a Gazebo Sphero model or any diff-drive base) or 'both'. The cmd_vel mapping of a
differential command [left, right] (fractions of full power) is linear.x = full_speed (left + right) / 2
(m/s) and angular.z = full_speed (right - left) / (2 turn_radius) (rad/s, counter-clockwise positive);
`daydreamer.robots.bridge.motors_to_twist`, inverted by the sim node's cmd_vel input. Calibrate full_speed
(m/s at full power) and turn_radius (m) for another model; the defaults are the MuJoCo twin's.

Parameters: control_rate (2.0), episode_length (100), watchdog_timeout (1.5 s), stale_timeout (0.5 s),
action_duration (0.5 s), arena_min / arena_max (double[2], pixels; default the reference's 640x480 setup;
the sim node logs its own), crop_columns (int[2], [0, 0] = keep all), seed (0), reset_moves (5),
reset_move_duration (1.0 s), reset_wait (4.0 s), command_interface ('raw_motor'), full_speed (1.64 m/s),
turn_radius (0.075 m).
"""

from daydreamer.config import ConfigError
from daydreamer.robots import bridge, sphero
from daydreamer_ros import images, qos, runner
from geometry_msgs.msg import Twist
from sensor_msgs.msg import Image
from std_msgs.msg import Float64MultiArray

from .common import BridgeNode, floats

MOTOR_RATE = 10.0  # Hz: raw_motor is republished while the motors run, and the plan advances


class SpheroBridge(BridgeNode):

    def __init__(self, **kwargs):
        super().__init__('sphero_bridge', 'sphero', control_rate=sphero.CONTROL_HZ,
                         episode_length=sphero.EPISODE_LENGTH, resets=True, watchdog_timeout=1.5, stale_timeout=0.5,
                         sources=('overhead_camera/image_raw',), **kwargs)
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
        self.interface = self.param('command_interface', 'raw_motor', "'raw_motor', 'cmd_vel' or 'both'")
        if self.interface not in ('raw_motor', 'cmd_vel', 'both'):
            raise ConfigError(f"parameter command_interface must be 'raw_motor', 'cmd_vel' or 'both', "
                              f'not {self.interface!r}')
        self.full_speed = self.param('full_speed', bridge.SPHERO_FULL_SPEED, 'cmd_vel: m/s at full power')
        self.turn_radius = self.param('turn_radius', bridge.SPHERO_TURN_RADIUS, 'cmd_vel: m of wheel lever')
        self.adapter = bridge.SpheroAdapter(tuple(low), tuple(high), None if list(crop) == [0, 0] else tuple(crop),
                                            seed=seed, **reset)
        self.frame = None
        self.plan = []              # [(motors, seconds)] still to drive (the reset)
        self.resetting = False
        self.motors, self.until = [0.0, 0.0], 0.0
        self.motor_pub = self.twist_pub = None
        if self.interface in ('raw_motor', 'both'):
            self.motor_pub = self.create_publisher(Float64MultiArray, 'raw_motor', qos.COMMAND)
        if self.interface in ('cmd_vel', 'both'):
            self.twist_pub = self.create_publisher(Twist, 'cmd_vel', qos.COMMAND)
        self.create_subscription(Image, 'overhead_camera/image_raw', self.on_image, qos.SENSOR)
        self.create_timer(1.0 / self.control_rate, self.control_tick)
        self.create_timer(1.0 / MOTOR_RATE, self.motor_tick)

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
            self.plan, self.resetting = self.adapter.reset_plan(), True
            self.episode.reset_done()
            self.set_safety('resetting: scripted random drive')
            return
        try:
            obs, reward, logs = self.adapter.observe(self.frame)
        except bridge.BadDriverData as e:
            self.problem('image', f'no step sent: {e}')
            return
        flags = self.episode.advance()
        if flags['is_first']:
            self.watchdog.feed(self.now())   # the timeout counts from the episode's first Step
        self.send_step(obs, reward, flags, logs)

    def apply(self, action):
        self.drive(self.adapter.motors(action), self.action_duration)
        self.set_safety('ok')

    def hold(self, reason):
        self.plan, self.resetting = [], False
        self.drive([0.0, 0.0], 0.0)
        self.set_safety(f'holding: {reason}')

    def drive(self, motors, seconds):
        self.motors, self.until = list(motors), self.now() + seconds
        self.publish_motors()

    def publish_motors(self):
        if self.motor_pub is not None:
            self.motor_pub.publish(Float64MultiArray(data=floats(self.motors)))
        if self.twist_pub is not None:
            msg = Twist()
            msg.linear.x, msg.angular.z = bridge.motors_to_twist(self.motors, self.full_speed, self.turn_radius)
            self.twist_pub.publish(msg)

    def motor_tick(self):
        now = self.now()
        if now >= self.until:
            if self.plan:
                motors, seconds = self.plan.pop(0)
                self.drive(motors, seconds)
                return
            if any(self.motors):
                self.drive([0.0, 0.0], 0.0)   # the action's 0.5 s are over
            return
        self.publish_motors()   # repeated while running: a driver stops on its own without commands

    def on_hard_reset(self):
        self.hold('hard reset')


def main(args=None):
    runner.run(SpheroBridge, args, name='sphero_bridge')


if __name__ == '__main__':
    main()
