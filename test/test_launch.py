"""The launch files, parameter files, Gazebo configurations and the rviz configuration of daydreamer_bringup.

Every launch file runs in the real `ros2 launch` (the workspace built and sourced, as scripts/test does) for its
argument combinations, with `--launch-prefix` set to a recorder that stands in for each process: it writes the
command line launch built (executable, --ros-args, parameter files) and exits, so launch evaluates everything
(arguments, includes, conditions, OpaqueFunctions, substitutions) without starting a node. External packages
this ROS 2 build lacks (ros_gz_sim, ros_gz_bridge, rviz2) come from a stub prefix. Every node started must be
one of our installed executables or an external package we document (EXTERNAL), in the robot's namespace; every
parameter file must parse. Then our nodes of the real and Gazebo launch files are started for real from their
installed executables with exactly the launch's command line (a type clash stops them), and must have declared
every parameter the launch sets, with its value (the sim launch files run whole in test_launch_graph.py). The
static checks (YAML, Gazebo, rviz) need no ROS.
"""

import array
import importlib.util
import json
import os
from pathlib import Path
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'src' / 'daydreamer_bringup'))
import daydreamer_bringup  # noqa: E402, I100
from daydreamer_bringup import gazebo  # noqa: E402

ROBOTS = daydreamer_bringup.ROBOTS
OURS = {'daydreamer_learner', 'daydreamer_actor', 'robot_bridges'}
# Nodes from other ROS packages the launch files start (README, "ROS 2 quick start", lists them).
EXTERNAL = {('robot_state_publisher', 'robot_state_publisher'), ('rviz2', 'rviz2'), ('ros_gz_sim', 'create'),
            ('ros_gz_bridge', 'parameter_bridge'), ('controller_manager', 'spawner')}
# Topics of the contract (README topics table) with their types, as ros_gz_bridge names them.
CONTRACT = {
    '/clock': 'rosgraph_msgs/msg/Clock', 'joint_states': 'sensor_msgs/msg/JointState',
    'imu/data': 'sensor_msgs/msg/Imu', 'camera/image_raw': 'sensor_msgs/msg/Image',
    'camera/depth/image_raw': 'sensor_msgs/msg/Image', 'overhead_camera/image_raw': 'sensor_msgs/msg/Image',
    'odom': 'nav_msgs/msg/Odometry', 'cmd_vel': 'geometry_msgs/msg/Twist',
    'raw_motor_command': 'sphero_interfaces/msg/RawMotorCommand', 'set_stabilization': 'std_srvs/srv/SetBool',
    'forward_position_controller/commands': 'std_msgs/msg/Float64MultiArray',
    'gripper_controller/commands': 'std_msgs/msg/Float64MultiArray',
    'xarm6_traj_controller/joint_trajectory': 'trajectory_msgs/msg/JointTrajectory',
    'imu_sensor_broadcaster/imu': 'sensor_msgs/msg/Imu', 'low_cmd': 'ros2_unitree_legged_msgs/msg/LowCmd',
    'low_state': 'ros2_unitree_legged_msgs/msg/LowState',
}
GZ_SIM_STUB = """from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess
from launch.substitutions import LaunchConfiguration


def generate_launch_description():
    return LaunchDescription([DeclareLaunchArgument('gz_args', default_value=''),
                              ExecuteProcess(cmd=['gz', 'sim', LaunchConfiguration('gz_args')])])
"""

# (launch file, arguments): every file with its defaults plus the combinations that change what starts.
CASES = [(f'{robot}_{mode}.launch.py', {}) for robot in ROBOTS for mode in ('sim', 'gazebo', 'real')]
CASES += [(f'{robot}_sim.launch.py', {'rviz': 'true', 'use_sim_time': 'true'}) for robot in ROBOTS]
CASES += [
    ('a1_real.launch.py', {'learner': 'false', 'description': 'true', 'remap': 'imu/data:=/a1/imu'}),
    ('a1_gazebo.launch.py', {'gui': 'false', 'rviz': 'true', 'namespace': '/'}),
    ('sim.launch.py', {'robot': 'sphero', 'configs': 'sphero debug', 'overrides': '--batch_size 4'}),
    ('gazebo.launch.py', {'robot': 'xarm', 'learner': 'false'}), ('real.launch.py', {'robot': 'ur5'}),
    ('learner.launch.py', {}), ('learner.launch.py', {'robot': 'ur5', 'device': 'cpu'}),
    ('actor.launch.py', {}), ('actor.launch.py', {'robot': 'xarm', 'bridge': 'false', 'mode': 'eval'}),
    ('bridge.launch.py', {'robot': 'ur5'}), ('rviz.launch.py', {'robot': 'sphero'}),
    ('ur5_real.launch.py', {'record': 'true', 'record_topics': '/joint_states', 'logdir': '/tmp/run'}),
    ('playback.launch.py', {'bag': str(ROOT / 'test' / 'data' / 'a1_session')}),
]
CASE_IDS = [f'{file_name}:{arguments}' for file_name, arguments in CASES]


def test_every_launch_file_is_covered_and_installed():
    files = {p.name for p in (ROOT / 'launch').glob('*.launch.py')}
    assert {case[0] for case in CASES} == files
    for robot in ROBOTS:
        assert {f'{robot}_{mode}.launch.py' for mode in ('sim', 'gazebo', 'real')} <= files
    bringup = ROOT / 'src' / 'daydreamer_bringup'
    for name in ('launch', 'config', 'rviz'):
        link = bringup / name
        assert link.is_symlink() and link.resolve() == (ROOT / name).resolve(), f'{link} must link to ../../{name}'


# --- static checks (no ROS needed) ---

def ros_parameters(path):
    """{key: {param: value}} of a ROS parameter file; each key must hold ros__parameters."""
    data = yaml.safe_load(Path(path).read_text()) or {}
    assert isinstance(data, dict) and data, f'{path}: empty or not a mapping'
    for key, node in data.items():
        assert isinstance(node, dict) and set(node) == {'ros__parameters'}, f'{path}: {key} needs ros__parameters'
    return {key: node['ros__parameters'] for key, node in data.items()}


@pytest.mark.parametrize('path', sorted(p.name for p in (ROOT / 'config').glob('*.yaml') if not p.is_symlink()))
def test_parameter_files_use_the_wildcard_key(path):
    params = ros_parameters(ROOT / 'config' / path)
    assert list(params) == ['/**'], f'{path}: use one `/**:` key (the launch files pick the file per node)'


@pytest.mark.parametrize('robot', ROBOTS)
def test_gazebo_bridge_config_names_only_contract_topics(robot):
    entries = yaml.safe_load((ROOT / 'config' / 'gazebo' / f'{robot}_bridge.yaml').read_text())
    keys = {'ros_topic_name', 'gz_topic_name', 'ros_type_name', 'gz_type_name', 'direction'}
    for entry in entries:
        assert set(entry) == keys, entry
        assert CONTRACT.get(entry['ros_topic_name']) == entry['ros_type_name'], f'not in the contract: {entry}'
        assert entry['gz_type_name'].startswith('gz.msgs.') and entry['direction'] in ('GZ_TO_ROS', 'ROS_TO_GZ')
    topics = {e['ros_topic_name'] for e in entries}
    assert {'/clock', 'joint_states'} <= topics
    assert {'a1': {'imu_sensor_broadcaster/imu'}, 'ur5': {'camera/image_raw'},
            'xarm': {'camera/image_raw', 'camera/depth/image_raw'},
            'sphero': {'overhead_camera/image_raw', 'odom'}}[robot] <= topics


def urdf(robot):
    return (ROOT / 'src' / 'daydreamer' / 'daydreamer' / 'robots' / 'urdf' / daydreamer_bringup.URDFS[robot]
            ).read_text()


@pytest.mark.parametrize('robot', ROBOTS)
def test_gazebo_description_is_the_urdf_plus_control(robot):
    controllers = ROOT / 'config' / 'gazebo' / f'{robot}_controllers.yaml'
    controllers = str(controllers) if controllers.exists() else None
    root = ET.fromstring(gazebo.description(robot, urdf(robot), controllers, '/' + robot))
    joints = {j.get('name'): j.get('type') for j in root.findall('joint')}
    assert {link.get('name') for link in ET.fromstring(urdf(robot)).findall('link')} <= \
        {link.get('name') for link in root.findall('link')}
    assert daydreamer_bringup.ROOT_FRAMES[robot] in {link.get('name') for link in root.findall('link')}
    if controllers is None:
        assert robot == 'sphero' and root.find('ros2_control') is None
        return
    commanded = gazebo.commanded_joints(controllers)
    assert [j.get('name') for j in root.find('ros2_control').findall('joint')] == commanded
    assert all(joints.get(j) in ('revolute', 'prismatic', 'continuous') for j in commanded), commanded
    if robot == 'a1':
        assert commanded == list(__import__('daydreamer.robots.a1', fromlist=['a1']).JOINT_NAMES)
    assert (joints.get('world_joint') == 'fixed') == daydreamer_bringup.FIXED_BASE[robot]
    params = ros_parameters(controllers)
    manager = params['/**/controller_manager']
    for name in ('forward_position_controller', 'gripper_controller')[:1 if robot == 'a1' else 2]:
        assert manager[name]['type'] == 'forward_command_controller/ForwardCommandController'
        assert params[f'/**/{name}']['interface_name'] == 'position'


def test_fortress_plugin_names_on_humble():
    text = '<plugin filename="gz-sim-imu-system" name="gz::sim::systems::Imu"/>'
    assert gazebo.gz_names(text, 'jazzy') == text
    assert gazebo.gz_names(text, 'humble') == '<plugin filename="ignition-gazebo-imu-system" ' \
                                              'name="ignition::gazebo::systems::Imu"/>'


@pytest.mark.parametrize('distro', ['humble', 'jazzy'])
def test_the_ros2_control_plugin_of_each_distro(distro, monkeypatch):
    monkeypatch.setenv('ROS_DISTRO', distro)
    text = gazebo.description('ur5', urdf('ur5'), str(ROOT / 'config' / 'gazebo' / 'ur5_controllers.yaml'), '/ur5')
    root = ET.fromstring(text)
    hardware = root.find('ros2_control/hardware/plugin').text
    plugin = [p for p in root.iter('plugin') if p.get('filename', '').endswith('ros2_control-system')]
    assert len(plugin) == 1
    if distro == 'humble':  # Fortress: ign_ros2_control
        assert hardware == 'ign_ros2_control/IgnitionSystem'
        assert (plugin[0].get('filename'), plugin[0].get('name')) == (
            'ign_ros2_control-system', 'ign_ros2_control::IgnitionROS2ControlPlugin')
        assert 'gz_ros2_control' not in text and 'gz-sim-' not in text
    else:
        assert hardware == 'gz_ros2_control/GazeboSimSystem'
        assert (plugin[0].get('filename'), plugin[0].get('name')) == (
            'gz_ros2_control-system', 'gz_ros2_control::GazeboSimROS2ControlPlugin')


@pytest.mark.parametrize('robot', ROBOTS)
def test_gazebo_worlds_parse_and_carry_the_cameras_the_bridge_reads(robot):
    world = ET.parse(ROOT / 'config' / 'gazebo' / f'{robot}.sdf').getroot().find('world')
    assert world.get('name') == gazebo.WORLD
    bridged = {e['gz_topic_name'] for e in yaml.safe_load((ROOT / 'config' / 'gazebo' / f'{robot}_bridge.yaml')
                                                          .read_text())}
    for sensor in world.iter('sensor'):
        topic = sensor.findtext('topic')
        expect = {topic + '/image', topic + '/depth_image'} if sensor.get('type') == 'rgbd_camera' else {topic}
        assert expect <= bridged, f'{robot}: {topic} is not bridged'
        if robot in ('ur5', 'xarm'):  # arm_bridge takes exactly 64x64
            assert sensor.findtext('camera/image/width') == sensor.findtext('camera/image/height') == '64'


def test_rviz_config_shows_robot_model_camera_and_imagination():
    config = yaml.safe_load((ROOT / 'rviz' / 'daydreamer.rviz').read_text())
    everything = config['Visualization Manager']['Displays']
    displays = {d['Class']: d for d in everything if d['Class'] != 'rviz_default_plugins/Image'}
    images = [d['Topic']['Value'] for d in everything if d['Class'] == 'rviz_default_plugins/Image']
    assert displays['rviz_default_plugins/RobotModel']['Description Topic']['Value'] == 'robot_description'
    assert 'rviz_default_plugins/TF' in displays
    assert sorted(images) == ['camera/image_raw', 'learner/imagination']


def test_launch_arguments_as_lists_and_bools():
    assert daydreamer_bringup.words('a1 debug') == daydreamer_bringup.words('a1,debug') == ['a1', 'debug']
    assert daydreamer_bringup.as_bool(' True') and not daydreamer_bringup.as_bool('0')
    with pytest.raises(ValueError, match='true'):
        daydreamer_bringup.as_bool('yes')


# --- evaluated by the real launch ---

# Stands in for every process a launch starts (ros2 launch --launch-prefix): writes its command line and the
# contents of its parameter files to a JSON file in argv[1], then exits 0.
RECORDER = """import json
import os
import sys
import uuid

out, cmd = sys.argv[1], sys.argv[2:]
files = {}
for flag, value in zip(cmd, cmd[1:]):
    if flag == '--params-file':
        with open(value) as f:
            files[value] = f.read()
with open(os.path.join(out, uuid.uuid4().hex + '.json'), 'w') as f:
    json.dump({'cmd': cmd, 'files': files}, f)
"""
# Executables of external packages not in this ROS 2 build (Gazebo, rviz): stubs only ever named, never run.
STUB_EXECUTABLES = {'ros_gz_sim': ['create'], 'ros_gz_bridge': ['parameter_bridge'], 'rviz2': ['rviz2']}


class _Loader(yaml.SafeLoader):
    """YAML as launch_ros writes its parameter files: lists of strings as !!python/tuple."""


_Loader.add_constructor('tag:yaml.org,2002:python/tuple', lambda loader, node: loader.construct_sequence(node))


def ros_parameter_text(text, where):
    """{key: {param: value}} of a parameter file's text (our files or the ones launch_ros writes for dicts)."""
    data = yaml.load(text, Loader=_Loader) or {}
    assert isinstance(data, dict) and data, f'{where}: empty or not a mapping'
    for key, node in data.items():
        assert isinstance(node, dict) and set(node) == {'ros__parameters'}, f'{where}: {key} needs ros__parameters'
    return {key: node['ros__parameters'] for key, node in data.items()}


@pytest.fixture(scope='session')
def stub_prefix(tmp_path_factory):
    """
    Make an install prefix with the external packages this ROS 2 lacks.

    ros_gz_sim's gz_sim.launch.py (starting `gz sim`) and stub executables, so that the Gazebo and rviz launch
    files resolve what they name.
    """
    stub = tmp_path_factory.mktemp('external')
    index = stub / 'share' / 'ament_index' / 'resource_index' / 'packages'
    index.mkdir(parents=True)
    for package, executables in STUB_EXECUTABLES.items():
        (index / package).write_text('')
        (stub / 'share' / package).mkdir(parents=True)
        (stub / 'lib' / package).mkdir(parents=True)
        for name in executables:
            exe = stub / 'lib' / package / name
            exe.write_text('#!/bin/sh\nexit 1\n')
            exe.chmod(0o755)
    (stub / 'share' / 'ros_gz_sim' / 'launch').mkdir()
    (stub / 'share' / 'ros_gz_sim' / 'launch' / 'gz_sim.launch.py').write_text(GZ_SIM_STUB)
    return stub


def launch_command(file_name, arguments, out):
    recorder = out.parent / 'recorder.py'
    recorder.write_text(RECORDER)
    return ['ros2', 'launch', 'daydreamer_bringup', file_name, *[f'{k}:={v}' for k, v in arguments.items()],
            '--launch-prefix', f'{sys.executable} -I {recorder} {out}']


@pytest.fixture(scope='session')
def evaluated(stub_prefix, tmp_path_factory):
    """
    Run every case in the real `ros2 launch`; {case id: (exit code, output, [process records])}.

    Its --launch-prefix records each process instead of running it. A few cases run side by side.
    """
    if shutil.which('ros2') is None or importlib.util.find_spec('daydreamer_bringup.gazebo') is None:
        pytest.skip('needs ROS 2 and the workspace built and sourced (scripts/test)')
    env = dict(os.environ, AMENT_PREFIX_PATH=os.pathsep.join([str(stub_prefix), os.environ['AMENT_PREFIX_PATH']]))
    results, running = {}, []

    def finish():
        case, out, proc = running.pop(0)
        try:
            output = proc.communicate(timeout=120)[0]
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output = proc.communicate()[0] + '\n(killed after 120 s)'
        results[case] = (proc.returncode, output, [json.loads(p.read_text()) for p in sorted(out.glob('*.json'))])

    for (file_name, arguments), case in zip(CASES, CASE_IDS):
        base = tmp_path_factory.mktemp('case')
        out = base / 'processes'
        out.mkdir()
        running.append((case, out, subprocess.Popen(
            launch_command(file_name, arguments, out), cwd=base, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
            env=dict(env, ROS_LOG_DIR=str(base / 'log'), TMPDIR=str(base)))))
        if len(running) >= 3:
            finish()
    while running:
        finish()
    return results


def describe(record):
    """
    Describe a recorded process.

    {kind, package, executable, name, namespace, arguments, parameters (list of (file path, text)), remappings,
    cmd}.
    """
    cmd = record['cmd']
    path = Path(cmd[0])
    info = {'cmd': cmd, 'kind': 'process', 'package': None, 'executable': path.name, 'name': None, 'namespace': None,
            'arguments': cmd[1:], 'parameters': [], 'remappings': []}
    if path.parent.parent.name == 'lib' and '--ros-args' in cmd:
        split = cmd.index('--ros-args')
        info.update(kind='node', package=path.parent.name, arguments=cmd[1:split])
        ros_args = cmd[split + 1:]
        for flag, value in zip(ros_args[::2], ros_args[1::2]):
            if flag == '--params-file':
                info['parameters'].append((value, record['files'][value]))
            elif flag == '-r' and value.startswith('__node:='):
                info['name'] = value.split(':=', 1)[1]
            elif flag == '-r' and value.startswith('__ns:='):
                info['namespace'] = value.split(':=', 1)[1]
            elif flag == '-r':
                info['remappings'].append(tuple(value.split(':=', 1)))
            else:
                raise AssertionError(f'unexpected ROS argument {flag} {value} in {cmd}')
    return info


def processes(evaluated, case):
    code, output, records = evaluated[case]
    assert code == 0, f'ros2 launch {case} exited with {code}:\n{output[-4000:]}'
    assert 'process has died' not in output, output[-4000:]
    return [describe(r) for r in records]


def node_parameters(node):
    """{param: value} the launch sets on the node: its parameter files in order, the keys that match it."""
    fqn = (node['namespace'] or '/').rstrip('/') + '/' + node['name']
    values = {}
    for path, text in node['parameters']:
        for key, params in ros_parameter_text(text, path).items():
            if key in ('/**', fqn, '/**/' + node['name']):
                values.update(params)
    return values


def built_from_this_checkout(package):
    """
    Whether the package comes from the install that holds this checkout's launch files.

    That install is wherever scripts/test or the user built it; not another workspace or an older build.
    """
    from ament_index_python.packages import get_package_prefix
    bringup = Path(get_package_prefix('daydreamer_bringup'))
    prefix = Path(get_package_prefix(package))
    if prefix not in (bringup, bringup.parent / package):  # a merged or an isolated install
        return False
    installed = bringup / 'share' / 'daydreamer_bringup' / 'launch'
    return all((installed / p.name).is_file() and (installed / p.name).read_bytes() == p.read_bytes()
               for p in (ROOT / 'launch').glob('*.launch.py'))


def installed_executable(package, executable):
    from ament_index_python.packages import get_package_prefix
    return Path(get_package_prefix(package)) / 'lib' / package / executable


@pytest.mark.parametrize('file_name,arguments', CASES, ids=CASE_IDS)
def test_launch_file_starts_only_known_nodes_with_valid_files(evaluated, file_name, arguments):
    started = processes(evaluated, f'{file_name}:{arguments}')
    nodes = [p for p in started if p['kind'] == 'node']
    assert nodes, f'{file_name} starts nothing'
    robot = arguments.get('robot') or file_name.split('_')[0]
    namespace = '/' + arguments.get('namespace', robot if robot in ROBOTS else 'a1').strip('/')
    for node in nodes:
        key = (node['package'], node['executable'])
        if key not in EXTERNAL:
            assert node['package'] in OURS, f'{key} is neither ours nor a documented external package'
            exe = Path(node['cmd'][0])
            assert exe == installed_executable(*key) and exe.is_file() and os.access(exe, os.X_OK), exe
            assert built_from_this_checkout(node['package']), f'{exe} is not built from {ROOT}'
        assert (node['namespace'] or '/').rstrip('/') == namespace.rstrip('/'), (key, node['namespace'])
        for path, text in node['parameters']:
            for params in ros_parameter_text(text, path).values():
                assert all(v is not None for v in params.values()), (path, params)
        params = node_parameters(node) if node['name'] else {}
        if key == ('robot_state_publisher', 'robot_state_publisher'):
            assert ET.fromstring(params['robot_description']).tag == 'robot'
        if key == ('rviz2', 'rviz2'):
            args = node['arguments']
            yaml.safe_load(Path(args[args.index('-d') + 1]).read_text())
            if robot in ROBOTS:
                assert args[args.index('-f') + 1] == daydreamer_bringup.ROOT_FRAMES[robot]
        if key == ('ros_gz_bridge', 'parameter_bridge'):
            assert Path(params['config_file']).is_file()
        if key == ('controller_manager', 'spawner'):
            from ament_index_python.packages import get_package_share_directory
            controllers = Path(get_package_share_directory('daydreamer_bringup'), 'config', 'gazebo',
                               f'{robot}_controllers.yaml')
            manager = ros_parameters(controllers)['/**/controller_manager']
            assert node['arguments'][0] in manager
        for source, target in node['remappings']:
            assert source in CONTRACT, f'remapping of a topic outside the contract: {source}'
    if 'gazebo' in file_name:
        (gz,) = [p for p in started if p['kind'] == 'process' and p['executable'] == 'gz']
        world = ' '.join(gz['arguments']).split('-r ', 1)[1].split()[0]
        assert ET.parse(world).getroot().find('world').get('name') == gazebo.WORLD


def plain(value):
    """Compare sequences as lists: rclpy gives array('q') / array('d'), launch_ros tuples."""
    return list(value) if isinstance(value, (list, tuple, array.array)) else value


class Started:
    """
    One of our nodes started from its installed executable with the launch's command line.

    Its parameter files are copied; HOME is a tmp folder (spool, logdir); it runs in a process group of its own.
    """

    def __init__(self, node, directory):
        self.node, self.directory = node, directory
        cmd = list(node['cmd'])
        for i, (path, text) in enumerate(node['parameters']):
            copy = directory / f'params_{i}.yaml'
            copy.write_text(text)
            cmd[cmd.index(path)] = str(copy)
        self.log = open(directory / 'node.log', 'w')
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True,
                                     env=dict(os.environ, HOME=str(directory), ROS_LOG_DIR=str(directory / 'log')))
        self.fqn = (node['namespace'] or '/').rstrip('/') + '/' + node['name']

    def output(self):
        return (self.directory / 'node.log').read_text(errors='replace')[-4000:]

    def stop(self):
        """Ctrl-C; the exit code."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return self.proc.wait(10)
        finally:
            self.log.close()


def declared_parameters(node, fqn, names, timeout):
    """(every declared name, {name: value} of `names` among them), by the node's parameter services."""
    import rclpy
    from rcl_interfaces.msg import Parameter as ParameterMsg
    from rcl_interfaces.srv import GetParameters, ListParameters
    from rclpy.parameter import Parameter

    def call(srv_type, name, request):
        client = node.create_client(srv_type, f'{fqn}/{name}')
        try:
            assert client.wait_for_service(timeout_sec=timeout), f'{fqn}/{name} is not available'
            future = client.call_async(request)
            rclpy.spin_until_future_complete(node, future, timeout_sec=timeout)
            assert future.done(), f'no answer from {fqn}/{name}'
            return future.result()
        finally:
            node.destroy_client(client)
    listed = call(ListParameters, 'list_parameters', ListParameters.Request()).result.names
    wanted = [n for n in names if n in listed]
    values = call(GetParameters, 'get_parameters', GetParameters.Request(names=wanted)).values
    return set(listed), {n: Parameter.from_parameter_msg(ParameterMsg(name=n, value=v)).value
                         for n, v in zip(wanted, values)}


def test_our_nodes_declare_every_parameter_the_launch_sets(evaluated, ros, tmp_path):
    """
    Start our nodes of the real and Gazebo launch files with exactly the launch's command line.

    Each distinct parameter set once (the sim launch files run whole in test_launch_graph.py): they come up (a
    type clash would stop them), have declared every parameter the launch sets, hold its value, and stop
    cleanly on Ctrl-C.
    """
    chosen = {}
    for robot in ROBOTS:
        for mode in ('real', 'gazebo'):
            for node in processes(evaluated, f'{robot}_{mode}.launch.py:{{}}'):
                if node['package'] in OURS:
                    expected = node_parameters(node)
                    signature = (node['executable'], tuple(sorted((k, type(v).__name__) for k, v in expected.items())))
                    chosen.setdefault(signature, (node, expected))
    assert {node['executable'] for node, _ in chosen.values()} == {
        'a1_bridge', 'arm_bridge', 'sphero_bridge', 'actor', 'learner'}
    # Nodes with the same name (the Sphero bridge of the real and of the Gazebo launch) run one after the other.
    waves = []
    for node, expected in chosen.values():
        fqn = (node['namespace'] or '/').rstrip('/') + '/' + node['name']
        wave = next((w for w in waves if fqn not in w), None)
        if wave is None:
            waves.append(wave := {})
        wave[fqn] = node, expected
    probe = ros.create_node('launch_parameters_probe')
    for number, wave in enumerate(waves):
        started = []
        try:
            for node, expected in wave.values():
                directory = tmp_path / f"{number}_{node['executable']}_{len(started)}"
                directory.mkdir()
                started.append((Started(node, directory), expected))
            for run, expected in started:
                try:
                    listed, declared = declared_parameters(probe, run.fqn, list(expected), timeout=120.0)
                except AssertionError as e:
                    raise AssertionError(f'{e}\n{run.output()}') from None
                missing = sorted(set(expected) - listed)
                assert not missing, f"{run.node['executable']} does not declare {missing} (the launch sets them)"
                for key, value in expected.items():
                    assert plain(declared[key]) == plain(value), (run.fqn, key, declared[key], value)
        finally:
            codes = [(run.fqn, run.stop(), run) for run, _ in started]
        for fqn, code, run in codes:
            assert code == 0, f'{fqn} exited with {code} on Ctrl-C:\n{run.output()}'
    probe.destroy_node()


def test_the_real_arm_bridges_take_the_drivers_global_names_and_the_sim_the_same_relative_ones(evaluated):
    def arm_bridge(case):
        (node,) = [p for p in processes(evaluated, case) if p['kind'] == 'node' and p['executable'] == 'arm_bridge']
        return node, node_parameters(node)
    real, params = arm_bridge('ur5_real.launch.py:{}')
    assert params['gripper_action'] == '/robotiq_gripper_controller/gripper_cmd'
    expected = {('joint_states', '/joint_states'),
                ('forward_position_controller/commands', '/forward_position_controller/commands')}
    assert expected <= {tuple(r) for r in real['remappings']}
    real, params = arm_bridge('xarm_real.launch.py:{}')
    assert params['gripper_action'] == '/xarm_gripper/gripper_action'
    assert ('xarm6_traj_controller/joint_trajectory', '/xarm6_traj_controller/joint_trajectory') in [
        tuple(r) for r in real['remappings']]
    sim, params = arm_bridge('ur5_sim.launch.py:{}')
    assert not params.get('gripper_action') and not sim['remappings'], 'the sim node offers the same names, relative'


def test_record_true_records_the_agent_topics_in_mcap_under_the_logdir(evaluated):
    started = processes(evaluated, "ur5_real.launch.py:{'record': 'true', 'record_topics': '/joint_states', "
                                   "'logdir': '/tmp/run'}")
    (recorder,) = [p for p in started if p['cmd'][1:3] == ['bag', 'record']]
    cmd = recorder['cmd']
    assert cmd[cmd.index('--storage') + 1] == 'mcap'
    assert Path(cmd[cmd.index('--output') + 1]).parent == Path('/tmp/run/bags')
    assert {f'/ur5/{t}' for t in daydreamer_bringup.RECORDED} | {'/joint_states'} <= set(cmd)
    assert not [p for p in processes(evaluated, 'ur5_real.launch.py:{}') if p['cmd'][1:3] == ['bag', 'record']]


def test_playback_plays_the_driver_topics_of_the_bag_on_its_clock_to_the_bridge_and_actor(evaluated):
    started = processes(evaluated, f"playback.launch.py:{{'bag': '{ROOT / 'test' / 'data' / 'a1_session'}'}}")
    (player,) = [p for p in started if p['cmd'][1:3] == ['bag', 'play']]
    cmd = player['cmd']
    assert '--clock' in cmd and cmd[cmd.index('--topics') + 1:] == ['/a1/low_state'], 'only what the driver sent'
    nodes = {p['executable']: node_parameters(p) for p in started if p['kind'] == 'node'}
    assert set(nodes) == {'a1_bridge', 'actor'}, 'no learner unless asked for'
    assert nodes['a1_bridge']['use_sim_time'] and nodes['actor']['use_sim_time'] and nodes['actor']['mode'] == 'eval'
