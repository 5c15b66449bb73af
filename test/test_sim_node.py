"""
The `sim` node on a real ROS 2 graph.

For each robot it publishes exactly the real drivers' topics (names, types, QoS, joint names, image encodings and
sizes), /clock with publish_clock, and its twin obeys the commands of the contract.
"""

import time

from daydreamer_ros import qos
from geometry_msgs.msg import Twist
from nav_msgs.msg import Odometry
import numpy as np
import pytest
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from robot_bridges.sim_node import SimNode
from ros_testing import INFRASTRUCTURE, wait_for_matches
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import Image, Imu, JointState
from std_msgs.msg import Float64MultiArray

from daydreamer.envs.arm import CONFIGS
from daydreamer.robots import a1


NS = '/robot'
COMMANDS = '/robot/forward_position_controller/commands'
DRIVER = {   # robot -> (published {topic: type}, subscribed {topic: type}), besides /clock
    'a1': ({'/robot/joint_states': JointState, '/robot/imu/data': Imu}, {COMMANDS: Float64MultiArray}),
    'ur5': ({'/robot/joint_states': JointState, '/robot/camera/image_raw': Image},
            {COMMANDS: Float64MultiArray, '/robot/gripper_controller/commands': Float64MultiArray}),
    'xarm': ({'/robot/joint_states': JointState, '/robot/camera/image_raw': Image,
              '/robot/camera/depth/image_raw': Image},
             {COMMANDS: Float64MultiArray, '/robot/gripper_controller/commands': Float64MultiArray}),
    'sphero': ({'/robot/odom': Odometry, '/robot/overhead_camera/image_raw': Image},
               {'/robot/raw_motor': Float64MultiArray, '/robot/cmd_vel': Twist}),
}


class Rig:
    """A sim node and a test node that records everything the sim publishes, spun by one executor."""

    def __init__(self, robot, **params):
        params = {'robot': robot, 'camera_rate': 20.0, **params}
        self.sim = SimNode(namespace=NS, parameter_overrides=[Parameter(k, value=v) for k, v in params.items()])
        self.node = rclpy.create_node('probe', namespace=NS)
        self.received = {}
        for topic, msg_type in {**DRIVER[robot][0], '/clock': Clock}.items():
            self.node.create_subscription(msg_type, topic, self.recorder(topic), qos.SENSOR)
        self.executor = SingleThreadedExecutor()
        self.executor.add_node(self.sim)
        self.executor.add_node(self.node)
        wait_for_matches([self.sim, self.node])

    def recorder(self, topic):
        return lambda msg: self.received.setdefault(topic, []).append(msg)

    def spin(self, seconds):
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.executor.spin_once(timeout_sec=min(left, 0.01))

    def spin_until(self, predicate, timeout=10.0, what='the condition'):
        """
        Spin until predicate() holds; fail after `timeout` s.

        (The twin runs on wall-clock timers, slower on a busy machine.)
        """
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f'timed out after {timeout} s waiting for {what}'
            self.executor.spin_once(timeout_sec=0.01)

    def last(self, topic):
        return self.received[topic][-1]

    def publisher(self, msg_type, topic):
        pub = self.node.create_publisher(msg_type, topic, qos.COMMAND)
        wait_for_matches([self.sim, self.node])
        return pub

    def close(self):
        for node in (self.sim, self.node):
            self.executor.remove_node(node)
            node.destroy_node()
        self.executor.shutdown()


@pytest.fixture
def rig(ros):
    rigs = []

    def make(robot, **params):
        rigs.append(Rig(robot, **params))
        return rigs[-1]
    yield make
    for r in rigs:
        r.close()


def joint_names(robot):
    if robot == 'a1':
        return list(a1.JOINT_NAMES)
    return list(CONFIGS[robot].joints) + [CONFIGS[robot].finger]


@pytest.mark.parametrize('robot', ['a1', 'ur5', 'xarm', 'sphero'])
def test_sim_publishes_exactly_the_driver_topics(rig, robot):
    r = rig(robot, publish_clock=True)
    published, subscribed = DRIVER[robot]
    pubs = {p.topic_name: p for p in r.sim.publishers if p.topic_name not in INFRASTRUCTURE}
    subs = {s.topic_name: s for s in r.sim.subscriptions if s.topic_name not in INFRASTRUCTURE}
    assert set(pubs) == set(published) | {'/clock'}
    assert set(subs) == set(subscribed)
    for topic, msg_type in published.items():
        assert pubs[topic].msg_type is msg_type and pubs[topic].qos_profile == qos.SENSOR, topic
    assert pubs['/clock'].msg_type is Clock and pubs['/clock'].qos_profile == qos.CLOCK
    for topic, msg_type in subscribed.items():
        assert subs[topic].msg_type is msg_type and subs[topic].qos_profile == qos.COMMAND, topic

    def sim_seconds():
        return [m.clock.sec + m.clock.nanosec * 1e-9 for m in r.received.get('/clock', [])]

    r.spin_until(lambda: set(r.received) == set(published) | {'/clock'}, what='data on every topic')
    r.spin_until(lambda: sim_seconds()[-1] - sim_seconds()[0] > 0.2, what='0.2 s of sim time')
    clock = sim_seconds()
    assert clock[0] > 0 and np.all(np.diff(clock) > 0), 'sim time advances'
    for topic in published:
        stamp = r.last(topic).header.stamp
        # sim time, not wall time (the newest /clock may be a tick behind the newest state message)
        assert 0 < stamp.sec + stamp.nanosec * 1e-9 <= r.sim.sim_time() + 1e-6, f'{topic} is stamped with sim time'
    if robot == 'sphero':
        odom = r.last('/robot/odom')
        assert (odom.header.frame_id, odom.child_frame_id) == ('odom', 'base_link')
        frame = r.last('/robot/overhead_camera/image_raw')
        assert (frame.encoding, frame.height, frame.width) == ('rgb8', 120, 160)
        return
    state = r.last('/robot/joint_states')
    assert list(state.name) == joint_names(robot)
    assert len(state.position) == len(state.velocity) == len(state.effort) == len(state.name)
    assert np.isfinite(state.position).all()
    if robot == 'a1':
        imu = r.last('/robot/imu/data')
        q = np.array([imu.orientation.w, imu.orientation.x, imu.orientation.y, imu.orientation.z])
        assert abs(np.linalg.norm(q) - 1) < 1e-6 and imu.linear_acceleration.z > 5.0, 'standing: gravity up'
        return
    image = r.last('/robot/camera/image_raw')
    assert (image.encoding, image.height, image.width) == ('rgb8', 64, 64)
    if robot == 'xarm':
        depth = r.last('/robot/camera/depth/image_raw')
        assert (depth.encoding, depth.height, depth.width) == ('32FC1', 64, 64)
        metres = np.frombuffer(bytes(depth.data), np.float32)
        assert np.isfinite(metres).all() and 0.1 < metres.min() and metres.max() < 3.0


def test_sim_without_publish_clock_has_no_clock(rig):
    r = rig('a1')
    assert '/clock' not in [p.topic_name for p in r.sim.publishers]


def test_a1_sim_follows_joint_commands_and_drops_bad_ones(rig, ros_log):
    r = rig('a1')
    pub = r.publisher(Float64MultiArray, 'forward_position_controller/commands')
    r.spin_until(lambda: len(r.received.get('/robot/joint_states', [])) >= 5, what='joint_states')
    start = np.array(r.last('/robot/joint_states').position)
    target = start.copy()
    target[0] += 0.15   # FR_hip_joint outwards
    pub.publish(Float64MultiArray(data=[float(v) for v in target]))
    r.spin_until(lambda: abs(r.last('/robot/joint_states').position[0] - target[0]) < 0.05,
                 what='FR_hip_joint at its target')
    assert abs(start[0] - target[0]) > 0.05
    for _ in range(3):
        pub.publish(Float64MultiArray(data=[0.0] * 11))
        pub.publish(Float64MultiArray(data=[float('nan')] * 12))
    r.spin_until(lambda: ros_log('forward_position_controller/commands dropped'), what='the warning')
    count = len(r.received['/robot/joint_states'])
    r.spin_until(lambda: len(r.received['/robot/joint_states']) > count + 20, what='joint_states')
    assert abs(r.last('/robot/joint_states').position[0] - target[0]) < 0.05, 'bad commands are dropped'
    warned = ros_log('forward_position_controller/commands dropped')
    assert len(warned) == 1 and '[WARN]' in warned[0] and '[robot.sim]' in warned[0]  # one per topic and 5 s
    assert 'expected 12 finite values' in warned[0]


@pytest.mark.parametrize('robot', ['ur5', 'xarm'])
def test_arm_sim_follows_joint_and_gripper_commands(rig, robot):
    r = rig(robot)
    joints = r.publisher(Float64MultiArray, 'forward_position_controller/commands')
    gripper = r.publisher(Float64MultiArray, 'gripper_controller/commands')
    r.spin_until(lambda: len(r.received.get('/robot/joint_states', [])) >= 5, what='joint_states')
    start = np.array(r.last('/robot/joint_states').position)
    target = start[:6].copy()
    target[0] += 0.2
    joints.publish(Float64MultiArray(data=[float(v) for v in target]))
    gripper.publish(Float64MultiArray(data=[1.0]))
    stroke = CONFIGS[robot].stroke

    def there():
        q = np.array(r.last('/robot/joint_states').position)
        return np.abs(q[:6] - target).max() < 0.02 and q[6] > 0.5 * stroke
    r.spin_until(there, what='the joints at their targets and the fingers closed')
    assert start[6] < 0.1 * stroke, 'the fingers start open'


@pytest.mark.parametrize('topic', ['raw_motor', 'cmd_vel'])
def test_sphero_sim_drives_on_raw_motor_and_cmd_vel_and_stops_without_commands(rig, topic):
    r = rig('sphero', command_timeout=0.3)
    r.spin_until(lambda: '/robot/odom' in r.received, what='odom')
    start = r.last('/robot/odom').pose.pose.position
    if topic == 'raw_motor':
        command, message = (Float64MultiArray, topic), Float64MultiArray(data=[0.5, 0.5])
    else:
        message = Twist()
        message.linear.x = 0.8
        command = (Twist, topic)

    def moved():
        odom = r.last('/robot/odom')
        return np.hypot(odom.pose.pose.position.x - start.x, odom.pose.pose.position.y - start.y)

    # The physics runs on a wall-clock timer and falls behind on a loaded machine: wait for the motion
    # (up to 4 s, the command re-sent well within command_timeout) rather than for a fixed time.
    publisher = r.publisher(*command)
    for _ in range(40):
        publisher.publish(message)
        r.spin(0.1)
        if moved() > 0.03 and r.last('/robot/odom').twist.twist.linear.x > 0.1:
            break
    assert moved() > 0.03 and r.last('/robot/odom').twist.twist.linear.x > 0.1
    # command_timeout passes: the motors stop and the ball rolls out
    r.spin_until(lambda: abs(r.last('/robot/odom').twist.twist.linear.x) < 0.05, timeout=5.0, what='a stop')
