"""
The robot bridges on a real ROS 2 graph, against the `sim` node or a fake driver.

They cover Steps at the control rate with the core's observation and reward, actions turned into driver commands,
the watchdog's hold, the episode services, and bad input that is dropped with one clear, throttled warning per
kind; plus teleop_key's key mapping.

The nodes run on wall-clock timers in one executor, slower on a busy machine: the tests wait for what they
assert (with generous timeouts) rather than for fixed times, except where a fixed time is the point (a rate).
"""

import time

from daydreamer_interfaces.msg import Action, Step
from daydreamer_interfaces.srv import ResetEpisode
from daydreamer_ros import convert, images, qos
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import Twist
from nav_msgs.msg import Odometry
import numpy as np
import pytest
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from rclpy.qos import DurabilityPolicy, HistoryPolicy, LivelinessPolicy, QoSProfile, ReliabilityPolicy
from robot_bridges.a1_bridge import A1Bridge, unitree_messages
from robot_bridges.arm_bridge import ArmBridge
from robot_bridges.sim_node import SimNode
from robot_bridges.sphero_bridge import SpheroBridge
from robot_bridges.teleop_key import service_for
from ros_testing import wait_for_matches
from sensor_msgs.msg import Image, Imu, JointState
from sphero_interfaces.msg import RawMotorCommand
from std_msgs.msg import Float64MultiArray, String
from std_srvs.srv import Trigger
from trajectory_msgs.msg import JointTrajectory

from daydreamer import robots
from daydreamer.envs import make
from daydreamer.envs.arm import CONFIGS
from daydreamer.robots import a1, sphero, unitree


NS = '/robot'
BRIDGES = {'a1': A1Bridge, 'ur5': ArmBridge, 'xarm': ArmBridge, 'sphero': SpheroBridge}
FAST = {   # parameters that keep each test at a few seconds of real time
    'a1': {'stale_timeout': 0.3},
    'ur5': {'speed': 1.0, 'command_rate': 100.0},
    'xarm': {'speed': 1.0, 'command_rate': 100.0},
    'sphero': {'reset_moves': 1, 'reset_move_duration': 0.2, 'reset_wait': 0.1, 'control_rate': 5.0,
               'action_duration': 0.1},
}


# The probe records every Step (the actor's own subscription keeps only the newest: a busy executor would lose some)
RECORD = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1000, reliability=ReliabilityPolicy.RELIABLE,
                    durability=DurabilityPolicy.VOLATILE, liveliness=LivelinessPolicy.AUTOMATIC)


def overrides(params):
    return [Parameter(k, value=v) for k, v in params.items()]


def warm_up(sim, robot):
    """
    Spin the sim node alone until it has published its first frame.

    Its renderer starts on the first one, which takes a while on a busy machine: the driver is up before the bridge
    starts watching its data. The A1 twin renders nothing and, like the legged SDK's driver, publishes its
    low_state only in answer to a low_cmd.
    """
    if robot == 'a1':
        return
    topic, msg_type = {'a1': ('joint_states', JointState), 'sphero': ('overhead_camera/image_raw', Image)}.get(
        robot, ('camera/image_raw', Image))
    node = rclpy.create_node('warm_up', namespace=NS)
    received = []
    node.create_subscription(msg_type, topic, received.append, qos.SENSOR)
    wait_for_matches([sim, node])
    executor = SingleThreadedExecutor()
    for n in (sim, node):
        executor.add_node(n)
    deadline = time.monotonic() + 30.0
    while not received:
        assert time.monotonic() < deadline, f'the sim published no {topic} within 30 s'
        executor.spin_once(timeout_sec=0.01)
    for n in (sim, node):
        executor.remove_node(n)
    node.destroy_node()
    executor.shutdown()


class Rig:
    """A bridge, optionally the sim node, and a probe node playing actor and operator (and fake driver)."""

    def __init__(self, robot, ros_log, sim=True, bridge_params=None, sim_params=None):
        self.robot, self.nodes, self.ros_log = robot, [], ros_log
        if sim:
            self.sim = SimNode(namespace=NS, parameter_overrides=overrides(
                {'robot': robot, 'camera_rate': 20.0, **(sim_params or {})}))
            self.nodes.append(self.sim)
            warm_up(self.sim, robot)
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
        p.create_subscription(Step, 'step', self.on_step, qos.STEP)   # the fake actor
        p.create_subscription(Step, 'step', self.steps.append, RECORD)
        p.create_subscription(Float64MultiArray, 'forward_position_controller/commands', self.commands.append,
                              qos.COMMAND)
        p.create_subscription(Float64MultiArray, 'gripper_controller/commands', self.gripper.append, qos.COMMAND)
        self.trajectories = []   # the xArm's trajectory controller's
        p.create_subscription(JointTrajectory, 'xarm6_traj_controller/joint_trajectory', self.trajectories.append,
                              qos.COMMAND)
        p.create_subscription(RawMotorCommand, 'raw_motor_command', self.motors.append, qos.COMMAND)
        p.create_subscription(Twist, 'cmd_vel', self.twists.append, qos.COMMAND)
        p.create_subscription(String, 'safety_state', self.on_safety, qos.LATCHED)
        self.diagnostics = []
        p.create_subscription(DiagnosticArray, 'diagnostics', self.diagnostics.append, qos.DIAGNOSTICS)
        self.odom, self.joints = [], []   # the sim's
        if robot == 'a1':   # the legged SDK driver's topics (driver_interface unitree_legged, the default)
            low_cmd, low_state = unitree_messages()
            p.create_subscription(low_cmd, 'low_cmd', lambda m: self.commands.append(a1_targets(m)), qos.COMMAND)
        if robot == 'sphero' and sim:
            p.create_subscription(Odometry, 'odom', self.odom.append, qos.SENSOR)
        elif robot == 'a1' and sim:   # the twin's answers to the bridge's low_cmd, as joint states
            p.create_subscription(low_state, 'low_state', lambda m: self.joints.append(a1_joints(m)), qos.SENSOR)
        elif sim:
            p.create_subscription(JointState, 'joint_states', self.joints.append, qos.SENSOR)
        self.changed = {}   # safety state -> how many commands had arrived when it was last entered
        self.action_pub = p.create_publisher(Action, 'action', qos.ACTION)
        self.executor = SingleThreadedExecutor()
        for node in self.nodes:
            self.executor.add_node(node)
        self.wait_for_matches()

    def wait_for_matches(self):
        """Wait for discovery: every topic between the nodes connected (call again after adding endpoints)."""
        wait_for_matches(self.nodes)

    def on_step(self, msg):
        action = self.policy(msg) if self.policy is not None else None
        if action is not None:
            self.action_pub.publish(action)

    def settled(self):
        """Whether the sim's joints stand still (the last 10 joint_states)."""
        return len(self.joints) >= 10 and np.abs([m.velocity for m in self.joints[-10:]]).max() < 0.1

    def state(self):
        """Return the newest safety_state, or '' before the first arrived."""
        return self.safety[-1] if self.safety else ''

    def on_safety(self, msg):
        self.safety.append(msg.data)
        self.changed[msg.data] = len(self.commands)

    def held(self, state):
        """
        Return the commands certainly sent after `state` was entered.

        The executor takes one message per topic at a time, so when the safety_state message is handled, up to a
        queue's depth of older commands may still wait for their turn: they are skipped.
        """
        return data(self.commands[self.changed[state] + qos.COMMAND.depth:])

    def answer(self, action, mode=Action.MODE_EXPLORE):
        """Answer every Step with `action` (None with MODE_HOLD for a hold)."""
        self.policy = lambda msg: convert.action_to_msg(action, episode=msg.episode, step=msg.step, mode=mode)

    def spin(self, seconds):
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.executor.spin_once(timeout_sec=min(left, 0.01))

    def spin_until(self, predicate, timeout=10.0, what='the condition'):
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f'timed out after {timeout} s waiting for {what}'
            self.executor.spin_once(timeout_sec=0.01)

    def call(self, srv_type, name, request=None):
        client = self.probe.create_client(srv_type, f'/robot/{self.bridge.get_name()}/{name}')
        self.spin_until(client.service_is_ready, what=f'service {name}')
        future = client.call_async(request if request is not None else srv_type.Request())
        self.spin_until(future.done, what=f'the answer of {name}')
        self.probe.destroy_client(client)
        return future.result()

    def reports(self, since=0):
        """Return the bridge's diagnostics values (dicts) received after the first `since` reports."""
        return [{kv.key: kv.value for kv in msg.status[0].values} for msg in self.diagnostics[since:]]

    def warnings(self, contains):
        """Return the WARN log lines so far that contain `contains`."""
        return [line for line in self.ros_log(contains) if line.startswith('[WARN]')]

    def close(self):
        for node in self.nodes:
            self.executor.remove_node(node)
            node.destroy_node()
        self.executor.shutdown()


@pytest.fixture
def rig(ros, ros_log):
    rigs = []

    def make(robot, **kwargs):
        rigs.append(Rig(robot, ros_log, **kwargs))
        return rigs[-1]
    yield make
    for r in rigs:
        r.close()


def vectors(step):
    return {t.key: np.asarray(t.data, np.float32).reshape(tuple(t.shape)) for t in step.vectors}


def fits(step, robot):
    """Return the Step's observation, checked against the spaces the actor uses for this robot (its dummy task's)."""
    with make(f'{robot}_dummy') as env:
        return convert.step_to_obs(step, dict(env.obs_space))


def data(msgs):
    return np.array([list(m.data) for m in msgs])


# ------------------------------------------------------------------------------------------------------ A1

ROS2_CONTROL = {'driver_interface': 'ros2_control'}   # the fake driver below speaks joint_states and the IMU


def a1_targets(msg):
    """Return the 12 position targets of a LowCmd (SDK motor order = JOINT_NAMES), as the forward controller's."""
    return Float64MultiArray(data=[float(msg.motor_cmd[i].q) for i in unitree.MOTORS])


def a1_joints(msg):
    """Return a LowState's 12 motors as a JointState."""
    motors = [msg.motor_state[i] for i in unitree.MOTORS]
    return JointState(name=list(a1.JOINT_NAMES), position=[m.q for m in motors], velocity=[m.dq for m in motors],
                      effort=[m.tau_est for m in motors])


def test_a1_bridge_steps_at_20hz_and_streams_the_answered_actions(rig):
    r = rig('a1')
    r.answer(np.full(12, 0.3, np.float32))
    r.spin_until(lambda: r.steps, what='the first Step')
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
    commands = commands[(commands < unitree.POS_STOP_F).all(1)]   # not the damping sent before the first state
    assert len(commands) > 60 and commands.shape[1] == 12   # 200 in 1 s on an idle machine
    assert np.ptp(commands, axis=0).max() > 0.01, 'the commands move'
    assert r.safety[-1] == 'ok'
    assert np.abs(commands[-1] - r.joints[-1].position).max() <= 0.2 + 0.05


def test_a1_watchdog_holds_the_pose_without_actions_and_on_hold(rig):
    r = rig('a1')
    r.answer(np.full(12, 0.5, np.float32))
    r.spin_until(lambda: r.state() == 'ok', what="safety_state 'ok'")
    # the robot reaches the pose first: a hold in mid-motion sags further (up to the 0.2 rad clip), as it should
    r.spin_until(r.settled, timeout=20.0, what='the robot to stand still')
    r.policy = None   # the actor stops answering
    watchdog = 'holding: watchdog: no fresh action'
    r.spin_until(lambda: r.state() == watchdog, what='the watchdog')
    steps = len(r.steps)
    r.spin_until(lambda: len(r.held(watchdog)) > 10 and len(r.steps) > steps + 5,
                 what='hold commands, and Steps going out while holding')
    assert r.safety[-1] == watchdog
    assert len(r.warnings('no fresh action for 0.25 s: holding the pose')) == 1
    held = r.held(watchdog)
    assert np.ptp(held, axis=0).max() < 1e-9, 'one constant hold command'
    measured = r.joints[-1].position
    assert np.abs(held[-1] - measured).max() < 0.05, 'the hold pose is the measured one'

    r.answer(np.full(12, -0.5, np.float32))   # acting again, then the actor holds
    r.spin_until(lambda: r.state() == 'ok', what="safety_state 'ok'")
    since = len(r.diagnostics)
    r.spin_until(lambda: [d for d in r.reports(since) if d['safety_state'] == 'ok'] and r.settled(), timeout=20.0,
                 what='diagnostics while acting, the robot standing still')
    trips = [d for d in r.reports(since) if d['safety_state'] == 'ok'][0]['watchdog_trips']
    r.answer(None, mode=Action.MODE_HOLD)
    hold = 'holding: the actor holds (MODE_HOLD)'
    r.spin_until(lambda: r.state() == hold, what='the hold')
    since = len(r.diagnostics)
    # two diagnostics (1 Hz) while holding: the second comes after a second of HOLD answers, four watchdog timeouts
    r.spin_until(lambda: len(r.held(hold)) > 10 and sum(d['safety_state'] == hold for d in r.reports(since)) >= 2,
                 what='hold commands and diagnostics')
    held = r.held(hold)
    assert r.safety[-1] == hold and np.ptp(held, axis=0).max() < 1e-9
    assert r.reports()[-1]['watchdog_trips'] == trips, 'HOLD answers are fresh actions: the watchdog does not trip'
    assert len(r.warnings('no fresh action')) == 1


def test_a1_services_pause_resume_reset_episode_and_hard_reset(rig):
    r = rig('a1')
    r.answer(np.zeros(12, np.float32))
    r.spin_until(lambda: len(r.steps) >= 5, what='Steps')
    assert r.call(Trigger, 'pause').success
    r.spin_until(lambda: r.steps[-1].is_last, what='the Step with is_last')
    paused_at = len(r.steps)
    r.spin_until(lambda: r.state() == 'holding: paused' and len(r.held('holding: paused')) > 10,
                 what='the hold while paused')
    r.spin(0.3)
    assert len(r.steps) == paused_at, 'no Steps while paused'
    assert r.safety[-1] == 'holding: paused'
    held = r.held(r.safety[-1])
    assert np.ptp(held, axis=0).max() < 1e-9, 'the robot holds'
    episode = r.steps[-1].episode
    assert r.call(Trigger, 'resume').success
    r.spin_until(lambda: len(r.steps) > paused_at, what='a Step after resume')
    assert r.steps[paused_at].is_first and r.steps[paused_at].episode == episode + 1
    assert not r.call(Trigger, 'resume').success, 'not paused'

    response = r.call(ResetEpisode, 'reset_episode', ResetEpisode.Request(hard=False, reason='test'))
    assert response.success and response.episode == episode + 2
    count = len(r.steps)   # (a Step sent before the call may still come)
    r.spin_until(lambda: any(s.is_first for s in r.steps[count:]), what='the next episode')
    after = r.steps[count:]
    first = next(i for i, s in enumerate(after) if s.is_first)
    assert 1 <= first <= 2 and after[first - 1].is_last and after[first].episode == episode + 2

    r.spin(0.1)
    count = len(r.steps)
    assert r.call(Trigger, 'hard_reset').success
    r.spin_until(lambda: any(s.is_first for s in r.steps[count:]), what='the next episode')
    cut = [s for s in r.steps[count:] if s.is_first]
    assert cut and cut[0].episode == episode + 3, 'hard reset: a new episode, the old one cut without is_last'
    assert not any(s.is_last for s in r.steps[count:])


class FakeA1:
    """
    A fake A1 driver on the probe node.

    Standing still, 100 Hz joint_states and imu_sensor_broadcaster/imu (driver_interface ros2_control); `edit`
    changes the JointState before it goes out.
    """

    def __init__(self, rig):
        self.rig, self.edit, self.running = rig, None, True
        self.q = np.array(a1.INIT_POSE, np.float64)
        self.joint_pub = rig.probe.create_publisher(JointState, 'joint_states', qos.SENSOR)
        self.imu_pub = rig.probe.create_publisher(Imu, 'imu_sensor_broadcaster/imu', qos.SENSOR)
        rig.probe.create_timer(0.01, self.tick)
        rig.wait_for_matches()

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
    r = rig('a1', sim=False, bridge_params=ROS2_CONTROL)
    FakeA1(r)
    r.spin_until(lambda: len(r.steps) >= 3)
    quat, gyro = np.array([1.0, 0, 0, 0]), np.zeros(3)
    q = np.array(a1.INIT_POSE)
    assert np.allclose(vectors(r.steps[-1])['vector'], a1.observation(quat, gyro, q), atol=1e-6)
    reward, _ = a1.reward(a1.up_z(quat), a1.normalize_angles(q), 0.0, np.zeros(3))
    assert abs(r.steps[-1].reward - reward) < 1e-4 and r.steps[0].reward == 0.0


def test_a1_bridge_drops_bad_joint_states_and_stale_data_with_one_warning_each(rig):
    r = rig('a1', sim=False, bridge_params=ROS2_CONTROL)
    driver = FakeA1(r)
    r.spin_until(lambda: len(r.steps) >= 2, what='Steps')

    def missing(msg):
        keep = [i for i, n in enumerate(msg.name) if n not in ('FR_calf_joint', 'RL_hip_joint')]
        msg.name, msg.position = [msg.name[i] for i in keep], [msg.position[i] for i in keep]
        msg.velocity, msg.effort = [], []
    driver.edit = missing
    r.spin_until(lambda: r.warnings('no step sent, holding the pose: joint_states is'), what='the stale report')
    r.spin(0.2)   # ~20 more bad messages; a Step sent before may still come
    # merged by name across messages: the two joints go stale, then the positions are dropped
    text = r.warnings('joint_states dropped: joint_states has given no position of')
    assert len(text) == 1 and 'FR_calf_joint, RL_hip_joint for over 0.3 s' in text[0]
    stale = r.warnings('no step sent, holding the pose: joint_states is')
    assert len(stale) == 1 and 'stale_timeout 0.3 s' in stale[0]
    count = len(r.steps)
    r.spin(0.3)
    assert len(r.steps) == count, 'no Step from stale driver data'

    def nan(msg):
        msg.position = [float('nan')] + list(msg.position[1:])
    driver.edit = nan
    r.spin_until(lambda: r.warnings('joint_states dropped: joint_states position is not finite'), what='the report')
    r.spin(0.2)
    text = r.warnings('joint_states dropped: joint_states position is not finite')
    assert len(text) == 1 and 'FR_hip_joint' in text[0]
    assert len(r.steps) == count

    driver.edit = None   # good data again: Steps resume
    r.spin_until(lambda: len(r.steps) > count + 2, what='Steps on good data')
    driver.running = False
    count = len(r.steps)
    r.spin(0.6)
    assert len(r.steps) <= count + 7, 'Steps stop once the data is older than stale_timeout'
    count = len(r.steps)
    r.spin(0.3)
    assert len(r.steps) == count, 'no Steps without driver data'
    assert len(r.warnings('no step sent, holding the pose')) == 1, 'throttled: one report per 5 s'


def test_a1_bridge_ignores_late_actions_with_one_warning(rig):
    r = rig('a1', sim=False, bridge_params=ROS2_CONTROL)
    FakeA1(r)
    r.spin_until(lambda: len(r.steps) >= 5, what='Steps')
    for _ in range(3):
        r.action_pub.publish(convert.action_to_msg(np.ones(12, np.float32), episode=0, step=1, mode=0))
        r.spin(0.05)
    r.spin_until(lambda: r.warnings('action for step 1 arrived after step'), what='the report')
    r.spin(0.1)
    text = r.warnings('action for step 1 arrived after step')
    assert len(text) == 1 and text[0].endswith('ignored')
    assert r.safety[-1].startswith('holding'), 'a late action does not feed the watchdog or move the robot'
    for _ in range(40):  # a Step may go out between reading the newest and the answer (then it is late): retry
        r.action_pub.publish(convert.action_to_msg(np.ones(3, np.float32), episode=0, step=r.steps[-1].step,
                                                   mode=0))
        r.spin(0.05)
        if r.warnings('bad action for step'):
            break
    r.spin(0.1)
    text = r.warnings('bad action for step')
    assert len(text) == 1 and 'expected 12' in text[0]


# ------------------------------------------------------------------------------------------------------ arms

@pytest.mark.parametrize('robot', ['ur5', 'xarm'])
def test_arm_bridge_steps_and_moves_on_discrete_actions(rig, robot):
    """
    Drive the arm with the real drivers' interfaces (the defaults), which the sim node offers.

    UR5: forward_position_controller and the Robotiq's ParallelGripperCommand action; xArm: xarm6_traj_controller
    and xarm_gripper's GripperCommand.
    """
    r = rig(robot)
    actions = iter([None, 0, 1, 4, 2, 3, 0])   # first the actor holds: the arm stays, the next Step comes; 4 closes

    def policy(msg):
        action = next(actions)
        mode = Action.MODE_HOLD if action is None else Action.MODE_EXPLORE
        return convert.action_to_msg(action if action is None else np.int64(action), episode=msg.episode,
                                     step=msg.step, mode=mode)
    r.policy = policy
    r.spin_until(lambda: len(r.steps) >= 5, timeout=30.0, what='Steps')
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
    driver = robots.get(robot).driver
    if robot == 'ur5':   # streamed targets
        assert len(r.commands) > 4 and all(len(c.data) == 6 for c in r.commands) and not r.trajectories
    else:   # one trajectory per move, every joint named
        assert len(r.trajectories) > 2 and not r.commands
        assert all(list(t.joint_names) == list(driver.joints) and t.points for t in r.trajectories)
    assert not r.gripper, 'the gripper takes its action, not a topic'
    knuckle = [m.position[list(m.name).index(driver.gripper_joint)] for m in r.joints]
    # closed (or on the ball: the twin's fingers stop at ~0.48 of their travel on it)
    assert max(knuckle) > 0.3 * driver.gripper_closed, 'action 4 closed the gripper through its action server'
    assert max(fits(s, robot)['gripper_pos'][0] for s in r.steps) > 0.3, 'and the Steps say so'
    assert not r.warnings('dropped') and not r.warnings('no step sent') and not r.warnings('gripper action')


@pytest.mark.parametrize('robot', ['ur5', 'xarm'])
def test_arm_bridge_takes_a_camera_of_any_size(rig, robot):
    """A 4:3 camera (the sim node rendering 160x120, colour and depth): the agent sees its centre at 64x64."""
    r = rig(robot, sim_params={'image_height': 120, 'image_width': 160})
    r.answer(None, mode=Action.MODE_HOLD)  # the arm stays; the next Step comes one control period later
    r.spin_until(lambda: len(r.steps) >= 2, timeout=30.0, what='Steps')
    named = {n.key: n.image for n in r.steps[-1].images}
    assert (named['image'].height, named['image'].width) == (64, 64)
    if robot == 'xarm':
        assert (named['depth'].height, named['depth'].width) == (64, 64)
    assert not r.warnings('dropped') and not r.warnings('no step sent')


def test_arm_bridge_names_a_wrong_encoding_and_missing_joints(rig):
    r = rig('xarm', sim=False)
    cfg = CONFIGS['xarm']
    joints = r.probe.create_publisher(JointState, 'joint_states', qos.SENSOR)
    rgb = r.probe.create_publisher(Image, 'camera/image_raw', qos.SENSOR)
    depth = r.probe.create_publisher(Image, 'camera/depth/image_raw', qos.SENSOR)
    r.wait_for_matches()
    reports = ("camera/image_raw dropped: expected an rgb8 or bgr8 image, got 'mono8'",
               "camera/depth/image_raw dropped: expected a 16UC1 (millimetres) or 32FC1 (metres) image, got 'rgb8'",
               'no step sent: joint_states lacks 1 of the 1 joints')
    deadline = time.monotonic() + 10.0
    for sent in range(1000):   # at least 5 of each; the sensor QoS is best effort
        if sent >= 5 and all(r.warnings(text) for text in reports):
            break
        assert time.monotonic() < deadline, 'timed out waiting for the reports'
        joints.publish(JointState(name=list(cfg.joints), position=[0.0] * 6))   # no gripper joint
        rgb.publish(images.to_msg(np.zeros((64, 64, 1), np.uint8), 'mono8'))
        depth.publish(images.to_msg(np.zeros((64, 64, 3), np.uint8), 'rgb8'))
        r.spin(0.05)
    assert len(r.warnings(reports[0])) == 1 and len(r.warnings(reports[1])) == 1
    text = r.warnings(reports[2])
    assert len(text) == 1 and 'drive_joint' in text[0]
    assert not r.steps


def test_arm_bridge_merges_the_arm_and_the_gripper_from_separate_joint_state_messages(rig):
    """As real drivers publish them: the arm joints (shuffled) in one message, the gripper joint in another."""
    r = rig('ur5', sim=False)
    cfg = CONFIGS['ur5']
    joints = r.probe.create_publisher(JointState, 'joint_states', qos.SENSOR)
    rgb = r.probe.create_publisher(Image, 'camera/image_raw', qos.SENSOR)
    r.wait_for_matches()
    shuffled = list(reversed(cfg.joints))
    deadline = time.monotonic() + 20.0
    while not r.steps:
        assert time.monotonic() < deadline, f'no Step from split joint states: {r.warnings("")}'
        # the gripper first: an arm message before any gripper message rightly reports the gripper joint missing
        joints.publish(JointState(name=[robots.get('ur5').driver.gripper_joint], position=[0.0]))
        joints.publish(JointState(name=shuffled, position=[0.1 * i for i in range(6)]))
        rgb.publish(images.to_msg(np.zeros((480, 640, 3), np.uint8), 'bgr8'))
        r.spin(0.05)
    q = vectors(r.steps[0])['joint_positions'][:6]
    assert np.allclose(q, [0.1 * (5 - cfg.joints.index(name)) for name in cfg.joints]), 'joints taken by name'
    assert not r.warnings('dropped') and not r.warnings('lacks')


def test_arm_bridge_sends_its_step_again_to_an_actor_that_comes_up_later(rig):
    """`step` keeps one volatile Step: an actor subscribing after it went out gets it again, so the arm goes on."""
    r = rig('ur5')
    r.spin_until(lambda: r.steps, timeout=30.0, what='the first Step')   # nobody answers it
    late = []
    r.answer(np.int64(0))  # the probe answers the Steps it gets from now on: the one sent again
    r.probe.create_subscription(Step, 'step', late.append, qos.STEP)   # the actor comes up now
    r.spin_until(lambda: late, timeout=10.0, what='the Step sent again')
    assert late[0].step == r.steps[0].step and late[0].episode == r.steps[0].episode
    r.spin_until(lambda: any(s.step > late[0].step for s in r.steps), timeout=30.0, what='the next Step')


@pytest.mark.parametrize('server', ['absent', 'rejecting'])
def test_arm_bridge_reports_a_gripper_action_that_is_absent_or_rejects_and_goes_on(rig, server):
    r = rig('ur5', bridge_params={'gripper_action': 'gripper_cmd', 'gripper_command': 'GripperCommand'})
    if server == 'rejecting':
        from control_msgs.action import GripperCommand
        from rclpy.action import ActionServer, GoalResponse
        r.server = ActionServer(r.probe, GripperCommand, 'gripper_cmd', lambda handle: GripperCommand.Result(),
                                goal_callback=lambda goal: GoalResponse.REJECT)
    expected = 'rejected the goal' if server == 'rejecting' else 'is not available'
    r.answer(np.int64(4))  # every answer toggles the gripper
    r.spin_until(lambda: r.warnings(expected), timeout=30.0, what=f'the report of a gripper action {server}')
    steps = len(r.steps)
    r.spin_until(lambda: len(r.steps) >= steps + 2, timeout=30.0, what='Steps going on')
    assert not r.gripper, 'with gripper_action the gripper gets no topic commands'
    assert len(r.warnings(expected)) == 1, 'reported once (throttled)'


def test_arm_bridge_cancels_a_gripper_goal_that_never_finishes_and_goes_on(rig):
    """An action server that accepts and then hangs: the arm does not wait for it, and the goal is canceled."""
    from control_msgs.action import GripperCommand
    from rclpy.action import ActionServer, CancelResponse
    r = rig('ur5', bridge_params={'gripper_action': 'hanging', 'gripper_command': 'GripperCommand'})
    accepted, cancel_requests = [], []

    def on_cancel(goal):
        cancel_requests.append(goal)
        return CancelResponse.REJECT   # still hanging: the bridge must not depend on the server's cooperation
    # Accepted goals are never executed, so they never finish.
    r.server = ActionServer(r.probe, GripperCommand, 'hanging', lambda handle: GripperCommand.Result(),
                            handle_accepted_callback=accepted.append, cancel_callback=on_cancel)
    r.answer(np.int64(4))  # every answer toggles the gripper
    r.spin_until(lambda: r.warnings('did not finish its goal within'), timeout=40.0, what='the report')
    r.spin_until(lambda: cancel_requests, timeout=10.0, what='the cancel request')
    steps = len(r.steps)
    r.spin_until(lambda: len(r.steps) >= steps + 2, timeout=30.0, what='Steps going on')
    assert accepted and len(r.warnings('did not finish its goal within')) == 1, 'reported once (throttled)'


def test_arm_bridge_waits_without_actions_pause_sends_is_last_at_once_and_resume_starts_an_episode(rig):
    forward = {'gripper_command': 'forward_position'}   # Gazebo's gripper interface: joint positions on a topic
    r = rig('ur5', bridge_params={'watchdog_timeout': 0.4, **forward}, sim_params=forward)
    r.spin_until(lambda: r.steps, timeout=30.0, what='the first Step')   # no action comes
    r.spin(0.1)   # the reset's last commands may still wait for their turn
    commands = len(r.commands)
    r.spin_until(lambda: r.warnings('no action for 0.4 s; the arm waits where it is'), what='the report')
    r.spin(0.2)
    assert len(r.commands) == commands and len(r.steps) == 1
    opened = len(r.gripper)
    assert r.call(Trigger, 'pause').success
    r.spin_until(lambda: len(r.steps) == 2, what='the Step with is_last')
    assert r.steps[1].is_last
    r.spin_until(lambda: len(r.gripper) > opened, what='a gripper command')
    r.spin(0.5)
    assert len(r.steps) == 2 and r.gripper[-1].data[0] == 0.0, 'paused: the gripper opens'
    assert r.call(Trigger, 'resume').success
    r.spin_until(lambda: len(r.steps) == 3, what='a Step after resume')
    assert r.steps[2].is_first and r.steps[2].episode == 1


# ------------------------------------------------------------------------------------------------------ Sphero

def raw(msgs):
    return np.array([(m.left, m.right) for m in msgs])


def test_sphero_bridge_steps_and_drives_raw_motor_command(rig):
    r = rig('sphero')
    r.answer(np.array([1.0, 1.0], np.float32))
    r.spin_until(lambda: r.steps, timeout=15.0, what='the first Step')
    assert np.abs(raw(r.motors)).max() == 100, 'the scripted reset drives at 100 of 255'
    del r.motors[:]
    r.spin_until(lambda: len(r.steps) >= 4, timeout=15.0, what='Steps')
    assert r.steps[0].is_first and all(s.robot == 'sphero' for s in r.steps)
    image = {n.key: n.image for n in r.steps[-1].images}['image']
    assert (image.encoding, image.height, image.width) == ('rgb8', 64, 64)
    assert fits(r.steps[-1], 'sphero')['image'].shape == (64, 64, 3)
    assert all(-2.0 < s.reward <= 0.0 for s in r.steps) and r.steps[-1].reward < 0.0
    assert (raw(r.motors) == [70, 70]).all(), 'action (1, 1) -> 70 of 255 per wheel, integers'
    r.policy = None
    r.spin(0.35)   # the last action goes out (at most motor_period 0.25 s after the one before) and ends
    sent = len(r.motors)
    r.spin(0.45)   # the watchdog is 1.5 s
    assert len(r.motors) == sent, 'nothing is sent after a drive: the driver stops 0.2 s after its last command'
    assert not r.twists


def sphero_frame():
    """Return a 120x160 overhead frame: a dark arena with a white ball near its top right."""
    frame = np.full((120, 160, 3), 30, np.uint8)
    rows, cols = np.mgrid[:120, :160]
    frame[(rows - 40) ** 2 + (cols - 110) ** 2 <= 25] = 235
    return frame


def test_sphero_bridge_can_drive_gazebo_velocity_control(rig):
    r = rig('sphero', sim=False, bridge_params={'command_interface': 'gazebo_cmd_vel', 'action_duration': 0.3})
    camera = r.probe.create_publisher(Image, 'overhead_camera/image_raw', qos.SENSOR)
    frame = images.to_msg(sphero_frame(), 'rgb8')
    r.probe.create_timer(0.05, lambda: camera.publish(frame))
    r.wait_for_matches()
    r.answer(np.array([1.0, 0.5], np.float32))
    r.spin_until(lambda: r.steps, timeout=15.0, what='the first Step')
    del r.twists[:]   # the scripted reset's
    r.spin_until(lambda: len(r.steps) >= 3 and r.twists, timeout=15.0, what='Steps')
    assert not r.motors, 'no RawMotorCommand'
    fast = max(r.twists, key=lambda t: t.linear.x)
    left, right = 70 / 255, 35 / 255
    assert abs(fast.linear.x - sphero.FULL_SPEED * (left + right) / 2) < 1e-9
    assert abs(fast.angular.z - sphero.FULL_SPEED * (right - left) / (2 * sphero.TURN_RADIUS)) < 1e-9
    # The Steps are SpheroTask's (the class the twin's step runs) on the driver's frame: observation, reward, logs.
    obs, reward, logs = sphero.SpheroTask().observe(sphero_frame())
    got = fits(r.steps[-1], 'sphero')
    assert np.array_equal(got['image'], obs['image']) and r.steps[-1].reward == np.float32(reward) < 0.0
    assert r.steps[0].reward == 0.0, "an episode's first Step has reward 0, as the twin's"
    assert {t.key: float(np.asarray(t.data)[0]) for t in r.steps[-1].logs} == logs
    r.policy = None
    r.spin(0.5)
    assert r.twists[-1].linear.x == 0.0 and r.twists[-1].angular.z == 0.0, 'the velocity control is stopped'


def test_sphero_bridge_watchdog_and_bad_images(rig):
    r = rig('sphero', sim=False, bridge_params={'watchdog_timeout': 0.3})
    camera = r.probe.create_publisher(Image, 'overhead_camera/image_raw', qos.SENSOR)
    frame = images.to_msg(np.zeros((120, 160, 3), np.uint8), 'rgb8')
    r.probe.create_timer(0.05, lambda: camera.publish(frame))
    r.wait_for_matches()
    r.spin_until(lambda: r.steps, timeout=15.0, what='the first Step')
    r.spin_until(lambda: r.warnings('no action within 0.3 s of step'), what='the watchdog')
    r.spin(0.5)
    text = r.warnings('no action within 0.3 s of step')
    assert len(text) == 1 and text[0].endswith('motors stopped')
    assert r.safety[-1] == 'holding: watchdog: no fresh action'
    for _ in range(3):
        camera.publish(images.to_msg(np.zeros((120, 160), np.float32), '32FC1'))
    bad = "overhead_camera/image_raw dropped: expected an rgb8 or bgr8 image, got '32FC1'"
    r.spin_until(lambda: r.warnings(bad), what='the report')
    r.spin(0.1)
    assert len(r.warnings(bad)) == 1


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
    assert not r.warnings('no step sent'), 'drivers get the grace period on sim time too'
