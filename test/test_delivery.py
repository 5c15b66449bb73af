"""
Acknowledged experience delivery on real ROS 2.

The actor keeps every batch until the learner acknowledges it, whoever else listens on `experience`.

A stand-in bridge publishes A1 Steps at 20 Hz whose first observation value is the step index, so the rows
the learner stores can be matched one by one with the steps the actor acted on. `ros2 bag record` and a plain
subscriber listen on `experience` the whole time; the learner is stopped for 30 s and started again on the same
logdir: afterwards it has stored every row exactly once, in order.
"""

import os
import signal
import subprocess
import threading
import time

from daydreamer_interfaces.msg import Experience, Step
from daydreamer_ros import convert, qos
import numpy as np
import pytest
from rclpy.executors import MultiThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter
from std_msgs.msg import Header

from daydreamer.envs import make

TINY = ('--threads 1 --batch_size 4 --replay_chunk 8 --replay.chunk 8 --run.train_ratio 8 '
        '--run.save_every 1000.0')
NAMESPACE = '/robot'


class Bridge(Node):
    """Publishes a Step every 50 ms (A1 rate) while `running`; vector[0] carries the step index."""

    def __init__(self):
        super().__init__('bridge', namespace=NAMESPACE)
        self.env = make('a1_dummy', seed=0)
        self.index, self.running = 0, True
        self.publisher = self.create_publisher(Step, 'step', qos.STEP)
        self.create_timer(0.05, self._tick)

    def _tick(self):
        if not self.running:
            return
        obs = self.env.step({'action': self.env.act_space['action'].sample(), 'reset': False})
        obs['vector'] = obs['vector'].copy()
        obs['vector'][0] = self.index
        obs['is_first'] = np.bool_(self.index == 0)
        self.publisher.publish(convert.obs_to_step(
            obs, robot='a1', episode=0, step=self.index, control_period=0.05,
            header=Header(stamp=self.get_clock().now().to_msg())))
        self.index += 1


class Listener(Node):
    """A plain extra subscriber on `experience`, like any tool a user might run."""

    def __init__(self):
        super().__init__('listener', namespace=NAMESPACE)
        self.batches = 0
        self.create_subscription(Experience, 'experience', self._on_experience, qos.EXPERIENCE)

    def _on_experience(self, msg):
        self.batches += 1


def params(**values):
    return [Parameter(name, value=value) for name, value in values.items()]


def wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f'timed out after {timeout} s waiting for {what}'
        time.sleep(0.05)


class Recorder:
    """`ros2 bag record` on the experience topic, stopped with SIGINT as Ctrl-C would."""

    def __init__(self, bag):
        self.bag = bag
        # SIGINT as in a terminal, even when this test runs where it is ignored (a shell's background job)
        self.process = subprocess.Popen(['ros2', 'bag', 'record', '-o', str(bag), f'{NAMESPACE}/experience'],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True,
                                        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))

    def stop(self):
        """Stop it as Ctrl-C does; return its output (saying so when it had to be killed: its bag is unfinished)."""
        killed = ''
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:   # a busy 2-core machine: the recorder may take a while to finish its bag
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
                killed = '\n(ros2 bag record did not stop within 60 s of SIGINT: killed)'
        return self.process.stdout.read() + killed


@pytest.fixture
def recorder(tmp_path):
    recorder = Recorder(tmp_path / 'bag')
    yield recorder
    recorder.stop()


def test_learner_down_for_30_s_with_a_recorder_listening_gets_every_row_once(ros, tmp_path, recorder):
    from daydreamer_actor.actor_node import ActorNode
    from daydreamer_learner.learner_node import LearnerNode

    stored = []  # first observation value of every row any learner stored, in order

    def learner():
        node = LearnerNode(namespace=NAMESPACE, parameter_overrides=params(
            configs=['a1', 'debug'], overrides=TINY, task='a1_dummy', logdir=str(tmp_path / 'logdir'), device='cpu',
            weights_period=1.0, imagination_period=0.0, metrics_period=1.0))
        add_rows = node.core.add_rows

        def recording(rows, worker=0):
            stored.extend(float(row['vector'][0]) for row in rows)
            return add_rows(rows, worker)
        node.core.add_rows = recording
        return node

    actor = ActorNode(namespace=NAMESPACE, parameter_overrides=params(
        configs=['a1', 'debug'], overrides=TINY, task='a1_dummy', spool_dir=str(tmp_path / 'spool'),
        experience_batch=8, memory_rows=200, resend_timeout=1.0))
    bridge, listener, first = Bridge(), Listener(), learner()
    executor = MultiThreadedExecutor(num_threads=4)
    for node in (actor, bridge, listener, first):
        executor.add_node(node)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    try:
        wait(lambda: actor.experience_pub.get_subscription_count() >= 3, 30, 'learner, listener and recorder')
        wait(lambda: actor.outbox.acknowledged_rows >= 40, 30, 'the first acknowledged rows')

        executor.remove_node(first)  # the learner goes away for 30 s; the recorder and the listener stay
        first.close()
        first.destroy_node()
        acknowledged, received = actor.outbox.acknowledged_rows, listener.batches
        time.sleep(30)
        assert actor.outbox.acknowledged_rows == acknowledged, 'only the learner acknowledges'
        assert len(actor.outbox) >= 30 * 20 - 2 * 8, 'the actor keeps what it acted on meanwhile'
        assert listener.batches > received, 'the listener still hears experience (probes or new batches)'
        assert len(actor.spool) > 0, 'beyond memory_rows, unacknowledged rows wait on disk'

        second = learner()  # back on the same logdir
        executor.add_node(second)
        wait(lambda: len(actor.outbox) < 100, 60, 'the backlog to be acknowledged')
        bridge.running = False
        time.sleep(0.2)
        wait(lambda: len(actor.outbox) == 0, 30, 'every batch to be acknowledged')
        executor.remove_node(second)
        second.close()
        second.destroy_node()
    finally:
        executor.shutdown(timeout_sec=5)
        actor.close()
        for node in (actor, bridge, listener):
            node.destroy_node()

    sent = [float(row['vector'][0]) for row in actor._rows]  # the unfinished batch is never sent
    acted = [float(i) for i in range(int(bridge.index)) if float(i) not in sent]
    assert len(stored) == len(set(stored)), f'{len(stored) - len(set(stored))} rows stored twice'
    assert stored == acted[:len(stored)] and len(stored) >= len(acted) - 8, 'every row, in order'
    assert len(stored) > 35 * 20 * 0.8  # ~40 s at 20 Hz

    output = recorder.stop()
    info = subprocess.run(['ros2', 'bag', 'info', str(recorder.bag)], capture_output=True, text=True, timeout=60)
    assert 'daydreamer_interfaces/msg/Experience' in info.stdout, output + info.stdout + info.stderr
