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

"""Sphero navigation: the shared detection/reward/action code and the MuJoCo twin (headless rendering)."""

import colorsys
import copy
import math

import numpy as np
import pytest

from daydreamer import envs
from daydreamer import robots
from daydreamer.envs import dummy
from daydreamer.robots import bridge
from daydreamer.robots import sphero as robot
from daydreamer.sim import import_mujoco
from daydreamer.space import Space

try:  # through import_mujoco: a plain `import mujoco` first would pick a GL backend that needs a display
    import_mujoco()
except ImportError:
    pytest.skip('mujoco is not installed', allow_module_level=True)
from daydreamer.envs import sphero  # noqa: E402,I100  (needs mujoco)


def act(a=(0.0, 0.0), reset=False):
    return {'action': np.asarray(a, np.float32), 'reset': reset}


@pytest.fixture(scope='module')
def sim():
    env = sphero.SpheroSim(seed=0)
    yield env
    env.close()


def place(env, x, y, yaw=0.0):
    env.set_pose(x, y, yaw)
    return env.render_frame()


# -- robots/sphero.py (no simulator) ---------------------------------------------------------------


def test_motor_command_scales_truncates_and_clips():
    assert robot.motor_command([1.0, -1.0]) == (70, -70)
    assert robot.motor_command([0.5, 0.999]) == (35, 69)  # int() truncates, as the reference
    assert robot.motor_command([-0.01, 0.0]) == (0, 0)
    assert robot.motor_command([3.0, -2.0]) == (70, -70)  # the bridge's safety clip
    assert robot.motor_command([3.0, -2.0], clip=False) == (210, -140)  # the reference's behaviour
    assert robot.motor_command([np.nan, 0.5]) == (0, 35)
    moves = robot.reset_moves(np.random.default_rng(0))
    assert len(moves) == 5 and all(abs(v) == 100 for move in moves for v in move)


def test_driver_units_and_clipping():
    # sphero_ros2's RawMotorCommand: int32 left / right, clipped by the driver to [-255, 255]
    assert robot.clip_raw(300, -1000) == (255, -255) and robot.clip_raw(-70, 70) == (-70, 70)
    assert all(type(v) is int for v in robot.clip_raw(np.int32(5), 2 ** 31 - 1))
    assert robot.DRIVER_COMMAND_SECONDS == 0.2 and robot.DRIVER_QUEUE_DEPTH == 10
    assert max(robot.motor_command([1.0, 1.0])) <= robot.RAW_MAX


def test_rgb_to_hsv_matches_opencv_convention():
    pixels = np.random.default_rng(0).integers(0, 256, (500, 3), dtype=np.uint8)
    hsv = robot.rgb_to_hsv(pixels).astype(int)
    for (r, g, b), (h, s, v) in zip(pixels / 255.0, hsv):
        eh, es, ev = colorsys.rgb_to_hsv(r, g, b)
        assert min(abs(h - round(eh * 180) % 180), 180 - abs(h - round(eh * 180) % 180)) <= 1
        assert abs(s - round(es * 255)) <= 1 and abs(v - round(ev * 255)) <= 1


def test_detect_ball_on_a_synthetic_frame():
    frame = np.full((480, 640, 3), 40, np.uint8)
    yy, xx = np.mgrid[:480, :640]
    frame[(xx - 300) ** 2 + (yy - 200) ** 2 <= 12 ** 2] = 245
    frame[10, 10] = 255  # a speck: removed by the opening
    pixel = robot.ball_pixel(frame)
    np.testing.assert_allclose(pixel, [300, 200], atol=0.05)
    pos = robot.detect_ball(frame)  # the reference's arena box by default
    np.testing.assert_allclose(pos, (np.array([300, 200]) - [193, 67]) / [287, 303], atol=1e-3)
    assert robot.detect_ball(np.zeros_like(frame)) is None
    tracker = robot.BallTracker()
    assert tracker.update(np.zeros_like(frame)) is None and tracker.reward() < -0.8
    tracker.update(frame)
    np.testing.assert_allclose(tracker.update(np.zeros_like(frame)), pos)  # keeps the last position
    assert not tracker.visible
    assert tracker.reward() == pytest.approx(robot.reward(pos))
    assert robot.reward(robot.GOAL) == 0.0 and robot.success(-0.09) and not robot.success(-0.1)


def test_observation_image():
    columns = np.zeros((480, 640, 3), np.uint8)
    columns[:, 80:-30] = 200  # the reference keeps columns 80:-30 and squashes them to 64x64
    assert (robot.observation_image(columns, crop_columns=(80, -30)) == 200).all()
    constant = np.full((120, 160, 3), 77, np.uint8)
    assert (robot.observation_image(constant) == 77).all()
    real = np.zeros(robot.REFERENCE_FRAME + (3,), np.uint8)
    out = robot.observation_image(real, crop_columns=robot.REFERENCE_CROP_COLUMNS)
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8


def test_task_maps_actions_to_drives_and_plans_resets():
    task = robot.SpheroTask(rng=0)
    assert task.motors([1.0, -2.0]) == (70, -70), "raw powers of 255: the driver's integers"
    assert task.motors([np.nan, 0.5]) == (0, 35)
    assert all(type(v) is int for v in task.motors([0.3, -0.3]))
    assert task.act([0.5, -0.5]) == [((35, -35), robot.STEP_SECONDS)]
    plan = task.reset_plan()
    assert len(plan) == 6 and plan[-1] == ((0, 0), 4.0)
    assert all(abs(v) == 100 and type(v) is int for motors, _ in plan[:5] for v in motors)
    assert [m for m, _ in plan[:5]] == robot.reset_moves(np.random.default_rng(0)), 'the seed draws the moves'
    with pytest.raises(bridge.BadDriverData, match='RGB uint8'):
        task.observe(np.zeros((120, 160), np.uint8))
    short = robot.SpheroTask(reset_moves=2, reset_move_seconds=0.3, reset_wait_seconds=0.1, rng=0,
                             action_seconds=0.2)
    assert [seconds for _, seconds in short.reset_plan()] == [0.3, 0.3, 0.1]
    assert short.act([1, 1]) == [((70, 70), 0.2)]
    rng = np.random.default_rng(3)
    assert robot.SpheroTask(rng=rng).rng is rng, "a Generator passed in is used as it is (the twin's)"


def test_gazebo_velocity_mapping_follows_rep103():
    v, w = robot.motors_to_twist([0.5, 0.5])
    assert v == pytest.approx(0.5 * robot.FULL_SPEED) and w == 0.0
    v, w = robot.motors_to_twist([-0.2, 0.2])   # right wheel forward: turn left (counter-clockwise, w > 0)
    assert v == 0.0 and w == pytest.approx(0.2 * robot.FULL_SPEED / robot.TURN_RADIUS)
    v, w = robot.motors_to_twist([0.3, -0.7], 0.5, 0.1)
    assert v == pytest.approx(0.5 * -0.2) and w == pytest.approx(0.5 * -1.0 / 0.2)


# -- envs/sphero.py ----------------------------------------------------------------------------


def test_spaces_equal_the_dummy_robot():
    env = envs.make('sphero_sim', seed=0)
    try:
        spec = robots.get('sphero')
        obs, action, length = spec.obs_space, spec.act_space, spec.episode_length
        assert env.obs_space == dummy.Dummy('sphero').obs_space
        assert {k: v for k, v in env.obs_space.items() if k in obs} == obs
        assert env.act_space == {'action': action, 'reset': Space(bool)}
        assert env.length == length == robot.EPISODE_LENGTH
        assert {'seed', 'size'} <= envs.parameters('sphero_sim') and 'repeat' not in envs.parameters('sphero_sim')
        first = env.step(act(reset=True))
        assert envs.validate_obs(first, env.obs_space) == []
        assert first['is_first'] and first['reward'] == 0 and not first['is_last'] and not first['is_terminal']
        assert set(first) == set(env.obs_space) | {'log_success', 'log_distance'}
        rewards = []
        for t in range(length):
            obs = env.step(act(np.random.default_rng(t).uniform(-1, 1, 2)))
            assert envs.validate_obs(obs, env.obs_space) == []
            assert not obs['is_first'] and not obs['is_terminal'] and bool(obs['is_last']) == (t == length - 1)
            rewards.append(float(obs['reward']))
        assert all(-1.5 < r <= 0 for r in rewards) and len(set(rewards)) > 10
        assert env.step(act())['is_first']  # after is_last the next step resets
    finally:
        env.close()


def test_headless_rendering(sim):
    frame = place(sim, 0.2, -0.1)
    assert frame.shape == sphero.FRAME + (3,) and frame.dtype == np.uint8
    assert frame.std() > 5 and frame.max() > 200  # not blank: dark floor, walls, bright ball
    small = sphero.SpheroSim(seed=0, size=(32, 48))
    try:
        obs = small.step(act(reset=True))
        assert obs['image'].shape == (32, 48, 3) and obs['image'].dtype == np.uint8
    finally:
        small.close()
    image = robot.observation_image(frame)
    assert image.max() > 150  # the ball survives the resize to 64x64


@pytest.mark.parametrize('x, y', [(0.0, 0.0), (0.6, 0.45), (-0.7, -0.55), (0.4875, 0.402), (-0.3, 0.5)])
def test_detection_and_reward_match_the_true_position(sim, x, y):
    frame = place(sim, x, y, yaw=1.0)
    pixel = robot.ball_pixel(frame)
    true = sim.project((x, y, sphero.RADIUS))
    assert np.hypot(*(pixel - true)) < 1.5, (pixel, true)  # pixels of a 160x120 frame
    sim.tracker.update(frame)
    np.testing.assert_allclose(sim.tracker.pos, sim.normalised(), atol=0.015)
    assert sim.tracker.reward() == pytest.approx(-sim.distance, abs=0.015)


def test_arena_box_and_goal():
    env = sphero.SpheroSim(seed=0)
    try:
        lo, hi = env.arena_box()
        assert (lo > 0).all() and (hi < np.array(sphero.FRAME[::-1]) - 1).all() and (hi - lo > 80).all()
        np.testing.assert_allclose(env.normalised(env.world(robot.GOAL)), robot.GOAL)
        np.testing.assert_allclose(env.world([0.5, 0.5]), [0, 0], atol=1e-12)
    finally:
        env.close()


def test_driver_interface_drives_like_a_differential_drive(sim):
    place(sim, 0.0, 0.0, yaw=0.0)
    sim.apply_command(70, 70)  # straight ahead (+x) for 0.5 s
    sim.simulate(0.5)
    state = sim.driver_state()
    assert state['position'][0] > 0.1 and abs(state['position'][1]) < 0.01 and abs(state['yaw']) < 1e-6
    assert state['linear'][0] > 0.3 and abs(state['linear'][1]) < 0.01 and state['command'] == (70, 70)
    assert state['image'].shape == sphero.FRAME + (3,) and state['stamp'] > 0
    np.testing.assert_allclose(np.linalg.norm(state['orientation']), 1.0)
    place(sim, 0.0, 0.0, yaw=0.0)
    sim.apply_command(-70, 70)  # turn in place, counter-clockwise seen from above
    sim.simulate(0.5)
    assert sim.heading > 1.0 and np.hypot(*sim.position) < 0.01
    sim.apply_command(1000, -1000)
    assert sim.command == (255, -255)
    sim.apply_command(0, 0)


def test_scripted_policy_reaches_the_goal_and_beats_random():
    assert sphero.SCRIPTED_REWARD > sphero.RANDOM_REWARD + 0.3  # documented, measured with `measure`
    assert sphero.SCRIPTED_SUCCESS == 1.0 and sphero.RANDOM_SUCCESS < 0.5
    returns = {}
    for policy in ('scripted', 'random'):  # the same start (same seed) for both
        env, rng, rewards = sphero.sphero_sim(seed=3, length=40), np.random.RandomState(0), []
        try:
            env.step(act(reset=True))
            for _ in range(40):
                obs = env.step(act(env.scripted_action() if policy == 'scripted' else rng.uniform(-1, 1, 2)))
                rewards.append(float(obs['reward']))
                assert abs(obs['reward'] + obs['log_distance']) < 0.02  # image reward vs privileged distance
            assert obs['is_last']
        finally:
            env.close()
        returns[policy] = rewards
        if policy == 'scripted':
            assert obs['log_success'] == 1 and np.mean(rewards[-10:]) > -robot.SUCCESS_THRESHOLD
    assert np.mean(returns['scripted']) > np.mean(returns['random']) + 0.2, returns


def test_reset_drives_randomly_and_is_seeded():
    positions = []
    for seed in (0, 0, 1):
        env = sphero.SpheroSim(seed=seed)
        try:
            env.step(act(reset=True))
            positions.append(env.position)
            start = env.position
            env.step(act(reset=True))  # the scripted drive moves the ball from where it was
            assert np.hypot(*(env.position - start)) > 0.0 and np.hypot(*env.velocity) < 0.01
        finally:
            env.close()
    np.testing.assert_array_equal(positions[0], positions[1])
    assert not np.allclose(positions[0], positions[2])
    assert math.isfinite(sphero.SCRIPTED_REWARD)


def test_the_twin_and_the_bridge_run_one_task(monkeypatch):
    """
    The twin's step runs SpheroTask: the drives it executes are the task's and its observations are the task's.

    A second SpheroTask, fed only what a driver gives the bridge (the overhead frames) and seeded with the twin's rng
    as it stands after the initial pose, plans the same drives and computes the same observations, rewards and
    log_success as the twin's step: the bridge's code path on the twin's driver data.
    """
    env = sphero.SpheroSim(seed=0)
    try:
        bridge_rng = copy.deepcopy(env.task.rng)   # the twin's rng after its initial pose draws
        assert env.task.rng is env._rng, "the reset moves continue the twin's own rng"
        executed, calls = [], []
        apply_command, simulate = env.apply_command, env.simulate
        monkeypatch.setattr(env, 'apply_command', lambda left, right: (
            executed[-1].append([(left, right), 0.0]), apply_command(left, right)))
        monkeypatch.setattr(env, 'simulate', lambda seconds: (
            executed[-1][-1].__setitem__(1, executed[-1][-1][1] + seconds), simulate(seconds)))
        observe = robot.SpheroTask.observe
        monkeypatch.setattr(robot.SpheroTask, 'observe', lambda self, frame: (
            calls.append(self), observe(self, frame))[1])
        steps = [act(reset=True), act((1.0, 1.0)), act((-3.0, np.nan)), act((0.3, -0.8)), act(reset=True), act()]
        outs, frames = [], []
        for action in steps:
            executed.append([])
            outs.append(env.step(action))
            frames.append(env.frame.copy())
        assert calls == [env.task] * len(steps), 'every twin step observes through its SpheroTask'
        task = robot.SpheroTask(env.arena_min, env.arena_max, rng=bridge_rng)   # as sphero_bridge builds it
        for action, out, frame, drives in zip(steps, outs, frames, executed):
            first = bool(action['reset'])
            plan = task.reset_plan() if first else task.act(action['action'])
            assert [tuple(d) for d in drives] == [(m, pytest.approx(s)) for m, s in plan]
            obs, reward, logs = task.observe(frame)
            assert np.array_equal(obs['image'], out['image'])
            assert bridge.step_obs(obs, reward, {'is_first': first, 'is_last': False})['reward'] == out['reward']
            assert logs['log_success'] == out['log_success'] and logs['log_visible'] == 1.0
        assert outs[0]['reward'] == 0 and outs[4]['reward'] == 0 and outs[1]['reward'] < 0, 'first steps give 0'
    finally:
        env.close()
