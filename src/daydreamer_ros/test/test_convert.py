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

"""daydreamer_ros: QoS profiles, images, and every message conversion, including the bad-input messages."""

import array

from daydreamer import exchange
from daydreamer.config import ConfigError
from daydreamer.envs import BadObservation, make
from daydreamer_interfaces.msg import Action
from daydreamer_ros import convert, images, params, qos
import numpy as np
import pytest
from rclpy.qos import (DurabilityPolicy, HistoryPolicy, qos_check_compatible, qos_profile_sensor_data,
                       QoSCompatibility, ReliabilityPolicy)
import torch


def observation(robot='xarm', seed=0):
    env = make(f'{robot}_dummy', seed=seed)
    return env, env.step({'action': env.act_space['action'].sample(), 'reset': False})


def step_msg(obs, **kw):
    return convert.obs_to_step(obs, **{'robot': 'xarm', 'episode': 2, 'step': 9, 'control_period': 0.5, **kw})


# ------------------------------------------------------------------------------------------------ qos


def test_qos_profiles_follow_the_contract():
    def shape(p):
        return p.history, p.depth, p.reliability, p.durability
    keep, reliable, volatile = HistoryPolicy.KEEP_LAST, ReliabilityPolicy.RELIABLE, DurabilityPolicy.VOLATILE
    latched = DurabilityPolicy.TRANSIENT_LOCAL
    assert shape(qos.STEP) == shape(qos.ACTION) == (keep, 1, reliable, volatile)
    assert shape(qos.EXPERIENCE) == (keep, 1000, reliable, volatile)
    assert shape(qos.WEIGHTS) == shape(qos.LATCHED) == (keep, 1, reliable, latched)
    assert shape(qos.COMMAND) == (keep, 10, reliable, volatile)
    assert shape(qos.EXPERIENCE_ACK) == (keep, 100, reliable, volatile)
    assert shape(qos.SENSOR) == shape(qos_profile_sensor_data) and qos.SENSOR is not qos_profile_sensor_data
    # real rmw reports a liveliness left to the system default as a possible incompatibility (WARNING)
    for profile in (qos.STEP, qos.ACTION, qos.EXPERIENCE, qos.EXPERIENCE_ACK, qos.WEIGHTS, qos.COMMAND, qos.LATCHED,
                    qos.SENSOR):
        assert qos_check_compatible(profile, profile)[0] == QoSCompatibility.OK
    # a sensor subscription connects to a reliable driver as well as to a best-effort one
    assert qos_check_compatible(qos.COMMAND, qos.SENSOR)[0] == QoSCompatibility.OK


# ------------------------------------------------------------------------------------------------ images


@pytest.mark.parametrize('encoding, shape, dtype', [('rgb8', (6, 5, 3), np.uint8), ('mono8', (6, 5, 1), np.uint8),
                                                    ('32FC1', (6, 5, 1), np.float32),
                                                    ('mono16', (6, 5, 1), np.uint16)])
def test_image_round_trip(encoding, shape, dtype):
    array_ = (np.arange(np.prod(shape)) % 200).reshape(shape).astype(dtype)
    msg = images.to_msg(array_, encoding)
    assert msg.encoding == encoding and (msg.height, msg.width) == shape[:2] and isinstance(msg.data, array.array)
    back = images.to_array(msg)
    assert back.dtype == dtype and back.shape == shape
    np.testing.assert_array_equal(back, array_)


def test_image_conversion_and_padding():
    rgb = np.random.default_rng(0).integers(0, 255, (4, 3, 3), np.uint8)
    bgr = images.to_msg(rgb[..., ::-1], 'bgr8')
    np.testing.assert_array_equal(images.to_array(bgr, 'rgb8'), rgb)
    padded = images.to_msg(rgb, 'rgb8')
    rows = np.zeros((4, 16), np.uint8)
    rows[:, :9] = rgb.reshape(4, 9)
    padded.step, padded.data = 16, array.array('B', rows.tobytes())
    np.testing.assert_array_equal(images.to_array(padded), rgb)
    padded.data = array.array('B', rows.tobytes()[:-1])
    with pytest.raises(ValueError, match='needs 64 bytes, got 63'):
        images.to_array(padded)


# ------------------------------------------------------------------------------------------------ Step


def test_step_round_trip_keeps_every_key():
    env, obs = observation()
    obs['log_force'] = np.float32(2.5)
    msg = step_msg(obs)
    vectors = {'cartesian_position', 'joint_positions', 'gripper_pos', 'gripper_side', 'grasped_side'}
    assert {t.key for t in msg.vectors} == vectors
    assert {(i.key, i.image.encoding) for i in msg.images} == {('image', 'rgb8'), ('depth', 'mono8')}
    assert [t.key for t in msg.logs] == ['log_force'] and msg.episode == 2 and msg.step == 9
    back = convert.step_to_obs(msg, env.obs_space)
    assert set(back) == set(obs)
    for key, value in obs.items():
        np.testing.assert_array_equal(back[key], value)
        if key in env.obs_space:
            assert back[key].dtype == env.obs_space[key].dtype


def test_scalar_and_matrix_tensors_keep_their_shape():
    msg = convert.to_tensor('m', np.arange(6, dtype=np.float32).reshape(2, 3))
    assert list(msg.shape) == [2, 3] and convert.from_tensor(msg).shape == (2, 3)
    assert convert.from_tensor(convert.to_tensor('s', 1.5)).shape == ()


def bad(msg, space):
    with pytest.raises(BadObservation) as info:
        convert.step_to_obs(msg, space)
    return str(info.value)


def test_bad_steps_name_the_problem():
    env, obs = observation()
    space = env.obs_space
    msg = step_msg({k: v for k, v in obs.items() if k != 'joint_positions'})
    assert "missing observation key 'joint_positions'" in bad(msg, space)
    small = dict(obs, image=obs['image'][:32, :32])
    assert "image 'image' has shape (32,32,3), expected (64,64,3)" in bad(step_msg(small), space)
    nan = dict(obs, cartesian_position=np.full(6, np.nan, np.float32))
    assert "'cartesian_position' contains NaN" in bad(step_msg(nan), space)
    msg = step_msg(obs)
    msg.images[1].image = images.to_msg(np.ones((64, 64), np.float32), '32FC1')
    text = bad(msg, space)
    assert "image 'depth' has encoding '32FC1', expected mono8 (uint8 64x64x1)" in text
    assert 'missing' not in text  # the depth problem is reported once, not again as a missing key
    msg = step_msg(obs)
    msg.vectors[0].data = array.array('f', [1.0, 2.0])
    assert "tensor 'cartesian_position' has 2 values for shape (6,)" in bad(msg, space)
    msg = step_msg(obs)
    msg.vectors = list(msg.vectors) + [msg.vectors[0]]
    assert "observation key 'cartesian_position' appears twice" in bad(msg, space)
    msg = step_msg(obs)
    msg.logs = [convert.to_tensor('force', 1.0)]
    assert "log key 'force' must start with 'log_'" in bad(msg, space)
    msg = step_msg(obs)
    msg.reward = float('nan')
    assert "'reward' contains NaN" in bad(msg, space)
    msg = step_msg(dict(obs, extra=np.zeros(2, np.float32)))
    assert "unexpected observation key 'extra'" in bad(msg, space)


def test_step_accepts_bgr_camera_images():
    env, obs = observation('sphero')
    msg = convert.obs_to_step(obs, robot='sphero', episode=0, step=0, control_period=0.5)
    msg.images[0].image = images.to_msg(obs['image'][..., ::-1], 'bgr8')
    np.testing.assert_array_equal(convert.step_to_obs(msg, env.obs_space)['image'], obs['image'])


# ------------------------------------------------------------------------------------------------ Action


def test_actions_round_trip():
    vector = np.linspace(-1, 1, 12).astype(np.float32)
    env = make('a1_dummy')
    msg = convert.action_to_msg(vector, episode=1, step=4, mode=Action.MODE_EXPLORE, weights_version=3)
    assert msg.index == -1 and msg.step == 4 and msg.weights_version == 3
    np.testing.assert_array_equal(convert.msg_to_action(msg, env.act_space), vector)
    env = make('ur5_dummy')
    msg = convert.action_to_msg(np.int64(5), episode=1, step=4, mode=Action.MODE_EVAL)
    assert msg.index == 5 and len(msg.action) == 0
    assert convert.msg_to_action(msg, env.act_space) == 5
    hold = convert.action_to_msg(None, episode=1, step=4, mode=Action.MODE_HOLD)
    assert hold.mode == Action.MODE_HOLD and hold.index == -1 and len(hold.action) == 0


def test_bad_actions_raise():
    a1, ur5 = make('a1_dummy').act_space, make('ur5_dummy').act_space
    with pytest.raises(ValueError, match=r'action has 3 values, expected 12 \(12,\)'):
        convert.msg_to_action(convert.action_to_msg(np.zeros(3), episode=0, step=0, mode=0), a1)
    with pytest.raises(ValueError, match='non-finite'):
        convert.msg_to_action(convert.action_to_msg(np.full(12, np.nan), episode=0, step=0, mode=0), a1)
    with pytest.raises(ValueError, match=r'action index 6 is outside \[0, 6\)'):
        convert.msg_to_action(convert.action_to_msg(np.int64(6), episode=0, step=0, mode=0), ur5)
    with pytest.raises(ValueError, match=r'action index -1'):
        convert.msg_to_action(convert.action_to_msg(None, episode=0, step=0, mode=2), ur5)


# ------------------------------------------------------------------------------------------------ Experience


def test_experience_round_trip():
    env = make('xarm_dummy', seed=1)
    space = env.act_space['action']
    rows, action = [], np.int64(0)
    for i in range(5):
        obs = env.step({'action': action, 'reset': False})
        rows.append({**obs, 'action': np.int64(0) if obs['is_first'] else action, 'episode': 3, 'step': 10 + i})
        action = space.sample()
    msg = convert.rows_to_experience(rows, actor_id='/xarm/actor', sequence=7)
    assert msg.sequence == 7 and len(msg.steps) == len(msg.actions) == 5
    assert [s.step for s in msg.steps] == list(range(10, 15)) and msg.steps[0].is_first
    back = convert.experience_to_rows(msg, env.obs_space, env.act_space)
    for row, got in zip(rows, back):
        assert set(got) == set(env.obs_space) | {'action'}
        for key in got:
            np.testing.assert_array_equal(got[key], row[key])


def test_bad_experience_names_the_row():
    env = make('a1_dummy', seed=1)
    rows = [{**env.step({'action': np.zeros(12, np.float32), 'reset': False}), 'action': np.zeros(12, np.float32)}
            for _ in range(3)]
    msg = convert.rows_to_experience(rows, actor_id='/a1/actor', sequence=0)
    msg.steps[2].vectors[0].data = array.array('f', [np.nan] * 16)
    with pytest.raises(BadObservation, match=r"/a1/actor #0, row 2: observation 'vector' contains NaN"):
        convert.experience_to_rows(msg, env.obs_space, env.act_space)
    msg.actions = msg.actions[:2]
    with pytest.raises(ValueError, match='has 3 steps but 2 actions'):
        convert.experience_to_rows(msg, env.obs_space, env.act_space)


# ------------------------------------------------------------------------------------------------ weights


def test_weights_round_trip_and_corruption():
    state = {'w': torch.randn(4, 4)}
    data, digest = exchange.encode_weights(state)
    msg = convert.weights_to_msg(data, digest, version=5, env_steps=100, config='seed: 0\n')
    assert msg.format == 'safetensors' and msg.version == 5 and isinstance(msg.data, array.array)
    assert torch.equal(convert.msg_to_weights(msg)['w'], state['w'])
    msg.data[10] ^= 0xFF
    with pytest.raises(exchange.BadWeights, match='sha256 mismatch'):
        convert.msg_to_weights(msg)
    msg.format = 'pickle'
    with pytest.raises(ValueError, match="format 'pickle'"):
        convert.msg_to_weights(msg)


# ------------------------------------------------------------------------------------------------ params


def test_agent_config_from_parameters():
    config = params.agent_config(['a1', 'debug'], "--batch_size 4 --rssm.deter '32'")
    assert config.batch_size == 4 and config.rssm.deter == 32 and config.task == 'a1_sim'
    with pytest.raises(ConfigError, match='rssm.detr'):
        params.agent_config(['a1'], '--rssm.detr 3')
    with pytest.raises(ConfigError, match="unknown config block 'a2'"):
        params.agent_config(['a2'], '')
    with pytest.raises(ConfigError, match="expected '--key value' pairs"):
        params.agent_config(['a1'], 'batch_size 4')


def test_diagnostics_message():
    msg = convert.diagnostics('learner', {'loss': 0.123456789, 'updates': 3, 'paused': False}, level=1,
                              message='hi', hardware_id='/learner')
    status = msg.status[0]
    assert status.level == b'\x01' and status.name == 'learner' and status.message == 'hi'
    assert {kv.key: kv.value for kv in status.values} == {'loss': '0.123457', 'updates': '3', 'paused': 'False'}
