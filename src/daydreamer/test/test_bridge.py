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
The ROS-free half of the robot bridges (`daydreamer.robots.bridge`).

Joint mapping by name, episode bookkeeping, watchdog, staleness, action sorting, and the per-robot adapters driven
through the MuJoCo twins' driver-level interfaces (what the ROS sim node publishes), so that the bridge composes the
core functions as the agent-level envs do.
"""

import numpy as np
import pytest

from daydreamer.robots import a1, arm, bridge
from daydreamer.sim import import_mujoco


def need_mujoco():
    try:
        return import_mujoco()
    except (ImportError, RuntimeError) as e:
        pytest.skip(f'mujoco unavailable: {e}')


# --- joint mapping ---

def test_joint_map_selects_by_name_in_any_order():
    jm = bridge.JointMap(['a', 'b', 'c'])
    assert jm.select(['c', 'x', 'a', 'b'], [3.0, 9.0, 1.0, 2.0]).tolist() == [1.0, 2.0, 3.0]
    assert jm.select(['c', 'x', 'a', 'b'], [], 'velocity', required=False) is None


def test_joint_map_names_missing_joints_and_nan():
    jm = bridge.JointMap(a1.JOINT_NAMES)
    names = list(a1.JOINT_NAMES[:10])
    with pytest.raises(bridge.MissingJoints, match='lacks 2 of the 12 joints.*RL_thigh_joint, RL_calf_joint'):
        jm.select(names, np.zeros(10))
    values = np.zeros(12)
    values[4] = np.nan
    with pytest.raises(bridge.BadDriverData, match='not finite.*FL_thigh_joint'):
        jm.select(a1.JOINT_NAMES, values)
    with pytest.raises(bridge.BadDriverData, match='11 position values for 12'):
        jm.select(a1.JOINT_NAMES, np.zeros(11))


# --- episodes ---

def run(ep, n):
    return [ep.advance() for _ in range(n)]


def test_episode_length_and_reset_free_continuation():
    ep = bridge.Episode(3, resets=False)
    assert not ep.reset_due
    steps = run(ep, 8)
    assert [s['step'] for s in steps] == list(range(8))
    assert [(s['episode'], s['is_first'], s['is_last']) for s in steps] == [
        (0, True, False), (0, False, False), (0, False, False), (0, False, True),
        (1, True, False), (1, False, False), (1, False, False), (1, False, True)]
    assert not ep.reset_due


def test_episode_scripted_reset_is_due_at_start_and_after_the_last_step():
    ep = bridge.Episode(2, resets=True)
    assert ep.reset_due
    ep.reset_done()
    steps = run(ep, 3)
    assert steps[-1]['is_last'] and ep.reset_due
    ep.reset_done()
    assert ep.advance()['is_first']


def test_pause_ends_the_episode_then_holds_and_resume_starts_without_reset():
    ep = bridge.Episode(100, resets=True)
    ep.reset_done()
    run(ep, 5)
    ep.pause()
    assert not ep.paused
    last = ep.advance()
    assert last['is_last'] and ep.paused and not ep.reset_due
    with pytest.raises(RuntimeError):
        ep.advance()
    assert ep.resume()
    assert not ep.reset_due   # KBReset's resume skips the scripted reset
    first = ep.advance()
    assert first['is_first'] and first['episode'] == last['episode'] + 1 and first['step'] == last['step'] + 1
    assert not ep.resume()    # not paused


def test_end_and_hard_reset():
    ep = bridge.Episode(100, resets=True)
    ep.reset_done()
    run(ep, 3)
    assert ep.end() == 1
    assert ep.advance()['is_last'] and ep.reset_due
    ep.reset_done()
    ep.advance()
    assert ep.hard_reset() == 2 and ep.reset_due   # cut now: the next Step is is_first after the reset
    ep.reset_done()
    assert ep.advance() == {'episode': 2, 'step': 5, 'index': 0, 'is_first': True, 'is_last': False}


# --- watchdog, freshness, actions ---

def test_watchdog_trips_before_the_first_action_and_after_the_timeout():
    dog = bridge.Watchdog(0.5)
    assert dog.expired(0.0)
    dog.feed(1.0)
    assert not dog.expired(1.4) and not dog.tripped
    assert dog.expired(1.6) and dog.expired(1.7) and dog.trips == 1
    dog.feed(2.0)
    assert not dog.expired(2.1)


def test_freshness_names_missing_and_stale_sources():
    fresh = bridge.Freshness(0.2, ['joint_states', 'imu/data'])
    assert fresh.problems(0.0) == ['no joint_states received yet', 'no imu/data received yet']
    fresh.mark('joint_states', 1.0)
    fresh.mark('imu/data', 0.5)
    assert fresh.problems(1.1) == ['imu/data is 0.60 s old (stale_timeout 0.2 s)']


def test_check_action_sorts_by_step_and_mode():
    assert bridge.check_action(5, 5, bridge.MODE_EXPLORE)[0] == 'act'
    assert bridge.check_action(5, 5, bridge.MODE_HOLD)[0] == 'hold'
    verdict, message = bridge.check_action(5, 4, bridge.MODE_EVAL)
    assert verdict == 'late' and 'step 4' in message
    assert bridge.check_action(5, 6, bridge.MODE_EVAL)[0] == 'ahead'


def test_step_obs_zeroes_the_first_reward_and_prefixes_logs():
    obs = bridge.step_obs({'vector': np.zeros(16, np.float32)}, 3.0, {'is_first': True, 'is_last': False},
                          {'log_a': 1, 'b': 2})
    assert obs['reward'] == 0 and obs['is_first'] and not obs['is_terminal'] and obs['log_b'] == 2
    obs = bridge.step_obs({}, 3.0, {'is_first': False, 'is_last': True})
    assert obs['reward'] == 3.0 and obs['is_last']


def test_camera_image_takes_any_size_and_names_the_topic_of_a_bad_crop():
    assert bridge.camera_image(np.zeros((480, 640, 3), np.uint8), (64, 64)).shape == (64, 64, 3)
    with pytest.raises(bridge.WrongImage, match='camera/image_raw: crop .* does not fit in a 640x480 image'):
        bridge.camera_image(np.zeros((480, 640, 3), np.uint8), (64, 64), crop=(600, 0, 100, 0))


# --- A1 ---

def test_a1_feet_are_below_the_hips_at_the_standing_pose():
    feet = bridge.a1_feet(a1.INIT_POSE)
    assert np.allclose(feet[:, 2], feet[0, 2]) and -0.3 < feet[0, 2] < -0.2
    assert np.all(np.sign(feet[:, 1]) == bridge.A1_SIDE)


def drive_a1(env, adapter, policy, steps, rate=200):
    """
    Run the A1 twin through its driver interface the way the a1_bridge does.

    Sense at `rate` Hz, stream one command per sample, observe once per agent step. Returns the adapter's (obs, reward)
    per step and the env-style forward velocity truth.
    """
    sub = int(round(1000 / rate))
    out = []
    for t in range(steps):
        state = env.driver_state()
        adapter.act(policy(t)) if policy is not None else adapter.hold(state['position'])
        pos = env.data.qpos[:3].copy()
        for _ in range(adapter.repeat):
            state = env.driver_state()
            imu = state['imu']
            adapter.sense(state['position'], state['velocity'], state['effort'], imu['quaternion'],
                          imu['angular_velocity'])
            env.apply_command(adapter.command(state['position'], state['velocity']))
            env.step_physics(sub)
        state = env.driver_state()
        imu = state['imu']
        obs, reward, logs = adapter.observe(state['position'], imu['quaternion'], imu['angular_velocity'])
        velocity = (env.data.qpos[:3] - pos) / (adapter.repeat * sub * 1e-3)
        out.append((obs, reward, logs, a1.forward_velocity(imu['quaternion'], velocity)))
    return out


@pytest.fixture
def a1_env():
    need_mujoco()
    from daydreamer.envs.a1 import A1Sim
    env = A1Sim(seed=0, render=False, start='stand', kp=a1.KP_SIM)
    env.step({'action': a1.STAND_ACTION, 'reset': True})
    yield env
    env.close()


def test_a1_adapter_observation_is_the_env_observation(a1_env):
    adapter = bridge.A1Adapter(kp=a1.KP_SIM)
    state = a1_env.driver_state()
    obs, _, _ = adapter.observe(state['position'], state['imu']['quaternion'], state['imu']['angular_velocity'])
    expected = a1_env._obs(0.0, None, False)['vector']
    assert obs['vector'].dtype == np.float32 and np.allclose(obs['vector'], expected, atol=1e-6)


def test_a1_adapter_stands_like_the_env_and_walks_with_a_velocity_estimate(a1_env):
    from daydreamer.envs.a1 import trot_action
    adapter = bridge.A1Adapter(kp=a1.KP_SIM)
    adapter.rearm(a1_env.driver_state()['position'])
    stand = drive_a1(a1_env, adapter, lambda t: a1.STAND_ACTION, 40)
    rewards = [r for _, r, _, _ in stand[10:]]
    assert 8.3 < np.mean(rewards) < 9.2   # the env's standing action scores ~8.8 per step
    trot = drive_a1(a1_env, adapter, trot_action, 120)[20:]
    estimate, truth = np.array([lg['log_velocity_estimate'] for _, _, lg, _ in trot]), np.array([t[3] for t in trot])
    assert truth.mean() > 0.1   # it walks
    assert np.corrcoef(estimate, truth)[0, 1] > 0.9 and 0.4 * truth.mean() < estimate.mean() < 1.2 * truth.mean()
    assert np.mean([r for _, r, _, _ in trot]) > np.mean(rewards)


def test_a1_adapter_commands_stay_within_the_clip_and_hold_the_pose(a1_env):
    adapter = bridge.A1Adapter(kp=a1.KP_SIM)
    state = a1_env.driver_state()
    q = state['position']
    adapter.rearm(q)
    adapter.act(np.ones(12, np.float32))   # far away from the pose
    for _ in range(adapter.repeat):
        cmd = adapter.command(q, state['velocity'])
        assert np.all(np.abs(cmd - q) <= a1.MAX_DELTA + 1e-9) and np.all(cmd >= a1.JOINT_LOW - 1e-9)
    adapter.hold(q)
    assert np.allclose(adapter.command(q, state['velocity']), q)
    assert np.allclose(adapter.command(q + 0.05, state['velocity']), q)  # held where it stopped, not following


def test_a1_adapter_latches_the_stop_on_a_reported_torque(a1_env):
    adapter = bridge.A1Adapter()
    state = a1_env.driver_state()
    q, imu = state['position'], state['imu']
    effort = np.zeros(12)
    effort[3] = 50.0
    assert not adapter.sense(q, state['velocity'], effort, imu['quaternion'], imu['angular_velocity'])
    adapter.act(np.ones(12, np.float32))
    assert np.allclose(adapter.command(q, state['velocity']), q)  # the stop holds the measured pose
    adapter.rearm(q)
    assert not adapter.filter.stopped


# --- arms ---

@pytest.fixture(scope='module')
def ur5():
    need_mujoco()
    from daydreamer.envs.arm import ArmSim
    env = ArmSim('ur5', seed=0)
    env.step({'action': np.int64(0), 'reset': True})
    yield env
    env.close()


def stream(env, adapter, moves, rate=100.0):
    """Execute moves as the arm bridge does: joint paths streamed as servo targets, gripper commands."""
    for move in moves:
        if move.kind == 'gripper':
            env.set_gripper(move.target)
            continue
        for target in adapter.path(env.driver_state(images=False)['position'], move.target, rate):
            env.apply_command(target)
            env.advance(1.0 / rate)
        env.advance(0.3)


def test_arm_adapter_observation_matches_the_env(ur5):
    adapter = bridge.ArmAdapter('ur5', seed=0)
    state = ur5.driver_state()
    gripper = adapter.gripper_pos(adapter.gripper_joint_position(state['gripper_position']))
    obs = adapter.observe(state['position'], gripper, state['rgb'])
    env_obs = ur5._obs(0.0, False)
    for key in ('cartesian_position', 'joint_positions', 'gripper_pos'):
        assert np.allclose(obs[key], env_obs[key], atol=1e-5), key
    assert np.array_equal(obs['image'], env_obs['image']) and set(obs) == set(adapter.obs_space)
    big = np.zeros((480, 640, 3), np.uint8)  # a camera at its own resolution: centre square, area-resized
    big[:, 80:560] = 120
    assert (adapter.observe(state['position'], gripper, big)['image'] == 120).all()
    cropping = bridge.ArmAdapter('ur5', seed=0, crop=(700, 0, 0, 0))
    with pytest.raises(bridge.WrongImage, match='camera/image_raw: crop'):
        cropping.observe(state['position'], gripper, big)


def test_arm_adapter_moves_the_tool_one_grid_cell(ur5):
    adapter = bridge.ArmAdapter('ur5', seed=0)
    q = ur5.driver_state(images=False)['position']
    start = adapter.tool(q)
    side = adapter.ws.side_of(start)
    action = 1 if ur5.ws.box(side, False)[1][0] - start[0] > 0.05 else 0
    moves, reset = adapter.act(action, q)
    assert not reset and len(moves) == 1 and moves[0].kind == 'move'
    path = adapter.path(q, moves[0].target, 100.0)
    assert len(path) >= 30   # 4 cm at 0.1 m/s: bounded speed
    assert np.abs(np.diff(path, axis=0)).max() < 0.05
    stream(ur5, adapter, moves)
    end = adapter.tool(ur5.driver_state(images=False)['position'])
    assert np.allclose(end, moves[0].target, atol=2e-3)


def test_arm_adapter_xarm_needs_depth_of_any_size():
    need_mujoco()
    adapter = bridge.ArmAdapter('xarm', seed=0)
    q = np.zeros(6)
    rgb = np.zeros((64, 64, 3), np.uint8)
    with pytest.raises(bridge.BadDriverData, match='depth'):
        adapter.observe(q, 0.0, rgb)
    obs = adapter.observe(q, 0.0, rgb, np.full((64, 64), 0.8, np.float32))
    assert obs['depth'].shape == (64, 64, 1) and obs['depth'].dtype == np.uint8
    assert obs['joint_positions'].shape == (7,)
    assert obs['depth'][0, 0, 0] == arm.encode_depth(np.full((1, 1), 0.8), arm.DEPTH_FARTHEST['xarm'])[0, 0, 0]
    # A 640x480 colour frame with a 320x240 depth image: the colour crop, scaled, picks the same region of both.
    cropped = bridge.ArmAdapter('xarm', seed=0, crop=(320, 0, 320, 240))
    depth = np.full((240, 320), 0.8, np.float32)
    depth[:120, 160:] = 0.5
    obs = cropped.observe(q, 0.0, np.zeros((480, 640, 3), np.uint8), depth)
    assert (obs['depth'] == arm.encode_depth(np.full((1, 1), 0.5), arm.DEPTH_FARTHEST['xarm'])[0, 0, 0]).all()


# --- Sphero ---

def test_sphero_adapter_matches_the_env_and_maps_motors():
    need_mujoco()
    from daydreamer.envs.sphero import SpheroSim
    env = SpheroSim(seed=0)
    try:
        env_obs = env.step({'action': np.zeros(2, np.float32), 'reset': True})
        env_obs = env.step({'action': np.array([0.5, 0.5], np.float32), 'reset': False})
        adapter = bridge.SpheroAdapter(env.arena_min, env.arena_max)
        obs, reward, logs = adapter.observe(env.frame)
        assert np.array_equal(obs['image'], env_obs['image']) and reward == pytest.approx(env_obs['reward'])
        assert logs['log_success'] == float(env_obs['log_success'])
    finally:
        env.close()
    assert bridge.SpheroAdapter.motors([1.0, -2.0]) == (70, -70), "raw powers of 255: the driver's integers"
    assert bridge.SpheroAdapter.motors([np.nan, 0.5]) == (0, 35)
    assert all(type(v) is int for v in bridge.SpheroAdapter.motors([0.3, -0.3]))
    plan = adapter.reset_plan()
    assert len(plan) == 6 and plan[-1] == ((0, 0), 4.0)
    assert all(abs(v) == 100 and type(v) is int for motors, _ in plan[:5] for v in motors)
    with pytest.raises(bridge.BadDriverData, match='RGB uint8'):
        adapter.observe(np.zeros((120, 160), np.uint8))
    short = bridge.SpheroAdapter(reset_moves=2, reset_move_seconds=0.3, reset_wait_seconds=0.1, seed=0).reset_plan()
    assert [seconds for _, seconds in short] == [0.3, 0.3, 0.1]


def test_sphero_gazebo_velocity_mapping_follows_rep103():
    v, w = bridge.motors_to_twist([0.5, 0.5])
    assert v == pytest.approx(0.5 * bridge.SPHERO_FULL_SPEED) and w == 0.0
    v, w = bridge.motors_to_twist([-0.2, 0.2])   # right wheel forward: turn left (counter-clockwise, w > 0)
    assert v == 0.0 and w == pytest.approx(0.2 * bridge.SPHERO_FULL_SPEED / bridge.SPHERO_TURN_RADIUS)
    v, w = bridge.motors_to_twist([0.3, -0.7], 0.5, 0.1)
    assert v == pytest.approx(0.5 * -0.2) and w == pytest.approx(0.5 * -1.0 / 0.2)


def test_bad_driver_data_kinds_are_distinct():
    jm = bridge.JointMap(['a', 'b'])
    with pytest.raises(bridge.MissingJoints):
        jm.select(['a'], [0.0])
    with pytest.raises(bridge.NotFinite):
        jm.select(['a', 'b'], [0.0, np.inf])
    with pytest.raises(bridge.WrongImage):
        bridge.camera_image(np.zeros((48, 48, 3)), (64, 64), crop=(0, 0, 100, 0))
    assert issubclass(bridge.WrongImage, bridge.BadDriverData) and issubclass(bridge.NotFinite, ValueError)


def test_episode_ending_is_set_by_pause_and_end_until_the_last_step():
    episode = bridge.Episode(0, resets=False)
    episode.advance()
    assert not episode.ending
    episode.end()
    assert episode.ending
    assert episode.advance()['is_last'] and not episode.ending
    episode.advance()
    episode.pause()
    assert episode.ending and not episode.paused
    episode.advance()
    assert episode.paused and not episode.ending


def test_joint_states_merge_messages_by_name_and_name_what_is_missing_or_stale():
    states = bridge.JointStates()
    states.update(['b', 'a'], [2.0, 1.0], now=0.0)
    with pytest.raises(bridge.MissingJoints, match=r'lacks 1 of the 3 joints this robot needs: g \(joints seen so '
                                                   r'far: a, b\)'):
        states.select(['a', 'b', 'g'], now=0.0)
    states.update(['g'], [0.5], now=0.1)   # the gripper in a message of its own
    assert states.select(['a', 'b', 'g'], now=0.2).tolist() == [1.0, 2.0, 0.5]
    with pytest.raises(bridge.MissingJoints, match='no position of a, b for over 0.5 s'):
        states.select(['a', 'b', 'g'], now=0.55, max_age=0.5)
    with pytest.raises(bridge.NotFinite, match='not finite .* for a'):
        states.update(['a', 'g'], [np.nan, 0.7], now=1.0)
    with pytest.raises(bridge.BadDriverData, match='1 position values for 2 joint names'):
        states.update(['a', 'g'], [0.7], now=1.0)
    assert states.select(['g'], now=1.0).tolist() == [0.5], 'a bad message changes nothing'
