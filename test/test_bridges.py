"""The robot bridges on the ROS graph (the test double where ROS 2 is absent), against the `sim` node or a fake
driver: Steps at the control rate with the core's observation and reward, actions turned into driver
commands, the watchdog's hold, the episode services, and bad input that is dropped with one clear, throttled
warning per kind; plus teleop_key's key mapping."""


import numpy as np
import pytest

import rclpy
from daydreamer.envs import make
from daydreamer.envs.arm import CONFIGS
from daydreamer.robots import a1, bridge
from daydreamer_interfaces.msg import Action, Step
from daydreamer_interfaces.srv import ResetEpisode
from daydreamer_ros import convert, images, qos
from geometry_msgs.msg import Twist
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from robot_bridges.a1_bridge import A1Bridge
from robot_bridges.arm_bridge import ArmBridge
from robot_bridges.sim_node import SimNode
from robot_bridges.sphero_bridge import SpheroBridge
from robot_bridges.teleop_key import service_for
from sensor_msgs.msg import Image, Imu, JointState
from std_msgs.msg import Float64MultiArray, String
from std_srvs.srv import Trigger

NS = '/robot'
BRIDGES = {'a1': A1Bridge, 'ur5': ArmBridge, 'xarm': ArmBridge, 'sphero': SpheroBridge}
FAST = {   # parameters that keep each test at a few seconds of real time
    'a1': {'stale_timeout': 0.3},
    'ur5': {'speed': 1.0, 'command_rate': 100.0},
    'xarm': {'speed': 1.0, 'command_rate': 100.0},
    'sphero': {'reset_moves': 1, 'reset_move_duration': 0.2, 'reset_wait': 0.1, 'control_rate': 5.0,
               'action_duration': 0.1},
}


def overrides(params):
    return [Parameter(k, value=v) for k, v in params.items()]


class Rig:
    """A bridge, optionally the sim node, and a probe node playing actor and operator (and fake driver)."""

    def __init__(self, robot, sim=True, bridge_params=None, sim_params=None):
        self.robot, self.nodes = robot, []
        if sim:
            self.sim = SimNode(namespace=NS, parameter_overrides=overrides(
                {'robot': robot, 'camera_rate': 20.0, **(sim_params or {})}))
            self.nodes.append(self.sim)
        params = {**FAST[robot], **(bridge_params or {})}
        if robot == 'sphero' and sim:
            low, high = self.sim.env.arena_box()
            params.update(arena_min=[float(v) for v in low], arena_max=[float(v) for v in high])
        if robot in ('ur5', 'xarm'):
            params['robot'] = robot
        self.bridge = BRIDGES[robot](namespace=NS, parameter_overrides=overrides(params))
        self.probe = rclpy.create_node('probe', namespace=NS)
        self.nodes += [self.bridge, self.probe]
        self.steps, self.commands, self.gripper, self.motors, self.twists, self.safety = [], [], [], [], [], []
        self.policy = None   # Step -> Action or None: the fake actor
        p = self.probe
        p.create_subscription(Step, 'step', self.on_step, qos.STEP)
        p.create_subscription(Float64MultiArray, 'forward_position_controller/commands', self.commands.append,
                              qos.COMMAND)
        p.create_subscription(Float64MultiArray, 'gripper_controller/commands', self.gripper.append, qos.COMMAND)
        p.create_subscription(Float64MultiArray, 'raw_motor', self.motors.append, qos.COMMAND)
        p.create_subscription(Twist, 'cmd_vel', self.twists.append, qos.COMMAND)
        p.create_subscription(String, 'safety_state', self.on_safety, qos.LATCHED)
        self.changed = {}   # safety state -> how many commands had arrived when it was last entered
        self.action_pub = p.create_publisher(Action, 'action', qos.ACTION)
        self.executor = SingleThreadedExecutor()
        for node in self.nodes:
            self.executor.add_node(node)

    def on_step(self, msg):
        self.steps.append(msg)
        action = self.policy(msg) if self.policy is not None else None
        if action is not None:
            self.action_pub.publish(action)

    def on_safety(self, msg):
        self.safety.append(msg.data)
        self.changed[msg.data] = len(self.commands)

    def held(self, state):
        """The commands since `state` was entered (a margin of 2 for the delivery order across topics)."""
        return data(self.commands[self.changed[state] + 2:])

    def answer(self, action, mode=Action.MODE_EXPLORE):
        """Answer every Step with `action` (None with MODE_HOLD for a hold)."""
        self.policy = lambda msg: convert.action_to_msg(action, episode=msg.episode, step=msg.step, mode=mode)

    def spin(self, seconds):
        import ros2_double
        ros2_double.spin_for(self.executor, seconds)

    def spin_until(self, predicate, timeout=5.0):
        import ros2_double
        assert ros2_double.spin_until(self.executor, predicate, timeout), 'timed out'

    def call(self, srv_type, name, request=None):
        client = self.probe.create_client(srv_type, f'/robot/{self.bridge.get_name()}/{name}')
        future = client.call_async(request if request is not None else srv_type.Request())
        self.spin_until(future.done)
        return future.result()

    def close(self):
        for node in self.nodes:
            self.executor.remove_node(node)
            node.destroy_node()
        self.executor.shutdown()


@pytest.fixture
def rig(ros):
    rigs = []

    def make(robot, **kwargs):
        rigs.append(Rig(robot, **kwargs))
        return rigs[-1]
    yield make
    for r in rigs:
        r.close()


def warnings(contains):
    import ros2_double
    return [r['message'] for r in ros2_double.logs(severity=30, contains=contains)]


def vectors(step):
    return {t.key: np.asarray(t.data, np.float32).reshape(tuple(t.shape)) for t in step.vectors}


def fits(step, robot):
    """The Step's observation, checked against the spaces the actor uses for this robot (its dummy task's)."""
    with make(f'{robot}_dummy') as env:
        return convert.step_to_obs(step, dict(env.obs_space))


def data(msgs):
    return np.array([list(m.data) for m in msgs])


# ------------------------------------------------------------------------------------------------------ A1

def test_a1_bridge_steps_at_20hz_and_streams_the_answered_actions(rig):
    r = rig('a1')
    r.answer(np.full(12, 0.3, np.float32))
    r.spin(1.0)
    steps = r.steps
    assert 12 <= len(steps) <= 22, f'{len(steps)} steps in 1 s at 20 Hz (fewer when the machine is busy)'
    assert [s.step for s in steps] == list(range(steps[0].step, steps[0].step + len(steps)))
    assert steps[0].is_first and not any(s.is_first or s.is_last for s in steps[1:])
    assert {s.robot for s in steps} == {'a1'} and all(abs(s.control_period - 0.05) < 1e-9 for s in steps)
    vector = fits(steps[-1], 'a1')['vector']
    assert vector.shape == (16,) and np.isfinite(vector).all()
    assert all(0.0 <= s.reward <= 14.0 for s in steps[1:]) and max(s.reward for s in steps) > 0.5
    assert {t.key for t in steps[-1].logs} >= {'log_r_upr', 'log_r_vel', 'log_velocity_estimate', 'log_safety_stop'}
    # 200 Hz commands that move towards the answered targets, never more than 0.2 rad from the measured pose
    commands = data(r.commands)
    assert len(commands) > 60 and commands.shape[1] == 12   # 200 in 1 s on an idle machine
    assert np.ptp(commands[-50:], axis=0).max() > 0.01, 'the commands move'
    assert r.safety[-1] == 'ok'
    state = r.sim.env.driver_state()
    assert np.abs(commands[-1] - state['position']).max() <= 0.2 + 0.05


def test_a1_watchdog_holds_the_pose_without_actions_and_on_hold(rig):
    r = rig('a1')
    r.answer(np.full(12, 0.5, np.float32))
    r.spin(0.5)
    assert r.safety[-1] == 'ok'
    r.policy = None   # the actor stops answering
    r.spin(0.6)
    assert len(warnings('no fresh action for 0.25 s: holding the pose')) == 1
    assert r.safety[-1] == 'holding: watchdog: no fresh action'
    held = r.held(r.safety[-1])
    assert len(held) > 10 and np.ptp(held, axis=0).max() < 1e-9, 'one constant hold command'
    assert np.abs(held[-1] - r.sim.env.driver_state()['position']).max() < 0.05, 'the hold pose is the measured one'
    assert len(r.steps) > 15, 'Steps keep going out while holding'

    r.answer(np.full(12, -0.5, np.float32))   # acting again, then the actor holds
    r.spin(0.3)
    assert r.safety[-1] == 'ok'
    r.answer(None, mode=Action.MODE_HOLD)
    r.spin(0.4)
    assert r.safety[-1] == 'holding: the actor holds (MODE_HOLD)'
    held = r.held(r.safety[-1])
    assert len(held) > 10 and np.ptp(held, axis=0).max() < 1e-9
    assert len(warnings('no fresh action')) == 1, 'HOLD answers are fresh actions'


def test_a1_services_pause_resume_reset_episode_and_hard_reset(rig):
    r = rig('a1')
    r.answer(np.zeros(12, np.float32))
    r.spin(0.3)
    assert r.call(Trigger, 'pause').success
    r.spin_until(lambda: r.steps[-1].is_last)
    paused_at = len(r.steps)
    r.spin(0.3)
    assert len(r.steps) == paused_at, 'no Steps while paused'
    assert r.safety[-1] == 'holding: paused'
    held = r.held(r.safety[-1])
    assert len(held) > 10 and np.ptp(held, axis=0).max() < 1e-9, 'the robot holds'
    episode = r.steps[-1].episode
    assert r.call(Trigger, 'resume').success
    r.spin_until(lambda: len(r.steps) > paused_at)
    assert r.steps[paused_at].is_first and r.steps[paused_at].episode == episode + 1
    assert not r.call(Trigger, 'resume').success, 'not paused'

    response = r.call(ResetEpisode, 'reset_episode', ResetEpisode.Request(hard=False, reason='test'))
    assert response.success and response.episode == episode + 2
    count = len(r.steps)
    r.spin_until(lambda: len(r.steps) > count + 1)
    assert r.steps[count].is_last and r.steps[count + 1].is_first and r.steps[count + 1].episode == episode + 2

    r.spin(0.1)
    count = len(r.steps)
    assert r.call(Trigger, 'hard_reset').success
    r.spin_until(lambda: len(r.steps) > count + 1)
    cut = [s for s in r.steps[count:] if s.is_first]
    assert cut and cut[0].episode == episode + 3, 'hard reset: a new episode, the old one cut without is_last'
    assert not any(s.is_last for s in r.steps[count:])


class FakeA1:
    """A fake A1 driver on the probe node: standing still, 100 Hz joint_states and imu/data; `edit` changes
    the JointState before it goes out."""

    def __init__(self, rig):
        self.rig, self.edit, self.running = rig, None, True
        self.q = np.array(a1.INIT_POSE, np.float64)
        self.joint_pub = rig.probe.create_publisher(JointState, 'joint_states', qos.SENSOR)
        self.imu_pub = rig.probe.create_publisher(Imu, 'imu/data', qos.SENSOR)
        rig.probe.create_timer(0.01, self.tick)

    def tick(self):
        if not self.running:
            return
        msg = JointState(name=list(a1.JOINT_NAMES), position=[float(v) for v in self.q], velocity=[0.0] * 12,
                         effort=[0.0] * 12)
        if self.edit is not None:
            self.edit(msg)
        self.joint_pub.publish(msg)
        imu = Imu()
        imu.orientation.w = 1.0
        self.imu_pub.publish(imu)


def test_a1_bridge_observation_and_reward_are_the_cores_on_driver_data(rig):
    r = rig('a1', sim=False)
    FakeA1(r)
    r.spin_until(lambda: len(r.steps) >= 3)
    quat, gyro = np.array([1.0, 0, 0, 0]), np.zeros(3)
    q = np.array(a1.INIT_POSE)
    assert np.allclose(vectors(r.steps[-1])['vector'], a1.observation(quat, gyro, q), atol=1e-6)
    reward, _ = a1.reward(a1.up_z(quat), a1.normalize_angles(q), 0.0, np.zeros(3))
    assert abs(r.steps[-1].reward - reward) < 1e-4 and r.steps[0].reward == 0.0


def test_a1_bridge_drops_bad_joint_states_and_stale_data_with_one_warning_each(rig):
    r = rig('a1', sim=False)
    driver = FakeA1(r)
    r.spin_until(lambda: len(r.steps) >= 2)

    def missing(msg):
        keep = [i for i, n in enumerate(msg.name) if n not in ('FR_calf_joint', 'RL_hip_joint')]
        msg.name, msg.position = [msg.name[i] for i in keep], [msg.position[i] for i in keep]
        msg.velocity, msg.effort = [], []
    driver.edit = missing
    r.spin(0.5)   # ~50 bad messages
    text = warnings('joint_states dropped: joint_states lacks 2 of the 12 joints')
    assert len(text) == 1 and 'FR_calf_joint, RL_hip_joint' in text[0]
    stale = warnings('no step sent, holding the pose: joint_states is')
    assert len(stale) == 1 and 'stale_timeout 0.3 s' in stale[0]
    count = len(r.steps)
    r.spin(0.2)
    assert len(r.steps) == count, 'no Step from stale driver data'

    def nan(msg):
        msg.position = [float('nan')] + list(msg.position[1:])
    driver.edit = nan
    r.spin(0.3)
    text = warnings('joint_states dropped: joint_states position is not finite')
    assert len(text) == 1 and 'FR_hip_joint' in text[0]
    assert len(r.steps) == count

    driver.edit = None   # good data again: Steps resume
    r.spin_until(lambda: len(r.steps) > count + 2)
    driver.running = False
    count = len(r.steps)
    r.spin(0.6)
    assert len(r.steps) <= count + 7, 'Steps stop once the data is older than stale_timeout'
    r.spin(0.3)
    assert len(warnings('no step sent, holding the pose')) == 1, 'throttled: one report per 5 s'


def test_a1_bridge_ignores_late_actions_with_one_warning(rig):
    r = rig('a1', sim=False)
    FakeA1(r)
    r.spin_until(lambda: len(r.steps) >= 5)
    for _ in range(3):
        r.action_pub.publish(convert.action_to_msg(np.ones(12, np.float32), episode=0, step=1, mode=0))
    r.spin(0.1)
    text = warnings('action for step 1 arrived after step')
    assert len(text) == 1 and text[0].endswith('ignored')
    assert r.safety[-1].startswith('holding'), 'a late action does not feed the watchdog or move the robot'
    for _ in range(10):  # a Step may go out between reading the newest and the answer (then it is late): retry
        r.action_pub.publish(convert.action_to_msg(np.ones(3, np.float32), episode=0, step=r.steps[-1].step,
                                                   mode=0))
        r.spin(0.05)
        if warnings('bad action for step'):
            break
    assert len(warnings('bad action for step')) == 1 and 'expected 12' in warnings('bad action for step')[0]


# ------------------------------------------------------------------------------------------------------ arms

@pytest.mark.parametrize('robot', ['ur5', 'xarm'])
def test_arm_bridge_steps_and_moves_on_discrete_actions(rig, robot):
    r = rig(robot)
    actions = iter([None, 0, 1, 2, 3, 0, 1])   # first the actor holds: the arm stays, the next Step comes

    def policy(msg):
        action = next(actions)
        mode = Action.MODE_HOLD if action is None else Action.MODE_EXPLORE
        return convert.action_to_msg(action if action is None else np.int64(action), episode=msg.episode,
                                     step=msg.step, mode=mode)
    r.policy = policy
    r.spin_until(lambda: len(r.steps) >= 5, timeout=15.0)
    assert np.allclose(vectors(r.steps[1])['joint_positions'], vectors(r.steps[0])['joint_positions'], atol=0.01)
    first = r.steps[0]
    assert first.is_first and first.robot == robot and first.step == 0
    assert {t.key for t in first.vectors} == {'cartesian_position', 'joint_positions', 'gripper_pos',
                                              'gripper_side', 'grasped_side'}
    named = {n.key: n.image for n in first.images}
    assert set(named) == ({'image', 'depth'} if robot == 'xarm' else {'image'})
    assert (named['image'].encoding, named['image'].height, named['image'].width) == ('rgb8', 64, 64)
    if robot == 'xarm':
        assert (named['depth'].encoding, named['depth'].height, named['depth'].width) == ('mono8', 64, 64)
    assert fits(first, robot)['image'].shape == (64, 64, 3)
    xy = np.array([vectors(s)['cartesian_position'][:2] for s in r.steps])
    assert np.abs(np.diff(xy, axis=0)).max() > 0.02, 'the tool moves between Steps'
    assert len(r.commands) > 4 and all(len(c.data) == 6 for c in r.commands)
    assert r.gripper and all(len(g.data) == 1 and g.data[0] in (0.0, 1.0) for g in r.gripper)
    assert not warnings('dropped') and not warnings('no step sent')


def test_arm_bridge_refuses_a_wrong_size_camera(rig):
    r = rig('ur5', sim_params={'image_height': 48, 'image_width': 48})
    r.spin(1.5)
    assert not r.steps
    text = warnings('camera/image_raw dropped: camera/image_raw is 48x48x3 (HxWxC), expected 64x64x3')
    assert len(text) == 1 and 'resize' in text[0]


def test_arm_bridge_names_a_wrong_encoding_and_missing_joints(rig):
    r = rig('xarm', sim=False)
    cfg = CONFIGS['xarm']
    joints = r.probe.create_publisher(JointState, 'joint_states', qos.SENSOR)
    rgb = r.probe.create_publisher(Image, 'camera/image_raw', qos.SENSOR)
    depth = r.probe.create_publisher(Image, 'camera/depth/image_raw', qos.SENSOR)
    for _ in range(5):
        joints.publish(JointState(name=list(cfg.joints), position=[0.0] * 6))   # no gripper joint
        rgb.publish(images.to_msg(np.zeros((64, 64, 1), np.uint8), 'mono8'))
        depth.publish(images.to_msg(np.zeros((64, 64, 3), np.uint8), 'rgb8'))
        r.spin(0.05)
    text = warnings("camera/image_raw dropped: expected an rgb8 or bgr8 image, got 'mono8'")
    assert len(text) == 1
    assert len(warnings("camera/depth/image_raw dropped: expected a 32FC1 image (metres), got 'rgb8'")) == 1
    text = warnings('joint_states dropped: joint_states lacks 1 of the 1 joints')
    assert len(text) == 1 and 'drive_joint' in text[0]
    assert not r.steps


def test_arm_bridge_waits_without_actions_pause_sends_is_last_at_once_and_resume_starts_an_episode(rig):
    r = rig('ur5', bridge_params={'watchdog_timeout': 0.4})
    r.spin_until(lambda: r.steps, timeout=15.0)   # the first Step; no action comes
    commands = len(r.commands)
    r.spin(0.6)
    assert warnings('no action for 0.4 s; the arm waits where it is') and len(r.commands) == commands
    assert r.call(Trigger, 'pause').success
    r.spin_until(lambda: len(r.steps) == 2)
    assert r.steps[1].is_last
    r.spin(0.5)
    assert len(r.steps) == 2 and r.gripper and r.gripper[-1].data[0] == 0.0, 'paused: the gripper opens'
    assert r.call(Trigger, 'resume').success
    r.spin_until(lambda: len(r.steps) == 3)
    assert r.steps[2].is_first and r.steps[2].episode == 1


# ------------------------------------------------------------------------------------------------------ Sphero

def test_sphero_bridge_steps_and_drives_raw_motor(rig):
    r = rig('sphero')
    r.answer(np.array([1.0, 1.0], np.float32))
    r.spin_until(lambda: r.steps, timeout=5.0)
    assert np.abs(data(r.motors)).max() == 100 / 255, 'the scripted reset drives at 100 of 255'
    del r.motors[:]
    r.spin_until(lambda: len(r.steps) >= 4, timeout=5.0)
    assert r.steps[0].is_first and all(s.robot == 'sphero' for s in r.steps)
    image = {n.key: n.image for n in r.steps[-1].images}['image']
    assert (image.encoding, image.height, image.width) == ('rgb8', 64, 64)
    assert fits(r.steps[-1], 'sphero')['image'].shape == (64, 64, 3)
    assert all(-2.0 < s.reward <= 0.0 for s in r.steps) and r.steps[-1].reward < 0.0
    motors = data(r.motors)
    assert np.allclose(motors.max(0), [70 / 255, 70 / 255]), 'action (1, 1) -> 70 of 255 per wheel'
    r.policy = None
    r.spin(0.4)
    assert np.allclose(r.motors[-1].data, [0.0, 0.0]), 'the motors stop after the action'
    assert not r.twists


def test_sphero_bridge_can_drive_on_cmd_vel(rig):
    r = rig('sphero', bridge_params={'command_interface': 'cmd_vel'})
    r.answer(np.array([1.0, 0.5], np.float32))
    r.spin_until(lambda: r.steps, timeout=5.0)
    del r.twists[:]   # the scripted reset's
    r.spin_until(lambda: len(r.steps) >= 3, timeout=5.0)
    assert not r.motors and r.twists
    fast = max(r.twists, key=lambda t: t.linear.x)
    left, right = 70 / 255, 35 / 255
    assert abs(fast.linear.x - bridge.SPHERO_FULL_SPEED * (left + right) / 2) < 1e-9
    assert abs(fast.angular.z - bridge.SPHERO_FULL_SPEED * (right - left) / (2 * bridge.SPHERO_TURN_RADIUS)) < 1e-9
    assert np.allclose(bridge.twist_to_motors(fast.linear.x, fast.angular.z), [left, right]), 'the sim inverts it'
    assert abs(r.sim.env.driver_state(image=False)['linear'][0]) > 0.05, 'the twin drives on cmd_vel'


def test_sphero_bridge_watchdog_and_bad_images(rig):
    r = rig('sphero', sim=False, bridge_params={'watchdog_timeout': 0.3})
    camera = r.probe.create_publisher(Image, 'overhead_camera/image_raw', qos.SENSOR)
    frame = images.to_msg(np.zeros((120, 160, 3), np.uint8), 'rgb8')
    r.probe.create_timer(0.05, lambda: camera.publish(frame))
    r.spin_until(lambda: r.steps, timeout=5.0)
    r.spin(0.8)
    text = warnings('no action within 0.3 s of step')
    assert len(text) == 1 and text[0].endswith('motors stopped')
    assert r.safety[-1] == 'holding: watchdog: no fresh action'
    for _ in range(3):
        camera.publish(images.to_msg(np.zeros((120, 160), np.float32), '32FC1'))
    r.spin(0.1)
    assert len(warnings("overhead_camera/image_raw dropped: expected an rgb8 or bgr8 image, got '32FC1'")) == 1


# ------------------------------------------------------------------------------------------------------ teleop

def test_teleop_keys_map_to_the_bridge_services():
    assert service_for('p', '/a1_bridge') == '/a1_bridge/pause'
    assert service_for('c', '/robot/arm_bridge/') == '/robot/arm_bridge/resume'
    assert service_for('R', '/a1_bridge') == '/a1_bridge/hard_reset'
    assert service_for('q', '/a1_bridge') == service_for('\x03', '/a1_bridge') == 'quit'
    assert service_for('x', '/a1_bridge') is None and service_for(' ', '/a1_bridge') is None


def test_a1_bridge_runs_on_sim_time_from_the_sim_clock(rig):
    r = rig('a1', sim_params={'publish_clock': True, 'real_time_factor': 0.5},
            bridge_params={'use_sim_time': True})
    r.answer(np.zeros(12, np.float32))
    start = r.sim.sim_time()   # the twin's reset already simulated a moment
    r.spin(1.2)
    end = r.sim.sim_time()
    stamps = np.array([s.header.stamp.sec + s.header.stamp.nanosec * 1e-9 for s in r.steps])
    assert 0.1 < end - start < 0.7, 'at most half real time (less when the machine is busy)'
    assert abs(len(stamps) - (end - start) * 20) <= 3, '20 Steps per simulated second'
    assert start < stamps[0] and stamps[-1] <= end + 1e-6, 'stamped with sim time'
    assert np.allclose(np.diff(stamps), 0.05, atol=0.011)
