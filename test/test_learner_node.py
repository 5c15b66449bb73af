"""
The learner node on a real ROS 2 graph.

It stores every row it receives, trains at the ratio, publishes increasing weight versions (the newest latched
for late actors), reports imagination and metrics, answers its services, drops malformed batches and resumes
after a restart. (Delivery order, gaps, duplicates and acknowledgements: test_delivery.py.)
"""

from pathlib import Path
import time

from daydreamer_interfaces.msg import Experience, PolicyWeights
from daydreamer_interfaces.srv import SaveCheckpoint, SetLearning
from daydreamer_learner.learner_node import LearnerNode
from daydreamer_ros import convert, images, qos
from diagnostic_msgs.msg import DiagnosticArray
import numpy as np
import pytest
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from ros_testing import wait_for_matches
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from daydreamer.config import ConfigError
from daydreamer.envs import make


TINY = ('--rssm.deter 16 --rssm.units 16 --rssm.stoch 4 --rssm.classes 4 --batch_size 2 --replay_chunk 8 '
        '--replay.chunk 8 --run.train_fill 16 --run.train_ratio 16 --imag_horizon 3 --threads 1 '
        '--run.save_every 1000.0')
NS = '/robot'
STREAM = 'test'  # the fake actor's experience stream: batches numbered 0, 1, 2, ...


def make_rows(robot, count, seed=0):
    env = make(f'{robot}_dummy', seed=seed)
    space = env.act_space['action']
    out, action = [], np.zeros(space.shape, space.dtype)
    for i in range(count):
        obs = env.step({'action': action, 'reset': False})
        out.append({**obs, 'action': np.zeros_like(action) if obs['is_first'] else action, 'step': i})
        action = space.sample(np.random.default_rng(i))
    return out


class Graph:
    """The learner plus a fake actor that publishes Experience and listens to the learner's outputs."""

    def __init__(self, logdir, robot='a1', **overrides):
        self.robot = robot
        values = {'configs': [robot, 'debug'], 'overrides': TINY, 'task': f'{robot}_dummy', 'logdir': str(logdir),
                  'device': 'cpu', 'weights_period': 0.2, 'metrics_period': 0.2, 'imagination_period': 0.0,
                  **overrides}
        self.learner = LearnerNode(namespace=NS, parameter_overrides=[Parameter(k, value=v)
                                                                      for k, v in values.items()])
        self.actor = rclpy.create_node('fake_actor', namespace=NS)
        self.weights, self.diagnostics, self.images = [], [], []
        self.experience_pub = self.actor.create_publisher(Experience, 'experience', qos.EXPERIENCE)
        self.actor.create_subscription(PolicyWeights, 'policy_weights', self.weights.append, qos.WEIGHTS)
        self.actor.create_subscription(DiagnosticArray, 'diagnostics', self.diagnostics.append, qos.DIAGNOSTICS)
        self.actor.create_subscription(Image, 'learner/imagination', self.images.append, qos.IMAGINATION)
        self.executor = SingleThreadedExecutor()
        self.executor.add_node(self.learner)
        self.executor.add_node(self.actor)
        self.sequence = 0
        wait_for_matches([self.learner, self.actor])

    def spin_until(self, predicate, timeout=60.0):
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f'timed out after {timeout} s'
            self.executor.spin_once(timeout_sec=0.02)

    def send(self, rows):
        """Publish the rows as the stream's next batch (sequences 0, 1, 2, ...)."""
        msg = convert.rows_to_experience(rows, actor_id=f'{NS}/actor', sequence=self.sequence, stream=STREAM,
                                         header=Header(stamp=self.actor.get_clock().now().to_msg()))
        self.sequence += 1
        self.experience_pub.publish(msg)
        return msg

    def stored(self):
        return len(self.learner.core.replay)

    def values(self):
        status = self.diagnostics[-1].status[0]
        return {kv.key: kv.value for kv in status.values}

    def call(self, srv, name, **fields):
        client = self.actor.create_client(srv, f'{NS}/learner/{name}')
        self.spin_until(client.service_is_ready, timeout=10.0)
        future = client.call_async(srv.Request(**fields))
        self.spin_until(future.done)
        return future.result()

    def close(self):
        self.learner.close()
        for node in (self.learner, self.actor):
            self.executor.remove_node(node)
            node.destroy_node()
        self.executor.shutdown()


@pytest.fixture
def graph(ros, tmp_path):
    graphs = []

    def make_graph(**kwargs):
        graphs.append(Graph(kwargs.pop('logdir', tmp_path / 'logdir'), **kwargs))
        return graphs[-1]
    yield make_graph
    for g in graphs:
        if g.learner.core._thread is not None and g.learner.core._thread.is_alive():
            g.close()


def test_stores_every_row_trains_and_publishes_increasing_versions(graph):
    g = graph()
    rows = make_rows('a1', 64)
    for start in range(0, 64, 8):
        g.send(rows[start:start + 8])
    g.spin_until(lambda: g.learner.counts['batches'] == 8)
    assert g.learner.counts['rows'] == 64 and g.stored() == 64
    g.spin_until(lambda: g.learner.core.counters['updates'] >= g.learner.core.due() > 0)
    g.spin_until(lambda: len(g.weights) >= 1)
    for more in range(2):  # more experience, more updates, newer weights
        g.send(make_rows('a1', 32, seed=more + 1))
        due = g.learner.core.due()
        g.spin_until(lambda: g.learner.core.counters['updates'] >= due and g.weights[-1].version >= due)
    versions = [w.version for w in g.weights]
    assert versions == sorted(set(versions)) and versions[0] >= 1 and len(versions) >= 3
    latest = g.weights[-1]
    assert latest.format == 'safetensors' and latest.env_steps > 0 and 'rssm' in latest.config
    state = convert.msg_to_weights(latest)
    assert any(k.startswith('wm.rssm.') for k in state) and not any(k.startswith('ac.critic') for k in state)
    g.spin_until(lambda: g.diagnostics and g.values()['rows'] == '128' and 'model_loss' in g.values())
    values = g.values()
    assert int(values['replay_steps']) == 128 and int(values['updates']) > 0 and int(values['bad_batches']) == 0


def test_a_late_actor_gets_the_newest_weights(graph):
    g = graph()
    g.send(make_rows('a1', 40))
    g.spin_until(lambda: g.weights)
    g.send(make_rows('a1', 32, seed=1))  # more training due: a newer version replaces the first
    g.spin_until(lambda: g.weights[-1].version > g.weights[0].version)
    newest = g.weights[-1].version
    late = []
    node = rclpy.create_node('late_actor', namespace=NS)
    node.create_subscription(PolicyWeights, 'policy_weights', late.append, qos.WEIGHTS)
    g.executor.add_node(node)
    g.spin_until(lambda: late)
    assert late[0].version >= newest > g.weights[0].version  # latched: the newest at once, not the history
    g.spin_until(lambda: late[-1].version == g.learner.published)
    g.executor.remove_node(node)
    node.destroy_node()


def test_a_bad_batch_is_dropped_with_a_clear_log_line_and_the_node_keeps_running(graph, ros_log):
    g = graph()
    rows = make_rows('a1', 24)
    g.send(rows[:8])
    bad = convert.rows_to_experience(rows[8:16], actor_id=f'{NS}/other_actor', sequence=0, stream='other',
                                     header=Header(stamp=g.actor.get_clock().now().to_msg()))
    bad.steps[3].vectors[0].data = bad.steps[3].vectors[0].data[:5]
    g.experience_pub.publish(bad)  # on a stream of its own: what is asserted does not depend on batch order
    g.spin_until(lambda: ros_log('dropped a bad experience batch'))
    line = ros_log('dropped a bad experience batch')
    assert len(line) == 1 and "row 3: tensor 'vector' has 5 values for shape (16,)" in line[0]
    assert '[WARN]' in line[0] and f'{NS}/other_actor' in line[0]
    assert g.stored() == 8  # the good batch before it, not the bad one
    g.send(rows[16:24])  # the learner keeps storing
    g.spin_until(lambda: g.stored() == 16)
    g.spin_until(lambda: g.diagnostics and g.values()['rows'] == '16')
    assert g.values()['bad_batches'] == '1' and int(g.values()['replay_steps']) == 16


def test_services_pause_and_checkpoint(graph):
    g = graph()
    reply = g.call(SetLearning, 'set_learning', paused=True)
    assert reply.success and reply.was_paused is False
    g.send(make_rows('a1', 48))
    g.spin_until(lambda: g.stored() == 48)
    time.sleep(0.5)
    assert g.learner.core.counters['updates'] == 0  # paused: stored but not trained
    reply = g.call(SetLearning, 'set_learning', paused=False)
    assert reply.success and reply.was_paused is True
    g.spin_until(lambda: g.learner.core.counters['updates'] > 0)
    reply = g.call(SaveCheckpoint, 'save_checkpoint')
    assert reply.success and Path(reply.path).is_file() and reply.updates > 0


def test_resumes_after_restart_and_versions_continue(graph):
    g = graph()
    g.send(make_rows('a1', 48))
    g.spin_until(lambda: g.learner.core.counters['updates'] >= g.learner.core.due() > 0)
    g.close()
    updates = g.learner.core.counters['updates']
    again = graph()
    again.sequence = g.sequence  # the actor goes on with its stream
    assert again.learner.core.session.resumed and again.learner.core.counters['updates'] == updates
    assert again.stored() == 48
    again.spin_until(lambda: again.weights)
    assert again.weights[0].version == updates  # published at start: actors get the resumed weights at once
    again.send(make_rows('a1', 32, seed=5))
    again.spin_until(lambda: again.weights[-1].version > updates)


def test_imagination_image(graph):
    g = graph(robot='sphero', imagination_period=0.3)
    g.send(make_rows('sphero', 24))
    g.spin_until(lambda: g.images, timeout=120)
    image = images.to_array(g.images[-1])
    assert g.images[-1].encoding == 'rgb8' and image.shape[-1] == 3 and image.shape[0] % (3 * 64) == 0


def write_bag(path, robot, rows):
    """Write the rows as a rosbag2 bag (rosbags, mcap) of a bridge's Steps and the actor's Actions."""
    from daydreamer import bags
    store = bags.typestore()
    with bags.Writer(path, store=store) as writer:
        for i, row in enumerate(rows):
            t = 100.0 + 0.05 * i
            obs = {k: v for k, v in row.items() if k not in ('action', 'step')}
            answer = rows[i + 1]['action'] if i + 1 < len(rows) else row['action']
            writer.write(f'/{robot}/step', bags.STEP, bags.step_message(store, obs, robot=robot, episode=0, step=i,
                                                                        stamp=t), t)
            writer.write(f'/{robot}/action', bags.ACTION, bags.action_message(store, answer, episode=0, step=i,
                                                                              stamp=t + 0.01), t + 0.01)
    return path


def test_preloads_bags_trains_on_them_and_skips_them_after_a_restart(graph, tmp_path, ros_log):
    bag = write_bag(tmp_path / 'bag', 'a1', make_rows('a1', 40, seed=2))
    g = graph(bags=[str(bag), str(tmp_path / 'missing')])
    assert g.stored() == 40 and g.learner.core.counters['step'] == 40
    assert ros_log('bags:') and any('missing: no such bag' in line for line in ros_log('[ERROR]'))
    g.spin_until(lambda: g.learner.core.counters['updates'] >= g.learner.core.due() > 0)
    g.close()
    again = graph(bags=[str(bag)])
    assert again.stored() == 40 and again.learner.core.counters['step'] == 40, 'the bag came in once'


def test_unknown_config_key_fails_at_startup(ros, tmp_path):
    with pytest.raises(ConfigError, match='batch_sise'):
        LearnerNode(parameter_overrides=[Parameter('configs', value=['a1', 'debug']),
                                         Parameter('overrides', value='--batch_sise 3'),
                                         Parameter('task', value='a1_dummy'),
                                         Parameter('logdir', value=str(tmp_path))])
