"""
Our arm bridge drives the real UR5 driver's controllers and the Robotiq 2F-85's, on ros2_control mock hardware.

All are separate processes; the hardware is mock_components/GenericSystem.

- UR5: `ros2 launch ur_robot_driver ur_control.launch.py ur_type:=ur5 robot_ip:=0.0.0.0 use_mock_hardware:=true
  initial_joint_controller:=forward_position_controller`: the driver's own launch, URDF, controller YAML and joint
  names (joint_states in the broadcaster's order, not ours).
- Robotiq: robotiq_description's xacro with use_fake_hardware:=true, robot_state_publisher and ros2_control_node in
  /gripper with robotiq_description's robotiq_controllers.yaml, its GripperActionController spawned with the
  driver's spawner. Two changes, both forced by the mock: the file's keys get the /gripper namespace (its keys name
  the root namespace's controller_manager, which the UR driver's is), and its optional max_effort_interface and
  max_velocity_interface go (mock hardware offers only a position command; the real Robotiq's hardware offers all
  three). Its joint_state_broadcaster publishes on /joint_states, as the UR driver's does, in messages of its own.
  robotiq_description's own robotiq_control.launch.py cannot be used: it fixes use_fake_hardware:=false.
- Our arm_bridge in /ur5 with the Robotiq's actuated joint (robotiq_85_left_knuckle_joint, 0 open .. 0.8 closed),
  its ParallelGripperCommand action (Jazzy's parallel_gripper_action_controller) and the driver's topics; a
  640x480 bgr8 camera from this test; this test plays the actor.

Shown: Steps are published (a 640x480 camera becomes the agent's 64x64); a discrete move action moves the arm's
joints through the real forward_position_controller; the gripper action (4) moves the Robotiq's knuckle through the
real gripper action controller, and the next Step reports it.
"""

from pathlib import Path
import subprocess
import threading
import time

import numpy as np
import pytest
from test_launch_graph import Launch
import yaml

NS = '/ur5'
GRIPPER_ACTION = '/gripper/robotiq_gripper_controller/gripper_cmd'
KNUCKLE = 'robotiq_85_left_knuckle_joint'
UR_JOINTS = ('shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint',
             'wrist_3_joint')


def share(package, *names):
    from ament_index_python.packages import get_package_share_directory, PackageNotFoundError
    try:
        return Path(get_package_share_directory(package), *names)
    except PackageNotFoundError:
        pytest.skip(f'{package} is not installed (../shared/ros2 has it in its drivers overlay)')


def gripper_controllers(path):
    """robotiq_description's controller file, keyed for /gripper, without the interfaces mock hardware lacks."""
    params = yaml.safe_load(share('robotiq_description', 'config', 'robotiq_controllers.yaml').read_text())
    for key in ('max_effort_interface', 'max_velocity_interface'):
        params['robotiq_gripper_controller']['ros__parameters'].pop(key)
    path.write_text(yaml.safe_dump({f'/gripper/{key}': value for key, value in params.items()}))
    return path


@pytest.fixture(scope='module')
def drivers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('drivers')
    xacro = share('robotiq_description', 'urdf', 'robotiq_2f_85_gripper.urdf.xacro')
    share('ur_robot_driver')
    gripper_urdf = subprocess.run(['xacro', str(xacro), 'use_fake_hardware:=true'], capture_output=True, text=True,
                                  check=True, timeout=60).stdout
    runs = []
    try:
        runs.append(Launch(['ur_control.launch.py', 'ur_type:=ur5', 'robot_ip:=0.0.0.0', 'use_mock_hardware:=true',
                            'launch_rviz:=false', 'initial_joint_controller:=forward_position_controller'],
                           tmp / 'ur.log', command=('ros2', 'launch', 'ur_robot_driver')))
        runs.append(Launch(['robot_state_publisher', 'robot_state_publisher', '--ros-args', '-r', '__ns:=/gripper',
                            '-p', f'robot_description:={gripper_urdf}'], tmp / 'gripper_rsp.log',
                           command=('ros2', 'run')))
        runs.append(Launch(['controller_manager', 'ros2_control_node', '--ros-args', '-r', '__ns:=/gripper',
                            '--params-file', str(gripper_controllers(tmp / 'gripper.yaml')),
                            '-r', '/gripper/joint_states:=/joint_states'], tmp / 'gripper_cm.log',
                           command=('ros2', 'run')))
        spawner = subprocess.run(['ros2', 'run', 'controller_manager', 'spawner', 'joint_state_broadcaster',
                                  'robotiq_gripper_controller', '-c', '/gripper/controller_manager',
                                  '--controller-manager-timeout', '60'], capture_output=True, text=True, timeout=120)
        assert spawner.returncode == 0, spawner.stdout + spawner.stderr
        yield runs
    finally:
        for run in reversed(runs):
            run.close()


class Actor:
    """This test's node: answers Steps from a script, feeds the camera, watches /joint_states."""

    def __init__(self, script):
        import rclpy
        from daydreamer_interfaces.msg import Action, Step
        from daydreamer_ros import convert, images, qos
        from rclpy.context import Context
        from rclpy.executors import SingleThreadedExecutor
        from sensor_msgs.msg import Image, JointState
        self.context = Context()
        rclpy.init(args=[], context=self.context)
        self.node = rclpy.create_node('mock_driver_actor', context=self.context)
        self.steps, self.joints, self.script, self.lock = [], {}, list(script), threading.Lock()
        self.action_pub = self.node.create_publisher(Action, f'{NS}/action', qos.ACTION)
        self.camera_pub = self.node.create_publisher(Image, f'{NS}/camera/image_raw', qos.SENSOR)
        self.node.create_subscription(Step, f'{NS}/step', self._on_step, qos.STEP)
        self.node.create_subscription(JointState, '/joint_states', self._on_joints, qos.SENSOR)
        frame = np.zeros((480, 640, 3), np.uint8)
        frame[200:280, 280:360] = (0, 0, 200)  # a red object, in bgr8
        self.frame = images.to_msg(frame, 'bgr8')
        self.node.create_timer(1 / 15, lambda: self.camera_pub.publish(self.frame))
        self.convert, self.Action = convert, Action
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        threading.Thread(target=self.executor.spin, daemon=True).start()

    def _on_step(self, msg):
        with self.lock:
            self.steps.append((msg, dict(self.joints), time.monotonic()))
            action = self.script.pop(0) if self.script else None
        mode = self.Action.MODE_HOLD if action is None else self.Action.MODE_EXPLORE
        self.action_pub.publish(self.convert.action_to_msg(
            None if action is None else np.int64(action), episode=msg.episode, step=msg.step, mode=mode))

    def _on_joints(self, msg):
        with self.lock:
            self.joints.update(zip(msg.name, msg.position))

    def wait(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                value = predicate()
            if value:
                return value
            assert time.monotonic() < deadline, f'timed out after {timeout} s waiting for {what}'
            time.sleep(0.05)

    def close(self):
        import rclpy
        self.executor.shutdown(timeout_sec=5)
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)


def test_the_arm_bridge_drives_the_ur5_controllers_and_the_robotiq_gripper_action(drivers, tmp_path):
    from ament_index_python.packages import get_package_share_directory
    config = Path(get_package_share_directory('daydreamer_bringup'), 'config', 'arm_bridge.yaml')
    actor = Actor(script=[1, 4])  # +x, then close the gripper; then hold
    bridge = Launch(['robot_bridges', 'arm_bridge', '--ros-args', '-r', f'__ns:={NS}', '--params-file', str(config),
                     '-p', 'robot:=ur5', '-p', f'gripper_joint:={KNUCKLE}', '-p', 'gripper_closed:=0.8',
                     '-p', f'gripper_action:={GRIPPER_ACTION}', '-p', 'gripper_action_type:=ParallelGripperCommand',
                     '-r', 'joint_states:=/joint_states',
                     '-r', 'forward_position_controller/commands:=/forward_position_controller/commands'],
                    tmp_path / 'bridge.log', command=('ros2', 'run'))
    try:
        try:
            actor.wait(lambda: len(actor.steps) >= 1, 120.0, 'the first Step (after the scripted reset)')
            actor.wait(lambda: len(actor.steps) >= 2, 60.0, 'the Step after the +x move')
            actor.wait(lambda: len(actor.steps) >= 3, 60.0, 'the Step after closing the gripper')
        except AssertionError as e:
            raise AssertionError(f'{e}\n--- bridge:\n{bridge.text()[-4000:]}') from None
        (first, joints_1, _), (second, joints_2, _), (third, joints_3, _) = actor.steps[:3]
        assert all(name in joints_1 for name in UR_JOINTS + (KNUCKLE,)), sorted(joints_1)
        moved = max(abs(joints_2[name] - joints_1[name]) for name in UR_JOINTS)
        assert moved > 0.01, 'the +x action moved no joint through forward_position_controller'
        knuckle = [joints_1[KNUCKLE], joints_2[KNUCKLE], joints_3[KNUCKLE]]
        assert abs(knuckle[2] - knuckle[1]) > 0.6, f'the gripper action (4) moved the Robotiq knuckle {knuckle} rad'
        reported = [{v.key: np.asarray(v.data) for v in s.vectors}['gripper_pos'][0] for s in (second, third)]
        assert np.allclose(reported, np.array(knuckle[1:]) / 0.8, atol=0.05), (reported, knuckle)
        named = {n.key: n.image for n in first.images}
        assert (named['image'].height, named['image'].width) == (64, 64)
        assert 'dropped' not in bridge.text() and 'not available' not in bridge.text(), bridge.text()[-3000:]
    finally:
        bridge.close()
        actor.close()
