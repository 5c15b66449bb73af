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
The learner node (`learner`).

It stores the experience actors stream into replay, trains the world model and the actor-critic in its own thread,
and publishes policy weights, imagination images and metrics.

Topics (relative; QoS from daydreamer_ros.qos):
  experience (Experience, in)              the callback only enqueues; a writer thread checks and stores rows,
                                           each actor stream's batches in order and exactly once
  experience_ack (ExperienceAck, out)      per actor stream, the next batch wanted: after every batch and every
                                           second; the actor forgets a batch only once it is acknowledged
  policy_weights (PolicyWeights, out)      latched; every `weights_period` s when training moved on, and at
                                           once after the first update (and at start when resuming)
  ~/imagination (sensor_msgs/Image rgb8)   open-loop predictions next to reality, every `imagination_period` s
  diagnostics (DiagnosticArray)            losses, updates, replay size, rows received, bad or missing batches
Services: ~/save_checkpoint (SaveCheckpoint), ~/set_learning (SetLearning: pause keeps storing experience).

Parameters: configs (string[]), overrides (string, CLI fragment such as '--batch_size 16'), task (string,
'' = the config's; only its spaces are used, e.g. 'a1_dummy'), logdir (string), device (string), weights_period,
train_ratio (0.0 = the config's run.train_ratio), imagination_period, metrics_period (double s), bags (string[]:
rosbag2 bags of the robot's step/action topics to bring into replay before training, as `daydreamer import` does;
a bag imported into this logdir before is skipped, a bad one is logged and the others are used).

A restart resumes from the logdir (replay, checkpoint, the weights version, which is the update count, and the
position of every actor stream, kept in experience_streams.json with each checkpoint, so batches resent after a
restart are recognised). A batch out of order is dropped and acknowledged again, so the actor resends from the
missing one; a malformed batch is logged, skipped and acknowledged (it would not improve by resending). Training
never runs in a ROS callback.
"""

from pathlib import Path
import queue
import threading
import time
from types import SimpleNamespace

from daydreamer import exchange, loops
from daydreamer_interfaces.msg import Experience, ExperienceAck, PolicyWeights
from daydreamer_interfaces.srv import SaveCheckpoint, SetLearning
from daydreamer_ros import convert, images, params, qos, runner
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.node import Node
from sensor_msgs.msg import Image
from std_msgs.msg import Header

DEFAULTS = {'configs': ['a1'], 'overrides': '', 'task': '', 'logdir': '~/daydreamer/logdir', 'device': 'auto',
            'weights_period': 10.0, 'train_ratio': 0.0, 'imagination_period': 30.0, 'metrics_period': 5.0}


class LearnerNode(Node):

    def __init__(self, **kwargs):
        super().__init__('learner', **kwargs)
        self.params = p = params.declare(self, DEFAULTS)
        config = params.agent_config(p['configs'], p['overrides'])
        if p['train_ratio'] > 0:
            config = config.update({'run.train_ratio': p['train_ratio']})
        config = config.update(device=p['device'])
        device = loops.setup(config)
        obs_space, act_space = exchange.spaces(config, p['task'])
        logdir = Path(p['logdir']).expanduser()
        # [''] for none: an empty list would leave the parameter's type open
        bags = [b for b in self.declare_parameter('bags', ['']).value if b]
        preloaded = self._preload(bags, config, logdir, obs_space, act_space)
        self.core = loops.Learner(config, logdir, device, SimpleNamespace(obs_space=obs_space, act_space=act_space))
        self.core.counters['step'] += preloaded   # experience like the actors': the train ratio counts it
        config.save(logdir / 'config.yaml')
        self.config_yaml = (logdir / 'config.yaml').read_text()
        self.obs_space, self.act_space = obs_space, act_space
        self.streams_path = logdir / 'experience_streams.json'
        self.intake = exchange.Intake(loops.read_json(self.streams_path, []))
        self.core.on_save = self._save_streams
        self.counts = dict.fromkeys(('batches', 'rows', 'bad_batches', 'duplicate_batches', 'early_batches'), 0)
        self.published = None  # version of the newest published weights
        self._last_publish = -float('inf')
        self._queue = queue.Queue()
        self._stop = threading.Event()
        self._last_problem = ''

        intake, outputs, imagination = (MutuallyExclusiveCallbackGroup() for _ in range(3))
        self.weights_pub = self.create_publisher(PolicyWeights, 'policy_weights', qos.WEIGHTS)
        self.imagination_pub = self.create_publisher(Image, '~/imagination', qos.IMAGINATION)
        self.diagnostics_pub = self.create_publisher(DiagnosticArray, 'diagnostics', qos.DIAGNOSTICS)
        self.ack_pub = self.create_publisher(ExperienceAck, 'experience_ack', qos.EXPERIENCE_ACK)
        self.create_subscription(Experience, 'experience', self._on_experience, qos.EXPERIENCE, callback_group=intake)
        self.create_timer(1.0, self._acknowledge, callback_group=outputs)
        self.create_service(SaveCheckpoint, '~/save_checkpoint', self._on_save, callback_group=outputs)
        self.create_service(SetLearning, '~/set_learning', self._on_set_learning, callback_group=outputs)
        self.create_timer(min(0.5, p['weights_period']), self._maybe_publish_weights, callback_group=outputs)
        self.create_timer(p['metrics_period'], self._publish_metrics, callback_group=outputs)
        if p['imagination_period'] > 0:
            self.create_timer(p['imagination_period'], self._publish_imagination, callback_group=imagination)
        self._writer = threading.Thread(target=self._write, name='experience-writer', daemon=True)
        self._writer.start()
        self.core.start()
        counters = self.core.counters
        self.get_logger().info(
            f"learner: {'resuming' if self.core.session.resumed else 'starting'} in {logdir} on {device}: "
            f"{counters['updates']} updates, {len(self.core.replay)} replay rows, train ratio "
            f"{config.run.train_ratio}, spaces of '{p['task'] or config.task}'")

    def _preload(self, paths, config, logdir, obs_space, act_space):
        """Bring the `bags` into replay (the Learner loads them with the rest of it); return the rows added."""
        from daydreamer import bags, robots
        robot, added = config.task.split('_', 1)[0], 0
        for path in paths:   # one by one: a bad bag is reported and the others still come in
            try:
                summary = bags.convert([Path(path).expanduser()], logdir / 'replay', obs_space, act_space,
                                       robot=robot if robot in robots.registry() else '')
            except bags.BagError as e:
                self.get_logger().error(f'bags: {e}')
                continue
            for problem in summary.problems:
                self.get_logger().warning(f'bags: {problem}')
            self.get_logger().info(f'bags: {summary}')
            added += summary.rows
        return added

    # -------------------------------------------------------------------------------------------- experience

    def _on_experience(self, msg):
        self._queue.put(msg)  # only enqueue: checking and storing happen in the writer thread

    def _write(self):
        while not self._stop.is_set():
            try:
                msg = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            self._ingest(msg)

    def _ingest(self, msg):
        """Store one Experience if it is the next batch of its actor's stream, then acknowledge."""
        actor, stream, sequence = msg.actor_id, msg.stream, msg.sequence
        verdict = self.intake.check(actor, stream, sequence, msg.first_unacknowledged)
        if verdict == 'duplicate':  # resent before our acknowledgement arrived, or after a restart
            self.counts['duplicate_batches'] += 1
            self._acknowledge(actor)
            return
        if verdict == 'early':  # one before it was lost: the acknowledgement makes the actor go back to it
            self.counts['early_batches'] += 1
            self._acknowledge(actor)
            return
        try:
            rows = convert.experience_to_rows(msg, self.obs_space, self.act_space)
            self.core.add_rows(rows, worker=actor)
        except ValueError as e:  # BadObservation included
            self.counts['bad_batches'] += 1
            self.get_logger().warning(self._note(f'dropped a bad experience batch: {e}'), throttle_duration_sec=5.0)
        else:
            self.counts['batches'] += 1
            self.counts['rows'] += len(rows)
        self.intake.stored(actor, stream, sequence)
        self._acknowledge(actor)

    def _acknowledge(self, actor=None):
        """Tells actors (all, or one) the next batch each of their streams should send."""
        header = self._header()
        for actor_id, stream, next_sequence in self.intake.acks(actor):
            self.ack_pub.publish(ExperienceAck(header=header, actor_id=actor_id, stream=stream,
                                               next_sequence=next_sequence))

    def _save_streams(self):
        state = self.intake.state()  # before the replay's flush (loops.Learner.save): covers only flushed rows
        return lambda: loops.write_json(self.streams_path, state)

    def _note(self, message):
        """
        Remember a problem for the next diagnostics report; return the message for the caller's log line.

        One call site per kind of problem: rclpy throttles per call site.
        """
        self._last_problem = message
        return message

    # -------------------------------------------------------------------------------------------- outputs

    def _maybe_publish_weights(self):
        version = int(self.core.counters['updates'])
        if version == 0 or version == self.published:
            return
        first = self.published is None
        if not first and time.monotonic() - self._last_publish < self.params['weights_period']:
            return
        version, data, digest = self.core.export()
        self.weights_pub.publish(convert.weights_to_msg(
            data, digest, version=version, env_steps=self.core.counters['step'], config=self.config_yaml,
            header=self._header()))
        self.published, self._last_publish = version, time.monotonic()
        if first:
            self.get_logger().info(f'published policy weights v{version} ({len(data) / 1e6:.1f} MB)')

    def _publish_imagination(self):
        try:
            image = self.core.report_image()
        except Exception as e:  # a report must never take the learner down
            self.get_logger().warning(self._note(f'imagination report failed: {type(e).__name__}: {e}'),
                                      throttle_duration_sec=5.0)
            return
        if image is not None:
            self.imagination_pub.publish(images.to_msg(image, 'rgb8', self._header()))

    def _publish_metrics(self):
        values = {**self.core.metrics(), **self.counts, 'missing_batches': self.intake.skipped,
                  'paused': self.core.paused,
                  'queued_batches': self._queue.qsize(), 'weights_version': self.published or 0,
                  'due_updates': self.core.due()}
        failure = self.core.failure
        level = 2 if failure else 1 if self._last_problem else 0
        message = (f'training stopped: {type(failure).__name__}: {failure}' if failure else self._last_problem
                   or ('paused' if self.core.paused else 'learning'))
        if failure:
            self.get_logger().error(message, throttle_duration_sec=60.0)
        self.diagnostics_pub.publish(convert.diagnostics(
            f'{self.get_fully_qualified_name()}: learner', values, level=level, message=message,
            hardware_id=self.get_fully_qualified_name(), header=self._header()))
        self._last_problem = ''

    def _header(self):
        return Header(stamp=self.get_clock().now().to_msg())

    # -------------------------------------------------------------------------------------------- services

    def _on_save(self, request, response):
        try:
            response.path = str(self.core.save())
            response.success, response.message = True, 'checkpoint written'
        except Exception as e:
            response.success, response.message = False, f'{type(e).__name__}: {e}'
        response.updates = int(self.core.counters['updates'])
        return response

    def _on_set_learning(self, request, response):
        response.was_paused = self.core.set_paused(request.paused)
        response.success = True
        response.message = 'training paused (experience is still stored)' if request.paused else 'training'
        self.get_logger().info(response.message)
        return response

    def close(self):
        """Stop the writer (storing what is queued) and the training thread; write a checkpoint."""
        self._stop.set()
        self._writer.join()
        while True:  # what arrived is stored before the final checkpoint
            try:
                self._ingest(self._queue.get_nowait())
            except queue.Empty:
                break
        self.core.close(save=True)


def main(args=None):
    runner.run(LearnerNode, args, name='learner', threads=4)


if __name__ == '__main__':
    main()
