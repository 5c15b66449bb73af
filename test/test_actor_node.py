"""
The actor node on a real ROS 2 graph.

It answers every Step, holds on bad input, streams experience, swaps weights while stepping, rejects corrupt
weights and switches modes. (Experience delivery with acknowledgements, spooling and draining: test_delivery.py.)
"""

import time

from daydreamer_actor.actor_node import ActorNode
from daydreamer_interfaces.msg import Action, Experience, PolicyWeights, Step
from daydreamer_interfaces.srv import SetActorMode
from daydreamer_ros import convert, images, qos
import numpy as np
import pytest
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from rclpy.time import Time
from ros_testing import wait_for_matches
from std_msgs.msg import Header

from daydreamer import exchange
from daydreamer.envs import make


TINY = ('--rssm.deter 16 --rssm.units 16 --rssm.stoch 4 --rssm.classes 4 --batch_size 2 --replay_chunk 8 '
        '--replay.chunk 8 --run.train_fill 16 --run.train_ratio 16 --imag_horizon 3 --threads 1')
NS = '/robot'


class Graph:
    """The actor plus a fake bridge and a fake learner, spun by one executor."""

    def __init__(self, tmp_path, robot='a1', learner=True, **overrides):
        self.robot = robot
        values = {'configs': [robot, 'debug'], 'overrides': TINY, 'task': f'{robot}_dummy',
                  'spool_dir': str(tmp_path / 'spool'), 'experience_batch': 4, **overrides}
        self.actor = ActorNode(namespace=NS, parameter_overrides=[Parameter(k, value=v) for k, v in values.items()])
        self.bridge = rclpy.create_node('bridge', namespace=NS)
        self.fake_learner = rclpy.create_node('fake_learner', namespace=NS)
        self.actions, self.experience = [], []
        self.step_pub = self.bridge.create_publisher(Step, 'step', qos.STEP)
        self.bridge.create_subscription(Action, 'action', self.actions.append, qos.ACTION)
        self.weights_pub = self.fake_learner.create_publisher(PolicyWeights, 'policy_weights', qos.WEIGHTS)
        self.experience_sub = None
        if learner:
            self.listen()
        self.executor = SingleThreadedExecutor()
        for node in (self.actor, self.bridge, self.fake_learner):
            self.executor.add_node(node)
        self.env = make(f'{robot}_dummy', seed=0)
        self.index = 0
        wait_for_matches([self.actor, self.bridge, self.fake_learner])

    def listen(self):
        self.experience_sub = self.fake_learner.create_subscription(
            Experience, 'experience', self.experience.append, qos.EXPERIENCE)

    def spin_until(self, predicate, timeout=30.0):
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f'timed out after {timeout} s'
            self.executor.spin_once(timeout_sec=0.02)

    def obs(self, first=False):
        obs = self.env.step({'action': self.env.act_space['action'].sample(), 'reset': False})
        obs['is_first'] = np.bool_(first or self.index == 0)
        return obs

    def step(self, obs=None, msg=None, **fields):
        """Publish one Step and spin until its Action comes back; return the Action."""
        if msg is None:
            obs = self.obs() if obs is None else obs
            msg = convert.obs_to_step(obs, robot=self.robot, episode=0, step=self.index, control_period=0.05,
                                      header=Header(stamp=self.bridge.get_clock().now().to_msg()))
        for key, value in fields.items():
            setattr(msg, key, value)
        self.index += 1
        count = len(self.actions)
        self.last_sent = msg
        self.step_pub.publish(msg)
        self.spin_until(lambda: len(self.actions) > count)
        return self.actions[-1]

    def rows(self):
        return [int(s.step) for e in self.experience for s in e.steps]

    def close(self):
        self.actor.close()
        for node in (self.actor, self.bridge, self.fake_learner):
            self.executor.remove_node(node)
            node.destroy_node()
        self.executor.shutdown()


@pytest.fixture
def graph(ros, tmp_path):
    graphs = []

    def make_graph(**kwargs):
        graphs.append(Graph(tmp_path, **kwargs))
        return graphs[-1]
    yield make_graph
    for g in graphs:
        g.close()


def weights_msg(graph, version, corrupt=False):
    source = exchange.ActorCore(graph.actor.core.config, graph.actor.obs_space, graph.actor.act_space)
    data, digest = exchange.encode_weights(source._agent.policy_state())
    source.close()
    if corrupt:
        data = data[:-1] + bytes([data[-1] ^ 0xFF])
    return convert.weights_to_msg(data, digest, version=version, config='')


def test_answers_every_step_and_streams_experience(graph):
    g = graph()
    for i in range(10):
        action = g.step()
        assert action.step == i and action.mode == Action.MODE_EXPLORE and action.weights_version == 0
        assert len(action.action) == 12 and action.index == -1
        assert np.all(np.abs(np.asarray(action.action)) <= 1)
    g.spin_until(lambda: len(g.rows()) == 8)
    assert [e.sequence for e in g.experience] == [0, 1]
    assert g.rows() == list(range(8)) and g.experience[0].actor_id == f'{NS}/actor'
    # rows pair each observation with the action that produced it: zeros at is_first
    first, second = g.experience[0].actions[:2]
    assert not np.any(np.asarray(first.action)) and np.allclose(second.action, g.actions[0].action)


def test_bad_steps_are_answered_with_hold_and_not_stored(graph, ros_log):
    g = graph(learner=True, experience_batch=1)
    g.step()
    good = g.obs()
    missing = g.step(obs={k: v for k, v in good.items() if k != 'vector'})
    assert missing.mode == Action.MODE_HOLD and len(missing.action) == 0
    assert ros_log("missing observation key 'vector'")
    nan = g.step(obs=dict(good, vector=np.full(16, np.nan, np.float32)))
    assert nan.mode == Action.MODE_HOLD and "'vector' contains NaN" in g.actor.last_problem
    assert len(ros_log('bad step')) == 1  # throttled: one line per 5 s
    stale = g.step(header=Header())  # an unset stamp is not judged; an old one is
    assert stale.mode == Action.MODE_EXPLORE
    old = g.step(header=Header(stamp=Time(seconds=1).to_msg()))
    assert old.mode == Action.MODE_HOLD and 'is stale: stamped' in g.actor.last_problem
    g.index -= 3
    repeated = g.step()
    assert repeated.mode == Action.MODE_HOLD and 'arrived after step 4 (out of order' in g.actor.last_problem
    g.index += 3
    g.index -= 1  # the same Step again, is_first (a bridge sending it to a late listener): not acted on twice
    again = g.step(msg=g.last_sent, is_first=True)
    assert again.mode == Action.MODE_HOLD and '(out of order or repeated)' in g.actor.last_problem
    recovered = g.step()
    assert recovered.mode == Action.MODE_EXPLORE
    g.spin_until(lambda: len(g.rows()) == 3)
    assert g.rows() == [0, 3, 6]  # the bad ones were not stored
    # the good step after the bad ones starts a new episode in replay
    assert [bool(e.steps[0].is_first) for e in g.experience] == [True, True, True]
    assert g.actor.counts['bad_steps'] == 5


def test_wrong_image_encoding_and_size_hold(graph, ros_log):
    g = graph(robot='sphero')
    g.step()
    msg = convert.obs_to_step(g.obs(), robot='sphero', episode=0, step=g.index, control_period=0.5)
    msg.images[0].image = images.to_msg(np.zeros((64, 64), np.float32), '32FC1')
    assert g.step(msg=msg).mode == Action.MODE_HOLD
    assert ros_log("image 'image' has encoding '32FC1', expected rgb8")
    small = dict(g.obs(), image=np.zeros((32, 32, 3), np.uint8))
    assert g.step(obs=small).mode == Action.MODE_HOLD
    assert "image 'image' has shape (32,32,3), expected (64,64,3)" in g.actor.last_problem
    assert g.step().mode == Action.MODE_EXPLORE


def test_swaps_weights_while_stepping(graph, ros_log):
    g = graph()
    g.step()
    g.weights_pub.publish(weights_msg(g, version=3))
    versions = []
    deadline = time.monotonic() + 30
    while not versions or versions[-1] != 3:
        versions.append(g.step().weights_version)  # never stalls: every step is answered
        assert time.monotonic() < deadline
        time.sleep(0.001)  # a 1 kHz robot; back-to-back steps starve the loader thread of the GIL
    assert set(versions) <= {0, 3} and g.actor.core.version == 3
    assert ros_log('acting with policy weights v3')


def test_corrupt_weights_keep_the_old_ones(graph, ros_log):
    g = graph()
    g.weights_pub.publish(weights_msg(g, version=1))
    g.spin_until(lambda: g.actor.core.version == 1)
    g.weights_pub.publish(weights_msg(g, version=2, corrupt=True))
    g.spin_until(lambda: g.actor.counts['weights_rejected'] == 1)
    assert g.actor.core.version == 1 and ros_log('rejected policy weights v2') and ros_log('sha256 mismatch')
    assert g.step().weights_version == 1


def test_set_mode_service(graph):
    g = graph()
    client = g.bridge.create_client(SetActorMode, f'{NS}/actor/set_mode')

    g.spin_until(client.service_is_ready, timeout=10.0)

    def call(mode):
        future = client.call_async(SetActorMode.Request(mode=mode))
        g.spin_until(future.done)
        return future.result()

    assert g.step().mode == Action.MODE_EXPLORE
    reply = call(SetActorMode.Request.MODE_HOLD)
    assert reply.success and reply.previous_mode == SetActorMode.Request.MODE_EXPLORE
    held = g.step()
    assert held.mode == Action.MODE_HOLD and len(held.action) == 0
    assert call(SetActorMode.Request.MODE_EVAL).success
    assert g.step().mode == Action.MODE_EVAL
    bad = call(7)
    assert not bad.success and 'unknown mode 7' in bad.message and g.actor.core.mode == 'eval'


def test_discrete_robot_answers_with_an_index(graph):
    g = graph(robot='ur5')
    action = g.step()
    assert 0 <= action.index < 6 and len(action.action) == 0


def test_unknown_config_key_fails_at_startup(ros, tmp_path):
    from daydreamer.config import ConfigError
    with pytest.raises(ConfigError, match='rssm.detr'):
        ActorNode(parameter_overrides=[Parameter('configs', value=['a1', 'debug']),
                                       Parameter('overrides', value='--rssm.detr 3'),
                                       Parameter('task', value='a1_dummy'),
                                       Parameter('spool_dir', value=str(tmp_path))])
