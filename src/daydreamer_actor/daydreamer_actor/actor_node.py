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
The actor node (`actor`).

It runs the policy on every `step` from the robot's bridge and answers with an `action` within the control period,
streams experience to the learner and swaps in the policy weights the learner publishes.

Topics (relative, so a namespace per robot works; QoS from daydreamer_ros.qos):
  step (Step, in)  ->  action (Action, out)      acting runs in the step callback (~2 ms on one CPU core)
  experience (Experience, out)                   `experience_batch` rows per message, numbered in a stream
  experience_ack (ExperienceAck, in)             the learner's acknowledgements: a batch is kept (in memory up
                                                 to `memory_rows`, then in a bounded spool on disk) until one
                                                 covers it, and resent when none comes within `resend_timeout`;
                                                 other subscribers (ros2 bag record, probes) change nothing
  policy_weights (PolicyWeights, in, latched)    loaded in a background thread, then swapped in one step
  diagnostics (DiagnosticArray, out)             counters once a second
Services: ~/set_mode (SetActorMode): explore (train), eval (greedy) or hold (bridges command a safe stop).

Parameters: configs (string[]), overrides (string, CLI fragment), task (string, '' = the config's; only the
spaces are used), device (string), mode (string explore|eval|hold), spool_dir (string, '' =
~/.ros/daydreamer/spool/<node name>), spool_capacity (int rows), memory_rows (int: unacknowledged rows kept in
memory before they go to the spool), experience_batch (int rows), resend_timeout (double s), stale_timeout
(double s; a Step stamped longer ago than this is answered with HOLD; 0 disables).

A bad Step (missing key, wrong image size or encoding, NaN, out of order, stale) is answered with a HOLD
action, logged (throttled) and not stored; the next good step starts a new episode in replay. Corrupt
weights are logged and the old ones kept. Until the first weights arrive the actor explores randomly.
"""

import os
import time

from daydreamer import exchange, loops
from daydreamer.config import ConfigError
from daydreamer.envs import BadObservation
from daydreamer_interfaces.msg import Action, Experience, ExperienceAck, PolicyWeights, Step
from daydreamer_interfaces.srv import SetActorMode
from daydreamer_ros import convert, params, qos, runner
from diagnostic_msgs.msg import DiagnosticArray
import numpy as np
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.node import Node
from std_msgs.msg import Header

MODES = {Action.MODE_EXPLORE: 'explore', Action.MODE_EVAL: 'eval', Action.MODE_HOLD: 'hold'}
MODE_IDS = {name: index for index, name in MODES.items()}
DEFAULTS = {'configs': ['a1'], 'overrides': '', 'task': '', 'device': 'cpu', 'mode': 'explore', 'spool_dir': '',
            'spool_capacity': 100000, 'memory_rows': 1000, 'experience_batch': 16, 'resend_timeout': 3.0,
            'stale_timeout': 1.0}


class ActorNode(Node):

    def __init__(self, **kwargs):
        super().__init__('actor', **kwargs)
        self.params = p = params.declare(self, DEFAULTS)
        if p['mode'] not in MODE_IDS:
            raise ConfigError(f"parameter mode: '{p['mode']}' is not one of {', '.join(MODE_IDS)}")
        if p['experience_batch'] < 1 or p['spool_capacity'] < p['experience_batch']:
            raise ConfigError(f"experience_batch ({p['experience_batch']}) must be >= 1 and <= spool_capacity "
                              f"({p['spool_capacity']})")
        config = params.agent_config(p['configs'], p['overrides'])
        config = config.update(device=p['device'], threads=config.threads or 1)  # one core: steady latency
        device = loops.setup(config)
        self.obs_space, self.act_space = exchange.spaces(config, p['task'])
        self.core = exchange.ActorCore(config, self.obs_space, self.act_space, device)
        self.core.set_mode(p['mode'])
        spool_dir = p['spool_dir'] or os.path.join('~', '.ros', 'daydreamer', 'spool', self.get_name())
        self.spool = exchange.Spool(spool_dir, p['spool_capacity'])
        self.outbox = exchange.Outbox(self.spool, memory_rows=p['memory_rows'], resend_after=p['resend_timeout'])
        self.actor_id = self.get_fully_qualified_name()

        self.counts = dict.fromkeys(('steps', 'bad_steps', 'late', 'held', 'rows', 'batches_sent', 'weights_loaded',
                                     'weights_rejected'), 0)
        self.learner_timeout = max(3.0, 2 * p['resend_timeout'])  # the learner re-acknowledges every second
        self._last_step = None    # (episode, step) of the last Step answered, for ordering checks
        self._restart = True      # the next stored row starts an episode (after a gap, a hold or at start)
        self._prev_action = None
        self._rows = []
        self.weights_timing = {'received_ms': float('nan'), 'loaded_ms': float('nan')}  # of the newest weights
        self._weights_arrived = time.monotonic()
        self._act_ms = []
        self._step_age_ms = []
        self.last_problem = ''  # the newest bad-input description (kept for diagnostics and tests)
        self._problem_reported = True

        control, background = MutuallyExclusiveCallbackGroup(), MutuallyExclusiveCallbackGroup()
        self.action_pub = self.create_publisher(Action, 'action', qos.ACTION)
        self.experience_pub = self.create_publisher(Experience, 'experience', qos.EXPERIENCE)
        self.diagnostics_pub = self.create_publisher(DiagnosticArray, 'diagnostics', qos.DIAGNOSTICS)
        self.create_subscription(Step, 'step', self._on_step, qos.STEP, callback_group=control)
        self.create_subscription(PolicyWeights, 'policy_weights', self._on_weights, qos.WEIGHTS,
                                 callback_group=background)
        self.create_subscription(ExperienceAck, 'experience_ack', self._on_ack, qos.EXPERIENCE_ACK,
                                 callback_group=background)
        self.create_service(SetActorMode, '~/set_mode', self._on_set_mode, callback_group=background)
        self.create_timer(0.05, self._send_due, callback_group=background)
        self.create_timer(1.0, self._publish_diagnostics, callback_group=background)
        self.get_logger().info(
            f"actor {self.actor_id}: {p['mode']} on {device}, spaces of '{p['task'] or config.task}', "
            f'experience stream {self.outbox.stream}, spool {self.spool.directory} ({len(self.spool)} rows waiting '
            'from an earlier run); random actions until weights arrive')

    # -------------------------------------------------------------------------------------------- acting

    def _on_step(self, msg):
        start = time.perf_counter()
        self.counts['steps'] += 1
        problem = self._order_problem(msg)
        if problem:  # one log call site per kind of problem: rclpy throttles per call site
            self.get_logger().warning(f'{problem}; answered with HOLD, not stored', throttle_duration_sec=5.0)
            self._reject(msg, problem)
            return
        try:
            obs = convert.step_to_obs(msg, self.obs_space)
        except BadObservation as e:
            self.get_logger().warning(f'bad step {msg.step} from {msg.robot or "the bridge"}: {e}; answered with '
                                      'HOLD, not stored', throttle_duration_sec=5.0)
            self._reject(msg, str(e))
            return
        if self._restart and not obs['is_first']:
            obs['is_first'] = np.bool_(True)  # replay and the world model start afresh after a gap
        self._restart = False
        action = self.core.act(obs)
        mode = MODE_IDS[self.core.mode]
        self.action_pub.publish(convert.action_to_msg(
            action, episode=msg.episode, step=msg.step, mode=mode, weights_version=self.core.version,
            header=self._header()))
        elapsed = time.perf_counter() - start
        self._act_ms.append(elapsed * 1e3)
        if msg.control_period > 0 and elapsed > msg.control_period:
            self.counts['late'] += 1
            self.get_logger().warning(
                f'action for step {msg.step} took {elapsed * 1e3:.1f} ms, longer than the control period '
                f'{msg.control_period * 1e3:.0f} ms', throttle_duration_sec=5.0)
        if action is None:  # holding: nothing to learn from; the next acted step starts an episode
            self.counts['held'] += 1
            self._restart = True
            return
        self._store(obs, action, msg)

    def _order_problem(self, msg):
        last, self._last_step = self._last_step, (msg.episode, msg.step)
        if last is not None and (msg.step <= last[1] and not msg.is_first or (msg.episode, msg.step) == last):
            return f'step {msg.step} arrived after step {last[1]} (out of order or repeated)'
        timeout = self.params['stale_timeout']
        stamp = msg.header.stamp.sec * 10 ** 9 + msg.header.stamp.nanosec
        if stamp > 0:
            age = (self.get_clock().now().nanoseconds - stamp) / 1e9
            self._step_age_ms.append(age * 1e3)  # observation -> this callback: the bridge, DDS and our executor
            if timeout > 0 and age > timeout:
                return f'step {msg.step} is stale: stamped {age:.2f} s ago (stale_timeout {timeout} s)'
        return ''

    def _reject(self, msg, problem):
        self.counts['bad_steps'] += 1
        self.last_problem, self._problem_reported = problem, False
        self._restart = True
        self.action_pub.publish(convert.action_to_msg(
            None, episode=msg.episode, step=msg.step, mode=Action.MODE_HOLD, weights_version=self.core.version,
            header=self._header()))

    def _header(self):
        return Header(stamp=self.get_clock().now().to_msg())

    # -------------------------------------------------------------------------------------------- experience

    def _store(self, obs, action, msg):
        space = self.act_space['action']
        previous = np.zeros(space.shape, space.dtype) if obs['is_first'] or self._prev_action is None \
            else self._prev_action
        self._prev_action = np.asarray(action, space.dtype)
        row = {k: v for k, v in obs.items() if not k.startswith('log_')}
        row.update(action=previous, episode=np.int64(msg.episode), step=np.int64(msg.step))
        self._rows.append(row)
        self.counts['rows'] += 1
        if len(self._rows) >= self.params['experience_batch']:
            rows, self._rows = self._rows, []
            self.outbox.put(rows)  # cheap: disk and network work happen in _send_due, off the control path

    def _send_due(self):
        """Spools what memory cannot hold and publishes the batches due: new ones, and resends."""
        self.outbox.spill()
        first = self.outbox.first_unacknowledged
        for sequence, rows in self.outbox.due():
            self.experience_pub.publish(convert.rows_to_experience(
                rows, actor_id=self.actor_id, stream=self.outbox.stream, sequence=sequence,
                first_unacknowledged=first, header=self._header()))
            self.counts['batches_sent'] += 1

    def _on_ack(self, msg):
        if msg.actor_id == self.actor_id:
            self.outbox.acknowledge(msg.stream, msg.next_sequence)

    def _learner_connected(self):
        last = self.outbox.last_ack
        return last is not None and time.monotonic() - last < self.learner_timeout

    # -------------------------------------------------------------------------------------------- weights

    def _on_weights(self, msg):
        if msg.version == self.core.version:
            return
        stamp = msg.header.stamp.sec * 10 ** 9 + msg.header.stamp.nanosec
        if stamp > 0:  # the learner stamps at publishing: transfer time (on one machine, or with synced clocks)
            self.weights_timing['received_ms'] = (self.get_clock().now().nanoseconds - stamp) / 1e6
        self._weights_arrived = time.monotonic()
        if msg.format != 'safetensors':
            self.counts['weights_rejected'] += 1
            self.get_logger().warning(f"policy weights v{msg.version}: format '{msg.format}', expected "
                                      f"'safetensors'; keeping v{self.core.version}", throttle_duration_sec=5.0)
            return
        if msg.version < self.core.version:
            self.get_logger().warning(f'policy weights v{msg.version} are older than v{self.core.version} '
                                      '(did the learner restart from an older checkpoint?); loading them')
        self.core.load_weights(msg.data.tobytes() if hasattr(msg.data, 'tobytes') else bytes(msg.data),
                               msg.sha256, msg.version, on_done=self._weights_done)

    def _weights_done(self, version, error):
        if error is None:
            self.counts['weights_loaded'] += 1
            self.weights_timing['loaded_ms'] = (time.monotonic() - self._weights_arrived) * 1e3
            self.get_logger().info(
                f'acting with policy weights v{version} ({self.core.runtime} runtime; received '
                f"{self.weights_timing['received_ms']:.0f} ms after publishing, loaded in "
                f"{self.weights_timing['loaded_ms']:.0f} ms)")
        else:
            self.counts['weights_rejected'] += 1
            self.get_logger().warning(f'rejected policy weights v{version} ({error}); keeping '
                                      f'v{self.core.version}', throttle_duration_sec=5.0)

    # -------------------------------------------------------------------------------------------- services

    def _on_set_mode(self, request, response):
        previous = self.core.mode
        response.previous_mode = MODE_IDS[previous]
        if request.mode not in MODES:
            response.success = False
            response.message = f'unknown mode {request.mode}; expected 0 (explore), 1 (eval) or 2 (hold)'
            return response
        self.core.set_mode(MODES[request.mode])
        response.success = True
        response.message = f'{previous} -> {MODES[request.mode]}'
        self.get_logger().info(f'mode {response.message}')
        return response

    # -------------------------------------------------------------------------------------------- diagnostics

    def _publish_diagnostics(self):
        times, self._act_ms = self._act_ms, []
        ages, self._step_age_ms = self._step_age_ms, []
        listens = self._learner_connected() or not len(self.outbox)
        values = {**self.counts, 'mode': self.core.mode, 'weights_version': self.core.version,
                  'rows_acknowledged': self.outbox.acknowledged_rows, 'rows_unacknowledged': len(self.outbox),
                  'batches_resent': self.outbox.resent_batches, 'rows_lost': self.outbox.lost_rows,
                  **{f'weights_{k}': v for k, v in self.weights_timing.items()},
                  'spool_rows': len(self.spool), 'spool_dropped': self.spool.dropped,
                  'spool_corrupt': self.spool.corrupt, 'learner_connected': self._learner_connected(),
                  'act_ms_p50': float(np.median(times)) if times else 0.0,
                  'act_ms_max': float(np.max(times)) if times else 0.0,
                  'step_age_ms_p50': float(np.median(ages)) if ages else 0.0,
                  'step_age_ms_max': float(np.max(ages)) if ages else 0.0}
        warn = self.spool.dropped or not listens or self.counts['late']
        fresh = not self._problem_reported
        message = self.last_problem if fresh else (
            'acting' if listens else f'no acknowledgement from a learner for {self.learner_timeout:.0f} s: keeping '
            f'{len(self.outbox)} rows until one comes')
        self.diagnostics_pub.publish(convert.diagnostics(
            f'{self.actor_id}: actor', values, level=1 if warn or fresh else 0, message=message,
            hardware_id=self.actor_id, header=self._header()))
        self._problem_reported = True

    def close(self):
        """
        Keep every unacknowledged row, the unfinished batch included, in the spool; stop the weights loader.

        The next start sends them first, in the same stream, so the learner drops any it already stored.
        """
        rows, self._rows = self._rows, []
        if rows:
            self.outbox.put(rows)
        self.outbox.close()
        self.core.close()


def main(args=None):
    runner.run(ActorNode, args, name='actor', threads=3)


if __name__ == '__main__':
    main()
