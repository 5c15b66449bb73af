"""
Our a1_bridge against the A1's real driver interfaces.

- ros2_control (driver_interface:=ros2_control) on real ros2_control mock hardware, all separate processes in /a1:
  our A1 URDF plus a `<ros2_control>` block (mock_components/GenericSystem: the 12 joints with a position command
  and position / velocity / effort states, an IMU sensor tilted by a known roll), robot_state_publisher,
  `ros2_control_node`, and the controller manager's `spawner` for joint_state_broadcaster,
  forward_position_controller (forward_command_controller/ForwardCommandController, joints = JOINT_NAMES) and
  imu_sensor_broadcaster. With the bridge alone (this test plays the actor, a fixed action): Steps at ~20 Hz,
  actions move the mock joints through the real forward controller, the way the action says (within the safety
  filter's 0.2 rad clip), the IMU's orientation reaches the Step. With `a1_real.launch.py learner:=false` (bridge and
  actor node, driver_interface ros2_control from bridge_params_file): the actor node answers every Step on its
  random policy at 20 Hz, its actions move the mock joints, the commands follow the joints within the clip; its
  ~/set_mode hold makes the bridge hold the measured pose (safety_state 'holding', the joints still).
- unitree_legged (the default): our sim node (which answers every LowCmd with one LowState, as unitree_ros2_to_real's
  ros2_udp LOWLEVEL does) and the bridge: Steps, actions move the twin's joints, the LowCmds are what the legged SDK
  expects (head, level_flag, servo mode, SDK motor order, PosStopF / VelStopF in the unused slots 12..19, finite
  gains), one low_state per low_cmd, damping before the first state.
- Bad driver data on either interface (NaN, a missing joint, a non-unit quaternion): one throttled warning each, no
  Step from it, the node keeps commanding and holds the pose. A missing message package: one clear error.
"""

from pathlib import Path
import subprocess
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from test_launch_graph import check_actions_echo_steps, Launch, Probe, write_parameter_files

from daydreamer.robots import a1, unitree

NS = '/a1'
ROLL = 0.2   # rad: the mock IMU's initial orientation, a roll the Step's observation must show
SENSOR, FRAME = 'imu_sensor', 'imu_link'


# ------------------------------------------------------------------------------------------------ ros2_control


def share(package, *names):
    from ament_index_python.packages import get_package_share_directory, PackageNotFoundError
    try:
        return Path(get_package_share_directory(package), *names)
    except PackageNotFoundError:
        pytest.skip(f'{package} is not installed (../shared/ros2 has it in its drivers overlay)')


def mock_description():
    """Our A1 URDF plus a ros2_control block: mock_components/GenericSystem with the 12 joints and an IMU."""
    root = ET.parse(a1.URDF_PATH).getroot()
    control = ET.SubElement(root, 'ros2_control', name='a1_mock', type='system')
    ET.SubElement(ET.SubElement(control, 'hardware'), 'plugin').text = 'mock_components/GenericSystem'

    def interface(parent, kind, name, initial=0.0):   # GenericSystem leaves a sensor's states NaN without one
        element = ET.SubElement(parent, kind, name=name)
        if kind == 'state_interface':
            ET.SubElement(element, 'param', name='initial_value').text = f'{initial:.6f}'

    for name, q in zip(a1.JOINT_NAMES, a1.INIT_POSE):
        joint = ET.SubElement(control, 'joint', name=name)
        interface(joint, 'command_interface', 'position')
        interface(joint, 'state_interface', 'position', q)
        interface(joint, 'state_interface', 'velocity')
        interface(joint, 'state_interface', 'effort')
    sensor = ET.SubElement(control, 'sensor', name=SENSOR)
    orientation = {'x': np.sin(ROLL / 2), 'y': 0.0, 'z': 0.0, 'w': np.cos(ROLL / 2)}
    for axis, value in orientation.items():
        interface(sensor, 'state_interface', f'orientation.{axis}', value)
    for axis in 'xyz':
        interface(sensor, 'state_interface', f'angular_velocity.{axis}')
    for axis in 'xyz':
        interface(sensor, 'state_interface', f'linear_acceleration.{axis}', 9.81 if axis == 'z' else 0.0)
    return ET.tostring(root, encoding='unicode')


def controllers(path):
    import yaml
    params = {
        f'{NS}/controller_manager': {'ros__parameters': {
            'update_rate': 200,
            'joint_state_broadcaster': {'type': 'joint_state_broadcaster/JointStateBroadcaster'},
            'forward_position_controller': {'type': 'forward_command_controller/ForwardCommandController'},
            'imu_sensor_broadcaster': {'type': 'imu_sensor_broadcaster/IMUSensorBroadcaster'}}},
        f'{NS}/forward_position_controller': {'ros__parameters': {'joints': list(a1.JOINT_NAMES),
                                                                  'interface_name': 'position'}},
        f'{NS}/imu_sensor_broadcaster': {'ros__parameters': {'sensor_name': SENSOR, 'frame_id': FRAME}},
    }
    path.write_text(yaml.safe_dump(params))
    return path


@pytest.fixture(scope='module')
def mock_a1(tmp_path_factory):
    for package in ('controller_manager', 'joint_state_broadcaster', 'forward_command_controller',
                    'imu_sensor_broadcaster'):
        share(package)
    tmp = tmp_path_factory.mktemp('mock_a1')
    runs = []
    try:
        runs.append(Launch(['robot_state_publisher', 'robot_state_publisher', '--ros-args', '-r', f'__ns:={NS}',
                            '-p', f'robot_description:={mock_description()}'], tmp / 'rsp.log',
                           command=('ros2', 'run')))
        runs.append(Launch(['controller_manager', 'ros2_control_node', '--ros-args', '-r', f'__ns:={NS}',
                            '--params-file', str(controllers(tmp / 'controllers.yaml'))], tmp / 'cm.log',
                           command=('ros2', 'run')))
        spawner = subprocess.run(['ros2', 'run', 'controller_manager', 'spawner', 'joint_state_broadcaster',
                                  'forward_position_controller', 'imu_sensor_broadcaster', '-c',
                                  f'{NS}/controller_manager', '--controller-manager-timeout', '60'],
                                 capture_output=True, text=True, timeout=120)
        assert spawner.returncode == 0, spawner.stdout + spawner.stderr + runs[1].text()[-3000:]
        yield runs
    finally:
        for run in reversed(runs):
            run.close()


def positions(msg):
    """Our 12 joints of a JointState, by name (joint_state_broadcaster has its own order)."""
    index = {name: i for i, name in enumerate(msg.name)}
    return np.array([msg.position[index[name]] for name in a1.JOINT_NAMES])


def watch(probe):
    """Record the mock's joint_states, IMU and forward controller commands; return the three lists."""
    from daydreamer_ros import qos
    from sensor_msgs.msg import Imu, JointState
    from std_msgs.msg import Float64MultiArray
    return (probe.record(JointState, f'{NS}/joint_states', qos.SENSOR),
            probe.record(Imu, f'{NS}/imu_sensor_broadcaster/imu', qos.SENSOR),
            probe.record(Float64MultiArray, f'{NS}/forward_position_controller/commands', qos.COMMAND))


def check_commands_follow_the_joints(commands, joints):
    """Each command (second half of the run) is within the safety filter's 0.2 rad of the joints reported before it."""
    k = 0
    for t, command in commands[len(commands) // 2:]:
        while k + 1 < len(joints) and joints[k + 1][0] <= t:
            k += 1
        assert np.abs(np.asarray(command.data) - positions(joints[k][1])).max() <= 0.2 + 0.1


def test_ros2_control_mock_hardware_steps_moves_the_joints_and_reads_the_imu(mock_a1, tmp_path):
    from ament_index_python.packages import get_package_share_directory
    from daydreamer_interfaces.msg import Step
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    config = Path(get_package_share_directory('daydreamer_bringup'), 'config', 'a1_bridge.yaml')
    action = np.full(12, 0.3, np.float32)   # thigh 0.9 -> 2.6 rad, calf -1.8 -> -1.9 rad, hip 0 -> 0.2 rad
    probe = Probe(NS, name='a1_mock_probe')
    # reliable and deep: the probe's one thread also takes joint_states and commands at 200 Hz each
    recorded_steps = probe.record(Step, f'{NS}/step', QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE))
    recorded_joints, _, recorded_commands = watch(probe)
    probe.play_actor(lambda step: action)
    bridge = Launch(['robot_bridges', 'a1_bridge', '--ros-args', '-r', f'__ns:={NS}', '--params-file', str(config),
                     '-p', 'driver_interface:=ros2_control'], tmp_path / 'bridge.log', command=('ros2', 'run'))
    try:
        try:
            probe.wait(lambda: len(recorded_steps) >= 5, 60.0, 'five Steps')
            start = time.monotonic()
            probe.wait(lambda: recorded_steps[-1][0] - start > 2.0, 10.0, '2 s of Steps')
        except AssertionError as e:
            raise AssertionError(f'{e}\n--- bridge:\n{bridge.text()[-4000:]}') from None
        with probe.cond:
            steps, joints, commands = list(recorded_steps), list(recorded_joints), list(recorded_commands)
        window = [t for t, _ in steps if t >= start]
        # the median period: robust to one stall of a busy (2-core CI) machine, as test_launch_graph's rate check
        period = float(np.median(np.diff(window)))
        assert abs(period - 0.05) <= 0.15 * 0.05, f'median Step period {period * 1e3:.1f} ms (20 Hz)'
        indexes = [s.step for _, s in steps]
        assert indexes == list(range(indexes[0], indexes[0] + len(indexes))) and steps[0][1].robot == 'a1'

        # the IMU's orientation (a roll of ROLL rad, quaternion x, y, z, w from imu_sensor_broadcaster) in the Step
        vector = {v.key: np.asarray(v.data) for v in steps[-1][1].vectors}['vector']
        assert vector[0] == pytest.approx(ROLL, abs=1e-4) and abs(vector[1]) < 1e-6, vector[:4]

        # the commands stream at ~200 Hz; each is within 0.2 rad of the joints the mock reported just before it
        assert len(commands) > 200, f'{len(commands)} commands'
        first = positions(joints[0][1])
        assert np.allclose(first, a1.INIT_POSE, atol=1e-6), 'the mock starts at its initial values'
        target = a1.unnormalize_action(action)
        last = positions(joints[-1][1])
        assert np.abs(last - first).max() > 0.3, 'the action moved the mock joints'
        assert (np.sign(last - first) == np.sign(target - first))[np.abs(target - first) > 0.05].all()
        check_commands_follow_the_joints(commands, joints)
        # GenericSystem mirrors the position command: joint_states follow the forward controller's commands
        latest = np.asarray(commands[-1][1].data)
        probe.wait(lambda: np.abs(positions(recorded_joints[-1][1]) - latest).max() < 0.25, 2.0,
                   'joint_states at the commanded positions')
        assert np.allclose(vector[4:], positions(joints[-1][1]), atol=0.25), 'the Step reports the joints'
        assert 'dropped' not in bridge.text() and 'stale' not in bridge.text(), bridge.text()[-3000:]
    finally:
        bridge.close()
        probe.close()


def test_our_real_launch_and_actor_drive_the_ros2_control_mock_and_hold_it(mock_a1, tmp_path):
    """
    `a1_real.launch.py learner:=false` with driver_interface ros2_control: the actor node's actions move the mock.

    The actor acts on its random policy (no weights yet); then ~/set_mode hold makes the bridge hold the pose.
    """
    import yaml
    from daydreamer_interfaces.msg import Action, Step
    from daydreamer_interfaces.srv import SetActorMode
    from daydreamer_ros import qos
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from std_msgs.msg import String
    probe = Probe(NS, name='a1_launch_probe')
    deep = QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE)
    steps, actions = probe.record(Step, f'{NS}/step', deep), probe.record(Action, f'{NS}/action', deep)
    safety = probe.record(String, f'{NS}/safety_state', qos.LATCHED)
    joints, _, commands = watch(probe)
    bridge_params = tmp_path / 'bridge.yaml'
    bridge_params.write_text(yaml.safe_dump({'/**': {'ros__parameters': {'driver_interface': 'ros2_control'}}}))
    actor_params, _ = write_parameter_files(tmp_path)
    launch = Launch(['a1_real.launch.py', 'learner:=false', 'configs:=a1 debug', 'overrides:=--threads 1',
                     f'actor_params_file:={actor_params}', f'bridge_params_file:={bridge_params}'],
                    tmp_path / 'launch.log')
    probe.alive = launch.running
    try:
        try:
            probe.wait(lambda: len(actions) >= 60, 180.0, '60 Actions of the actor node')
        except AssertionError as e:
            raise AssertionError(f'{e}\n--- launch:\n{launch.text()[-4000:]}') from None
        with probe.cond:
            answered, joint_states = [a for _, a in actions], list(joints)
            # the bridge steps from its start on; the actor answers once it has loaded (torch, its networks)
            seen = [s for s in probe.steps if s.step >= answered[0].step and s.episode == answered[0].episode]
        check_actions_echo_steps(probe, seen, min_answered=0.9)
        assert {(a.mode, a.weights_version) for a in answered} == {(Action.MODE_EXPLORE, 0)}
        assert all(len(a.action) == 12 and np.abs(a.action).max() <= 1.0 for a in answered)
        period = float(np.median(np.diff([s.t for s in seen[-40:]])))
        assert abs(period - 0.05) <= 0.15 * 0.05, f'median Step period {period * 1e3:.1f} ms (20 Hz)'
        travel = np.abs(np.array([positions(m) for _, m in joint_states]) - a1.INIT_POSE).max()
        assert travel > 0.1, f'the actions moved the mock joints by at most {travel:.3f} rad'
        with probe.cond:
            check_commands_follow_the_joints(list(commands), list(joints))
        vector = {v.key: np.asarray(v.data) for v in steps[-1][1].vectors}['vector']
        assert vector[0] == pytest.approx(ROLL, abs=1e-4), 'the IMU reaches the Step'

        # hold: the actor answers MODE_HOLD, the bridge holds the pose it measured, the mock stops moving
        response = probe.call(SetActorMode, f'{NS}/actor/set_mode', SetActorMode.Request(mode=Action.MODE_HOLD))
        assert response.success, response.message
        probe.wait(lambda: safety and safety[-1][1].data.startswith('holding'), 10.0, 'safety_state holding')
        time.sleep(0.5)
        with probe.cond:
            held_from = len(joints)
        time.sleep(1.0)
        with probe.cond:
            held = np.array([positions(m) for _, m in joints[held_from:]])
        assert len(held) > 50 and np.ptp(held, axis=0).max() < 1e-3, 'the joints stay still while the actor holds'
        assert [a.mode for _, a in actions[-5:]] == [Action.MODE_HOLD] * 5
        assert 'dropped' not in launch.text() and 'Traceback' not in launch.text(), launch.text()[-3000:]
    finally:
        launch.close()
        probe.close()


# ------------------------------------------------------------------------------------------------ unitree_legged

def make_nodes(bridge_params=None, sim=True, sim_params=None):
    from rclpy.parameter import Parameter
    from robot_bridges.a1_bridge import A1Bridge
    from robot_bridges.sim_node import SimNode
    nodes = []
    if sim:
        nodes.append(SimNode(namespace='/robot', parameter_overrides=[
            Parameter(k, value=v) for k, v in {'robot': 'a1', **(sim_params or {})}.items()]))
    params = {'stale_timeout': 0.3, **(bridge_params or {})}
    nodes.append(A1Bridge(namespace='/robot', parameter_overrides=[Parameter(k, value=v) for k, v in params.items()]))
    return nodes


class Rig:
    """Nodes in one executor plus a probe that plays the actor and watches (or fakes) the driver topics."""

    def __init__(self, ros_log, nodes):
        import rclpy
        from daydreamer_interfaces.msg import Step
        from daydreamer_ros import qos
        from rclpy.executors import SingleThreadedExecutor
        from robot_bridges.a1_bridge import unitree_messages
        from ros_testing import wait_for_matches
        from std_msgs.msg import String
        self.ros_log, self.nodes = ros_log, list(nodes)
        self.probe = rclpy.create_node('probe', namespace='/robot')
        self.nodes.append(self.probe)
        self.LowCmd, self.LowState = unitree_messages()
        self.steps, self.low_cmds, self.low_states, self.safety = [], [], [], []
        self.last_step = time.monotonic()
        self.policy = None
        p = self.probe
        p.create_subscription(Step, 'step', self.on_step, qos.STEP)
        p.create_subscription(self.LowCmd, 'low_cmd', self.low_cmds.append, qos.COMMAND)
        p.create_subscription(self.LowState, 'low_state', self.low_states.append, qos.SENSOR)
        p.create_subscription(String, 'safety_state', lambda m: self.safety.append(m.data), qos.LATCHED)
        from daydreamer_interfaces.msg import Action
        self.action_pub = p.create_publisher(Action, 'action', qos.ACTION)
        self.executor = SingleThreadedExecutor()
        for node in self.nodes:
            self.executor.add_node(node)
        self.wait_for_matches = lambda: wait_for_matches(self.nodes)
        self.wait_for_matches()

    def on_step(self, msg):
        self.steps.append(msg)
        self.last_step = time.monotonic()
        if self.policy is not None:
            from daydreamer_ros import convert
            self.action_pub.publish(convert.action_to_msg(self.policy, episode=msg.episode, step=msg.step, mode=0))

    def spin(self, seconds):
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.executor.spin_once(timeout_sec=min(left, 0.01))

    def spin_until(self, predicate, timeout=10.0, what='the condition'):
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f'timed out after {timeout} s waiting for {what}'
            self.executor.spin_once(timeout_sec=0.01)

    def quiet(self, what):
        """Spin until no Step has come for 0.3 s (a Step sent just before may still be on its way)."""
        self.spin_until(lambda: time.monotonic() - self.last_step > 0.3, what=f'Steps to stop ({what})')

    def warnings(self, contains):
        return [line for line in self.ros_log(contains) if line.startswith('[WARN]')]

    def close(self):
        for node in self.nodes:
            self.executor.remove_node(node)
            node.destroy_node()
        self.executor.shutdown()


@pytest.fixture
def rig(ros, ros_log):
    rigs = []

    def make(*args, **kwargs):
        rigs.append(Rig(ros_log, make_nodes(*args, **kwargs)))
        return rigs[-1]
    yield make
    for r in rigs:
        r.close()


def fields(msg):
    """Return the motor_cmd fields of a LowCmd as arrays of 20."""
    m = msg.motor_cmd
    return {f: np.array([getattr(c, f) for c in m], np.float64) for f in ('mode', 'q', 'dq', 'tau', 'kp', 'kd')}


def test_unitree_legged_sim_answers_each_low_cmd_and_the_bridge_drives_it(rig):
    from daydreamer_ros import qos
    r = rig()
    sim, bridge = r.nodes[0], r.nodes[1]
    ours = {'/robot/low_cmd', '/robot/low_state'}
    pubs = {p.topic_name: p for p in sim.publishers if p.topic_name in ours}
    subs = {s.topic_name: s for s in sim.subscriptions if s.topic_name in ours}
    assert set(pubs) == {'/robot/low_state'} and set(subs) == {'/robot/low_cmd'}, 'the driver topics, no others'
    assert pubs['/robot/low_state'].qos_profile == subs['/robot/low_cmd'].qos_profile == qos.UNITREE
    assert not {'/robot/joint_states', '/robot/imu/data', '/robot/imu_sensor_broadcaster/imu'} & {
        p.topic_name for p in sim.publishers}, 'the unitree_legged twin publishes nothing else'
    r.spin_until(lambda: len(r.steps) >= 3, what='Steps')

    # lock-step: one low_state per low_cmd (ros2_udp publishes the state it receives after sending each command;
    # both keep only the newest message, so a busy executor skips some)
    cmds, states = len(r.low_cmds), len(r.low_states)
    r.spin(1.0)
    cmds, states = len(r.low_cmds) - cmds, len(r.low_states) - states
    assert cmds > 100 and 0.7 * cmds <= states <= cmds + 3, (cmds, states)

    # what the legged SDK expects of every LowCmd
    for msg in r.low_cmds[-50:]:
        assert list(msg.head) == [0xFE, 0xEF] and msg.level_flag == 0xFF
        f = fields(msg)
        assert (f['mode'][:12] == 0x0A).all() and np.isfinite(f['kp']).all() and np.isfinite(f['kd']).all()
        assert (f['q'][12:] == np.float32(unitree.POS_STOP_F)).all() and (f['dq'][12:] == unitree.VEL_STOP_F).all()
        assert (f['kp'][12:] == 0).all() and (f['kd'][12:] == 0).all() and (f['tau'] == 0).all()
        assert (f['kp'][:12] == a1.KP_REAL).all() and np.allclose(f['kd'][:12], a1.KD) and (f['dq'][:12] == 0).all()
    # motor order: holding, motor i's target is the twin's joint JOINT_NAMES[i] (hips ~0, thighs ~0.9, calves ~-1.8;
    # the legs' order FR, FL, RR, RL is checked against quadruped.h in src/daydreamer/test/test_unitree.py)
    q = fields(r.low_cmds[-1])['q'][:12]
    assert np.abs(q - sim.env.driver_state()['position']).max() < 0.15
    state = r.low_states[-1]
    quat = np.array(state.imu.quaternion)
    assert abs(np.linalg.norm(quat) - 1) < 1e-5 and quat[0] > 0.99, 'upright: (w, x, y, z) with w first'
    assert state.imu.accelerometer[2] > 5.0

    # an action moves the twin's joints (through the filter: at most 0.2 rad from the measured angle per command)
    start = sim.env.driver_state()['position']
    target = a1.unnormalize_action(np.full(12, 0.5, np.float32))
    r.policy = np.full(12, 0.5, np.float32)
    r.spin_until(lambda: r.safety and r.safety[-1] == 'ok', what="safety_state 'ok'")
    r.spin(1.5)
    moved = sim.env.driver_state()['position'] - start
    assert moved[1::3].min() > 0.3, f'the thighs follow the action (towards {target[1]:.2f} rad): {moved}'
    for msg in r.low_cmds[-20:]:
        f = fields(msg)
        assert np.abs(f['q'][:12] - np.array([s.q for s in r.low_states[-1].motor_state[:12]])).max() < 0.2 + 0.1
    assert bridge.safety == 'ok'

    r.executor.remove_node(bridge)   # no commands: no state (the twin's physics runs on)
    r.spin(0.2)
    states = len(r.low_states)
    r.spin(0.5)
    assert len(r.low_states) == states, 'low_state only answers low_cmd'
    r.nodes.remove(bridge)
    bridge.destroy_node()


def test_unitree_legged_bridge_sends_damping_before_the_first_state(rig):
    r = rig(sim=False)
    r.spin_until(lambda: len(r.low_cmds) >= 20, what='low_cmd without any driver state')
    assert not r.steps, 'no Step without driver data'
    for msg in r.low_cmds:
        f = fields(msg)
        assert list(msg.head) == [0xFE, 0xEF] and msg.level_flag == 0xFF and (f['mode'][:12] == 0x0A).all()
        assert (f['q'] == np.float32(unitree.POS_STOP_F)).all() and (f['kp'] == 0).all(), 'no position term'
        assert np.allclose(f['kd'][:12], a1.KD) and (f['dq'][:12] == 0).all(), 'damping only'


class FakeUdp:
    """A fake `ros2_udp LOWLEVEL` on the probe: one LowState per LowCmd, standing still; `edit` spoils it."""

    def __init__(self, rig):
        from daydreamer_ros import qos
        self.rig, self.edit = rig, None
        self.pub = rig.probe.create_publisher(rig.LowState, 'low_state', qos.UNITREE)
        rig.probe.create_subscription(rig.LowCmd, 'low_cmd', self.answer, qos.UNITREE)
        rig.wait_for_matches()

    def answer(self, cmd):
        msg = self.rig.LowState()
        for i, q in enumerate(a1.INIT_POSE):
            msg.motor_state[i].q = float(q)
        msg.imu.quaternion = [1.0, 0.0, 0.0, 0.0]
        if self.edit is not None:
            self.edit(msg)
        self.pub.publish(msg)


def held(r, count):
    """Return the 12 targets of the last `count` LowCmds."""
    return np.array([fields(m)['q'][:12] for m in r.low_cmds[-count:]])


def test_unitree_legged_bad_low_state_is_dropped_with_one_warning_and_the_pose_held(rig):
    r = rig(sim=False)
    driver = FakeUdp(r)
    r.spin_until(lambda: len(r.steps) >= 3, what='Steps')

    def nan(msg):
        msg.motor_state[2].q = float('nan')

    def tilted(msg):
        msg.imu.quaternion = [0.5, 0.0, 0.0, 0.0]

    nan_text = 'low_state dropped: low_state motor_state q must be finite (got NaN or inf for FR_calf_joint)'
    tilted_text = 'low_state dropped: low_state imu: quaternion must be a finite unit quaternion (w, x, y, z)'
    for edit, text in ((nan, nan_text), (tilted, tilted_text)):
        driver.edit = edit
        r.spin_until(lambda: r.warnings(text), what=text)
        r.quiet(text)
        count, cmds = len(r.steps), len(r.low_cmds)
        r.spin(0.8)
        assert len(r.steps) == count, 'no Steps from bad data'
        assert len(r.low_cmds) > cmds + 50, 'the bridge keeps commanding (the command stream brings the state)'
        assert len(r.warnings(text)) == 1, 'one throttled warning'
        assert r.safety[-1] == 'holding: driver data missing or stale'
        hold = held(r, 20)
        assert np.ptp(hold, axis=0).max() < 1e-6 and np.abs(hold[-1] - a1.INIT_POSE).max() < 1e-6, 'holds the pose'
        driver.edit = None   # good data again: Steps resume
        count = len(r.steps)
        r.spin_until(lambda: len(r.steps) > count + 2, what='Steps on good data')
    assert r.nodes[0].context.ok(), 'the bridge keeps running'


def test_ros2_control_bad_joint_states_and_imu_are_dropped_with_one_warning_each(rig):
    from daydreamer_ros import qos
    from sensor_msgs.msg import Imu, JointState
    from std_msgs.msg import Float64MultiArray
    r = rig(bridge_params={'driver_interface': 'ros2_control'}, sim=False)
    commands, edits = [], {'joints': None, 'imu': None}
    joint_pub = r.probe.create_publisher(JointState, 'joint_states', qos.SENSOR)
    imu_pub = r.probe.create_publisher(Imu, 'imu_sensor_broadcaster/imu', qos.SENSOR)
    r.probe.create_subscription(Float64MultiArray, 'forward_position_controller/commands',
                                lambda m: commands.append(np.array(m.data)), qos.COMMAND)

    def publish():
        names = list(reversed(a1.JOINT_NAMES))   # any order: matched by name
        msg = JointState(name=names, position=[float(a1.INIT_POSE[a1.JOINT_NAMES.index(n)]) for n in names],
                         velocity=[0.0] * 12, effort=[0.0] * 12)
        imu = Imu()
        imu.orientation.w = 1.0
        for key, value in (('joints', msg), ('imu', imu)):
            if edits[key] is not None:
                edits[key](value)
        joint_pub.publish(msg)
        imu_pub.publish(imu)
    r.probe.create_timer(0.01, publish)
    r.wait_for_matches()
    r.spin_until(lambda: len(r.steps) >= 3, what='Steps')

    def nan(msg):
        msg.position = [float('nan')] + list(msg.position[1:])

    def missing(msg):
        keep = [i for i, n in enumerate(msg.name) if n != 'FL_thigh_joint']
        msg.name = [msg.name[i] for i in keep]
        msg.position, msg.velocity, msg.effort = ([list(v)[i] for i in keep]
                                                  for v in (msg.position, msg.velocity, msg.effort))

    def tilted(msg):
        msg.orientation.w = 0.5

    for key, edit, text in (
            ('joints', nan, 'joint_states dropped: joint_states position is not finite (NaN or inf) for RL_calf_joint'),
            ('joints', missing, 'joint_states dropped: joint_states has given no position of FL_thigh_joint'),
            ('imu', tilted, 'imu_sensor_broadcaster/imu dropped: orientation must be a finite unit quaternion')):
        edits[key] = edit
        r.spin_until(lambda: r.warnings(text), what=text)
        r.quiet(text)
        count, sent = len(r.steps), len(commands)
        r.spin(0.8)
        assert len(r.steps) == count, f'no Steps from bad data ({text})'
        assert len(r.warnings(text)) == 1, f'one throttled warning: {text}'
        assert len(commands) > sent + 50 and r.safety[-1] == 'holding: driver data missing or stale'
        hold = np.array(commands[-20:])
        assert np.ptp(hold, axis=0).max() < 1e-6 and np.abs(hold[-1] - a1.INIT_POSE).max() < 1e-6, 'holds the pose'
        edits[key] = None
        count = len(r.steps)
        r.spin_until(lambda: len(r.steps) > count + 2, what='Steps on good data')


def test_a1_bridge_refuses_a_bad_interface_and_names_the_missing_package(ros, monkeypatch):
    import sys
    from daydreamer.config import ConfigError
    from rclpy.parameter import Parameter
    from robot_bridges.a1_bridge import A1Bridge
    with pytest.raises(ConfigError, match="driver_interface must be 'unitree_legged' or 'ros2_control'"):
        A1Bridge(parameter_overrides=[Parameter('driver_interface', value='udp')])
    monkeypatch.setitem(sys.modules, 'ros2_unitree_legged_msgs', None)   # as if it were not installed
    monkeypatch.setitem(sys.modules, 'ros2_unitree_legged_msgs.msg', None)
    with pytest.raises(ConfigError, match=r'needs the ROS 2 package ros2_unitree_legged_msgs .* '
                                          r'driver_interface:=ros2_control'):
        A1Bridge()
    A1Bridge(parameter_overrides=[Parameter('driver_interface', value='ros2_control')]).destroy_node()
