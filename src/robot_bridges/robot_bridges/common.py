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
What every bridge node shares.

That is parameters, the Step/Action topics, the episode services, the watchdog, diagnostics, the latched safety state
and throttled problem reports. The ROS-free logic lives in `daydreamer.robots.bridge`; a robot's bridge subclasses
`BridgeNode` and adds its driver topics.

Shared parameters, their defaults the robot's definition (`daydreamer.robots`: robots/<name>.py's ROBOT):
robot (the arm bridge serves two), control_rate (double, Hz), episode_length (int, steps; 0 = no limit),
watchdog_timeout (double, s without a fresh action before the safe stop), stale_timeout (double, s: older driver
data is not used).
"""

import time

from daydreamer import robots
from daydreamer.config import ConfigError
from daydreamer.robots import bridge
from daydreamer_interfaces.msg import Action, Step
from daydreamer_interfaces.srv import ResetEpisode
from daydreamer_ros import convert, qos
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
import numpy as np
from rclpy.node import Node
from std_msgs.msg import String
from std_srvs.srv import Trigger

THROTTLE = 5.0  # s between two reports of the same problem


class BridgeNode(Node):
    """
    Base of the robot bridges.

    Subclasses run their robot's task (actions are checked against the definition's act_space, `spec`) and
    implement `apply(action)`, `hold(reason)`, and optionally `on_hard_reset()`.
    """

    def __init__(self, name, robot, sources, **kwargs):
        super().__init__(name, **kwargs)
        served = [key for key, r in robots.registry().items() if r.bridge == name]
        self.robot = self.param('robot', robot, ' | '.join(served))
        if self.robot not in served:
            raise ConfigError(f"parameter robot must be one of {', '.join(served)}, not '{self.robot}'")
        spec = self.spec = robots.get(self.robot)
        self.control_rate = self.param('control_rate', float(spec.control_rate), 'agent steps per second (Hz)')
        self.episode_length = self.param('episode_length', int(spec.episode_length), 'steps per episode (0: no limit)')
        self.watchdog_timeout = self.param('watchdog_timeout', float(spec.watchdog_timeout),
                                           'seconds without a fresh action before the safe stop')
        self.stale_timeout = self.param('stale_timeout', float(spec.stale_timeout),
                                        'driver data older than this (s) is not used')
        self.episode = bridge.Episode(self.episode_length, spec.resets)
        self.watchdog = bridge.Watchdog(self.watchdog_timeout)
        self.fresh = bridge.Freshness(self.stale_timeout, sources)
        self.last_step = None         # the step index of the last Step sent
        self.last_is_last = False     # whether that Step ended its episode
        self.answered_step = None     # the step index of the last Step answered
        self.last_step_msg, self.step_listeners = None, 0  # for resend_step_to_late_listeners
        self.safety = ''
        self.problems = {}            # key -> (message, time reported)
        self._reported = {}
        self.step_pub = self.create_publisher(Step, 'step', qos.STEP)
        self.safety_pub = self.create_publisher(String, 'safety_state', qos.LATCHED)
        self.diag_pub = self.create_publisher(DiagnosticArray, 'diagnostics', qos.DIAGNOSTICS)
        self.create_subscription(Action, 'action', self.on_action, qos.ACTION)
        self.create_service(ResetEpisode, '~/reset_episode', self.on_reset_episode)
        self.create_service(Trigger, '~/pause', self.on_pause)
        self.create_service(Trigger, '~/resume', self.on_resume)
        self.create_service(Trigger, '~/hard_reset', self.on_hard_reset_srv)
        self.create_timer(1.0, self.publish_diagnostics)
        self.set_safety('holding: no action yet')
        # When the grace period for drivers coming up starts (see `stale`). On sim time the clock reads 0 until the
        # first /clock arrives, so there it starts with the first check on a running clock.
        self.started = self.now() or None

    # --- helpers ---

    def param(self, name, default, description=''):
        from rcl_interfaces.msg import ParameterDescriptor
        return self.declare_parameter(name, default, ParameterDescriptor(description=description)).value

    def now(self):
        """Seconds on the node clock (sim time when use_sim_time is set)."""
        return self.get_clock().now().nanoseconds * 1e-9

    def problem(self, key, message):
        """
        Report a problem with input, at most once per THROTTLE seconds per key.

        Distinct problems are not hidden behind each other, which one throttled call site would do.
        """
        now = time.monotonic()
        self.problems[key] = message
        if now - self._reported.get(key, -np.inf) >= THROTTLE:
            self._reported[key] = now
            self.get_logger().warning(message)

    def clear(self, key):
        self.problems.pop(key, None)

    def stale(self, what):
        """
        Return the missing or stale driver sources (a list of texts; empty when all are fresh).

        They are reported as a problem with `what` happens meanwhile. Sources that were never received are not
        reported during the first stale_timeout after start (drivers take a moment to come up).
        """
        now = self.now()
        if self.started is None and now > 0:
            self.started = now
        out = self.fresh.problems(now)
        if out and (self.started is not None and now - self.started > self.stale_timeout
                    or any('received' not in p for p in out)):
            self.problem('stale', f"{what}: {'; '.join(out)}")
        return out

    def set_safety(self, state):
        if state != self.safety:
            self.safety = state
            self.safety_pub.publish(String(data=state))

    # --- Step / Action ---

    def send_step(self, obs, reward, flags, logs=None, control_period=None):
        msg = convert.obs_to_step(bridge.step_obs(obs, reward, flags, logs), robot=self.robot,
                                  episode=flags['episode'], step=flags['step'],
                                  control_period=1.0 / self.control_rate if control_period is None else control_period)
        msg.header.stamp = self.get_clock().now().to_msg()
        self.last_step, self.last_is_last = flags['step'], flags['is_last']
        self.last_step_msg, self.step_listeners = msg, self.step_pub.get_subscription_count()
        self.step_pub.publish(msg)
        return msg

    def resend_step_to_late_listeners(self):
        """
        Publish the last Step again when a subscriber has matched since it went out, and return whether it did.

        `step` keeps only the newest Step and is volatile, so an actor that comes up after a Step went out never
        gets it; a bridge that sends the next Step only after an answer (the arms) would wait forever. An actor
        that did get it answers the repeat with HOLD, which the bridge ignores as the answer it already has.
        """
        listeners = self.step_pub.get_subscription_count()
        joined = self.last_step_msg is not None and listeners > self.step_listeners
        self.step_listeners = listeners
        if joined:
            self.step_pub.publish(self.last_step_msg)
        return joined

    def on_action(self, msg):
        if self.last_step is None:
            self.problem('action', f'action for step {msg.step} before any step was sent; ignored')
            return
        verdict, message = bridge.check_action(self.last_step, msg.step, msg.mode)
        if verdict in ('late', 'ahead'):
            self.problem(f'action_{verdict}', message)
            return
        if msg.step == self.answered_step:
            return   # a second answer to the same Step (it was sent again to a late listener): the first one counts
        self.answered_step = msg.step
        self.watchdog.feed(self.now())
        if verdict == 'hold':
            self.hold('the actor holds (MODE_HOLD)')
            return
        if self.last_is_last and self.episode.resets:
            return   # the actor answers every Step; after the last one the scripted reset runs, not an action
        try:
            action = convert.msg_to_action(msg, self.spec.act_space)
        except ValueError as e:
            self.problem('action_bad', f'bad action for step {msg.step}: {e}; holding')
            self.hold('bad action')
            return
        self.clear('action_bad')
        self.apply(action)

    # --- services ---

    def on_reset_episode(self, request, response):
        if request.hard:
            response.episode = self.episode.hard_reset()
            self.on_hard_reset()
        else:
            response.episode = self.episode.end()
        response.success = True
        response.message = f'episode {response.episode} starts next ({request.reason or "no reason given"})'
        self.get_logger().info(f'reset_episode (hard={request.hard}): {response.message}')
        return response

    def on_pause(self, request, response):
        self.episode.pause()
        response.success, response.message = True, 'paused: the current step goes out with is_last, the robot holds'
        self.get_logger().info(response.message)
        return response

    def on_resume(self, request, response):
        response.success = self.episode.resume()
        response.message = 'resumed: the next step is is_first' if response.success else 'not paused'
        self.get_logger().info(f'resume: {response.message}')
        return response

    def on_hard_reset_srv(self, request, response):
        episode = self.episode.hard_reset()
        self.on_hard_reset()
        response.success, response.message = True, f'hard reset: episode {episode} starts next'
        self.get_logger().info(response.message)
        return response

    def on_hard_reset(self):
        pass

    # --- diagnostics ---

    def publish_diagnostics(self):
        status = DiagnosticStatus(name=f'{self.get_name()}: {self.robot} bridge', hardware_id=self.robot)
        status.level = DiagnosticStatus.WARN if self.problems or self.safety != 'ok' else DiagnosticStatus.OK
        status.message = '; '.join(self.problems.values()) or self.safety
        status.values = [KeyValue(key='episode', value=str(self.episode.episode)),
                         KeyValue(key='step', value=str(self.episode.step)),
                         KeyValue(key='paused', value=str(self.episode.paused)),
                         KeyValue(key='safety_state', value=self.safety),
                         KeyValue(key='watchdog_trips', value=str(self.watchdog.trips))]
        msg = DiagnosticArray(status=[status])
        msg.header.stamp = self.get_clock().now().to_msg()
        self.diag_pub.publish(msg)
        self.problems.clear()


def floats(values):
    """Return a Float64MultiArray data value (list of Python floats)."""
    return [float(v) for v in np.asarray(values, np.float64).reshape(-1)]


def quaternion_wxyz(orientation):
    """(w, x, y, z) of a geometry_msgs/Quaternion (ROS stores x, y, z, w)."""
    return np.array([orientation.w, orientation.x, orientation.y, orientation.z], np.float64)
