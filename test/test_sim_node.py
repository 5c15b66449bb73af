"""
The `sim` node on a real ROS 2 graph.

For each robot it publishes exactly the real drivers' topics (names, types, QoS, joint names, image encodings and
sizes), /clock with publish_clock, and its twin obeys the commands of the contract.
"""

import time

from builtin_interfaces.msg import Duration
from control_msgs.action import GripperCommand, ParallelGripperCommand
from daydreamer_ros import qos
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
from sphero_interfaces.msg import RawMotorCommand
from std_msgs.msg import Float64MultiArray
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint

from daydreamer import robots
from daydreamer.robots import a1


NS = '/robot'
COMMANDS = '/robot/forward_position_controller/commands'
DRIVER = {   # robot -> (published {topic: type}, subscribed {topic: type}), besides /clock
    'a1': ({'/robot/joint_states': JointState, '/robot/imu_sensor_broadcaster/imu': Imu},
           {COMMANDS: Float64MultiArray}),
    # the arms: the real drivers' controllers (daydreamer.robots.get(robot).driver); their grippers are action servers
    'ur5': ({'/robot/joint_states': JointState, '/robot/camera/image_raw': Image}, {COMMANDS: Float64MultiArray}),
    'xarm': ({'/robot/joint_states': JointState, '/robot/camera/image_raw': Image,
              '/robot/camera/depth/image_raw': Image},
             {'/robot/xarm6_traj_controller/joint_trajectory': JointTrajectory}),
    'sphero': ({'/robot/odom': Odometry, '/robot/overhead_camera/image_raw': Image},
               {'/robot/raw_motor_command': RawMotorCommand}),
}
# QoS where the driver's is not sensor data: sphero_node's odom publisher is rclpy's default (reliable, depth 10)
DRIVER_QOS = {'/robot/odom': qos.COMMAND}
# The A1 here speaks ros2_control (its default, the legged SDK's low_cmd -> low_state: test/test_a1_drivers.py).
PARAMS = {'a1': {'driver_interface': 'ros2_control'}}


class Rig:
    """A sim node and a test node that records everything the sim publishes, spun by one executor."""

    def __init__(self, robot, **params):
        params = {'robot': robot, 'camera_rate': 20.0, **PARAMS.get(robot, {}), **params}
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
    driver = robots.get(robot).driver
    return list(driver.joints) + [driver.gripper_joint]


@pytest.mark.parametrize('robot', ['a1', 'ur5', 'xarm', 'sphero'])
def test_sim_publishes_exactly_the_driver_topics(rig, robot):
    r = rig(robot, publish_clock=True)
    published, subscribed = DRIVER[robot]
    pubs = {p.topic_name: p for p in r.sim.publishers if p.topic_name not in INFRASTRUCTURE}
    subs = {s.topic_name: s for s in r.sim.subscriptions if s.topic_name not in INFRASTRUCTURE}
    assert set(pubs) == set(published) | {'/clock'}
    assert set(subs) == set(subscribed)
    for topic, msg_type in published.items():
        assert pubs[topic].msg_type is msg_type and pubs[topic].qos_profile == DRIVER_QOS.get(topic, qos.SENSOR), topic
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
        imu = r.last('/robot/imu_sensor_broadcaster/imu')
        q = np.array([imu.orientation.w, imu.orientation.x, imu.orientation.y, imu.orientation.z])
        assert abs(np.linalg.norm(q) - 1) < 1e-6 and imu.linear_acceleration.z > 5.0, 'standing: gravity up'
        return
    from rclpy.action import get_action_names_and_types

    def servers():   # by name: earlier tests' nodes of the same name may linger in the graph on a busy machine
        return dict(get_action_names_and_types(r.node))
    gripper_action = f'{NS}/{robots.get(robot).driver.gripper_action}'
    r.spin_until(lambda: gripper_action in servers(), what=f'the action server {gripper_action}')
    actions = servers()
    assert actions[gripper_action] == [{'ur5': 'control_msgs/action/ParallelGripperCommand',
                                        'xarm': 'control_msgs/action/GripperCommand'}[robot]]
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
    """A goal of the gripper action; then UR5 forward_position_controller targets, xArm a JointTrajectory."""
    from rclpy.action import ActionClient
    driver = robots.get(robot).driver
    r = rig(robot)
    r.spin_until(lambda: len(r.received.get('/robot/joint_states', [])) >= 5, what='joint_states')
    start = np.array(r.last('/robot/joint_states').position)
    assert start[6] < 0.1 * driver.gripper_closed, 'the gripper starts open'
    action_type = {'ur5': ParallelGripperCommand, 'xarm': GripperCommand}[robot]
    client = ActionClient(r.node, action_type, driver.gripper_action)
    assert client.wait_for_server(timeout_sec=10.0)
    goal = action_type.Goal()
    if robot == 'ur5':
        goal.command.name, goal.command.position = [driver.gripper_joint], [driver.gripper_closed]
    else:
        goal.command.position = driver.gripper_closed
    sent = client.send_goal_async(goal)
    r.spin_until(lambda: sent.done(), what='the goal accepted')
    assert sent.result().accepted
    result = sent.result().get_result_async()
    r.spin_until(lambda: result.done(), what='the gripper goal finished')
    closed = result.result().result
    position = closed.position if robot == 'xarm' else closed.state.position[0]
    # closed, or stalled on the ball (the xArm twin starts with its fingers around it: ~0.48 of the stroke)
    assert position > 0.3 * driver.gripper_closed and closed.reached_goal != closed.stalled
    assert closed.reached_goal == (abs(position - driver.gripper_closed) < 0.01 * driver.gripper_closed)
    r.spin(0.1)
    assert abs(r.last('/robot/joint_states').position[6] - position) < 0.02 * driver.gripper_closed

    target = start[:6].copy()
    target[0] += 0.2
    if robot == 'ur5':
        r.publisher(Float64MultiArray, 'forward_position_controller/commands').publish(
            Float64MultiArray(data=[float(v) for v in target]))
    else:   # the joints in another order, two points 0.3 s apart
        trajectory = r.publisher(JointTrajectory, 'xarm6_traj_controller/joint_trajectory')
        order = list(reversed(driver.joints))
        middle = (start[:6] + target) / 2
        points = [JointTrajectoryPoint(positions=[float(q[driver.joints.index(n)]) for n in order],
                                       time_from_start=Duration(sec=0, nanosec=t)) for q, t in
                  ((middle, 300_000_000), (target, 600_000_000))]
        trajectory.publish(JointTrajectory(joint_names=order, points=points))

    def there():
        q = np.array(r.last('/robot/joint_states').position)
        return np.abs(q[:6] - target).max() < 0.02
    r.spin_until(there, what='the joints at their targets')


def test_sphero_sim_drives_on_raw_motor_command_and_stops_without_commands(rig):
    r = rig('sphero')
    r.spin_until(lambda: '/robot/odom' in r.received, what='odom')
    start = r.last('/robot/odom').pose.pose.position
    command, message = (RawMotorCommand, 'raw_motor_command'), RawMotorCommand(left=128, right=128)

    def moved():
        odom = r.last('/robot/odom')
        return np.hypot(odom.pose.pose.position.x - start.x, odom.pose.pose.position.y - start.y)

    # The physics runs on a wall-clock timer and falls behind on a loaded machine: wait for the motion
    # (up to 4 s, the command re-sent every 0.2 s: each drives 0.2 s) rather than for a fixed time.
    publisher = r.publisher(*command)
    for _ in range(20):
        publisher.publish(message)
        r.spin(0.2)
        if moved() > 0.03 and r.last('/robot/odom').twist.twist.linear.x > 0.1:
            break
    assert moved() > 0.03 and r.last('/robot/odom').twist.twist.linear.x > 0.1
    # no more commands: the queued ones run out, the motors stop and the ball rolls out
    r.spin_until(lambda: abs(r.last('/robot/odom').twist.twist.linear.x) < 0.05, timeout=5.0, what='a stop')
