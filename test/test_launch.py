"""The launch files, parameter files, Gazebo configurations and the rviz configuration of daydreamer_bringup.

A throwaway colcon install (once per session) provides what `ros2 launch` would find: share/daydreamer_bringup,
the installed executables and the daydreamer_bringup module. Every launch file is evaluated on the test double's
launch (test/ros2_double, stage 3) for its argument combinations; every node it starts must be one of our
installed executables or an external package we document (EXTERNAL); every parameter file must exist and parse;
and our nodes are started from their installed entry points with exactly the launch's parameters (as
`ros2 launch` passes them: --params-file per file and per dict), which fails on a type clash, and must have
declared every parameter the launch sets. The static checks (YAML, Gazebo, rviz) run without the double.
"""

import configparser
import importlib
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'src' / 'daydreamer_bringup'))
import daydreamer_bringup  # noqa: E402
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
    'raw_motor': 'std_msgs/msg/Float64MultiArray',
    'forward_position_controller/commands': 'std_msgs/msg/Float64MultiArray',
    'gripper_controller/commands': 'std_msgs/msg/Float64MultiArray',
}
GZ_SIM_STUB = '''from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess
from launch.substitutions import LaunchConfiguration


def generate_launch_description():
    return LaunchDescription([DeclareLaunchArgument('gz_args', default_value=''),
                              ExecuteProcess(cmd=['gz', 'sim', LaunchConfiguration('gz_args')])])
'''

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
]


def test_every_launch_file_is_covered_and_installed():
    files = {p.name for p in (ROOT / 'launch').glob('*.launch.py')}
    assert {case[0] for case in CASES} == files
    for robot in ROBOTS:
        assert {f'{robot}_{mode}.launch.py' for mode in ('sim', 'gazebo', 'real')} <= files
    bringup = ROOT / 'src' / 'daydreamer_bringup'
    for name in ('launch', 'config', 'rviz'):
        link = bringup / name
        assert link.is_symlink() and link.resolve() == (ROOT / name).resolve(), f'{link} must link to ../../{name}'


# --- static checks (no double needed) ---

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
    assert {'a1': {'imu/data'}, 'ur5': {'camera/image_raw'}, 'xarm': {'camera/image_raw', 'camera/depth/image_raw'},
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


# --- evaluated on the double's launch ---

def double():
    try:
        import ros2_double
    except ImportError:
        pytest.skip('real ROS 2: run `ros2 launch ... --show-args` instead')
    return ros2_double


@pytest.fixture(scope='session')
def prefix(tmp_path_factory):
    """A throwaway install of the workspace's Python packages (as scripts/test builds it) plus stub shares of the
    external packages whose launch files we include."""
    double()
    colcon = shutil.which('colcon') or str(Path(sys.executable).parent / 'colcon')
    if not os.path.exists(colcon):
        pytest.skip('colcon is not installed (scripts/setup --test)')
    base = tmp_path_factory.mktemp('colcon')
    result = subprocess.run(
        [colcon, '--log-base', str(base / 'log'), 'build', '--base-paths', 'src', '--packages-ignore',
         'daydreamer_interfaces', '--build-base', str(base / 'build'), '--install-base', str(base / 'install')],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    stub = base / 'external'
    (stub / 'share' / 'ros_gz_sim' / 'launch').mkdir(parents=True)
    (stub / 'share' / 'ros_gz_sim' / 'launch' / 'gz_sim.launch.py').write_text(GZ_SIM_STUB)
    index = stub / 'share' / 'ament_index' / 'resource_index' / 'packages'
    index.mkdir(parents=True)
    (index / 'ros_gz_sim').write_text('')
    return base / 'install', stub


@pytest.fixture
def installed(prefix, monkeypatch):
    install, stub = prefix
    packages = sorted(p for p in install.iterdir() if (p / 'share').is_dir())
    monkeypatch.setenv('AMENT_PREFIX_PATH', os.pathsep.join([*map(str, packages), str(stub)]))
    site = next((install / 'daydreamer_bringup' / 'lib').glob('python3*/site-packages'))
    monkeypatch.syspath_prepend(str(site))
    for name in [m for m in sys.modules if m.split('.')[0] == 'daydreamer_bringup']:
        monkeypatch.delitem(sys.modules, name)
    return install


def evaluate(install, file_name, arguments):
    ros2_double = double()
    path = install / 'daydreamer_bringup' / 'share' / 'daydreamer_bringup' / 'launch' / file_name
    return ros2_double.launch_eval(str(path), arguments)


def plain(value):
    """A parameter value as launch_ros would write it (ParameterValue unwrapped)."""
    return getattr(value, 'value', value) if type(value).__name__ == 'ParameterValue' else value


@pytest.mark.parametrize('file_name,arguments', CASES, ids=[f'{f}:{a}' for f, a in CASES])
def test_launch_file_starts_only_known_nodes_with_valid_files(installed, file_name, arguments):
    processes = evaluate(installed, file_name, arguments)
    nodes = [p for p in processes if p['kind'] == 'node']
    assert nodes, f'{file_name} starts nothing'
    robot = arguments.get('robot') or file_name.split('_')[0]
    for node in nodes:
        key = (node['package'], node['executable'])
        if key not in EXTERNAL:
            assert node['package'] in OURS, f'{key} is neither ours nor a documented external package'
            exe = installed / node['package'] / 'lib' / node['package'] / node['executable']
            assert exe.is_file() and os.access(exe, os.X_OK), f'{exe} is not installed'
        for entry in node['parameters']:
            if isinstance(entry, (str, os.PathLike)):
                ros_parameters(entry)
            else:
                assert all(plain(v) is not None for v in entry.values()), entry
        if key == ('robot_state_publisher', 'robot_state_publisher'):
            (params,) = [e for e in node['parameters'] if isinstance(e, dict)]
            description = ET.fromstring(plain(params['robot_description']))
            assert description.tag == 'robot'
        if key == ('rviz2', 'rviz2'):
            args = list(node['arguments'])
            yaml.safe_load(Path(args[args.index('-d') + 1]).read_text())
            if robot in ROBOTS:
                assert args[args.index('-f') + 1] == daydreamer_bringup.ROOT_FRAMES[robot]
        if key == ('ros_gz_bridge', 'parameter_bridge'):
            (params,) = [e for e in node['parameters'] if isinstance(e, dict)]
            assert Path(plain(params['config_file'])).is_file()
        if key == ('controller_manager', 'spawner'):
            controllers = installed / 'daydreamer_bringup' / 'share' / 'daydreamer_bringup' / 'config' / 'gazebo'
            manager = ros_parameters(controllers / f'{robot}_controllers.yaml')['/**/controller_manager']
            assert node['arguments'][0] in manager
        for source, target in node['remappings']:
            assert source in CONTRACT, f'remapping of a topic outside the contract: {source}'
    if 'gazebo' in file_name:
        (gz,) = [p for p in processes if p['kind'] == 'process' and 'gz' in p['cmd'][:1]]
        world = ' '.join(gz['cmd']).split('-r ', 1)[1].split()[0]
        assert ET.parse(world).getroot().find('world').get('name') == gazebo.WORLD


def entry_point(install, package, executable):
    """module, function of a console script, read from the installed egg-info (what `ros2 run` executes)."""
    (info,) = (install / package / 'lib').glob(f'python3*/site-packages/{package}-*.egg-info/entry_points.txt')
    parser = configparser.ConfigParser()
    parser.read(info)
    module, function = parser.get('console_scripts', executable).split(':')
    return module.strip(), function.strip()


def params_file(directory, values, index):
    path = directory / f'params_{index}.yaml'
    path.write_text(yaml.safe_dump({'/**': {'ros__parameters': {k: plain(v) for k, v in values.items()}}}))
    return path


def run_node(install, node, tmp_path, monkeypatch):
    """Starts the node's installed main with the launch's command line and returns, for each node it spins,
    (name, namespace, {declared parameter: value}). Spinning returns at once."""
    import rclpy
    from rclpy.executors import Executor, MultiThreadedExecutor, SingleThreadedExecutor
    seen = []

    def record(nodes):
        for n in nodes:
            names = n._parameters if hasattr(n, '_parameters') else {}
            seen.append((n.get_name(), n.get_namespace(), {p: n.get_parameter(p).value for p in names}))

    monkeypatch.setattr(rclpy, 'spin', lambda n, executor=None: record([n]))
    for cls in {Executor, SingleThreadedExecutor, MultiThreadedExecutor}:
        monkeypatch.setattr(cls, 'spin', lambda self, *a, **k: record(self.get_nodes()))
    monkeypatch.setenv('HOME', str(tmp_path))  # logdir, spool and ~/.ros land here
    args = ['--ros-args', '-r', f"__node:={node['name']}", '-r', f"__ns:={node['namespace'] or '/'}"]
    for i, entry in enumerate(node['parameters']):
        args += ['--params-file', str(entry if isinstance(entry, (str, os.PathLike))
                                      else params_file(tmp_path, entry, i))]
    for source, target in node['remappings']:
        args += ['-r', f'{source}:={target}']
    module, function = entry_point(install, node['package'], node['executable'])
    getattr(importlib.import_module(module), function)(args=[node['executable'], *args])
    return seen


def launch_parameters(node):
    values = {}
    for entry in node['parameters']:
        if isinstance(entry, (str, os.PathLike)):
            for params in ros_parameters(entry).values():
                values.update(params)
        else:
            values.update({k: plain(v) for k, v in entry.items()})
    return values


STARTED = set()


@pytest.mark.parametrize('mode', ['sim', 'real'])
@pytest.mark.parametrize('robot', ROBOTS)
def test_our_nodes_declare_every_parameter_the_launch_sets(installed, robot, mode, tmp_path, monkeypatch):
    ros2_double = double()
    nodes = [p for p in evaluate(installed, f'{robot}_{mode}.launch.py', {})
             if p['kind'] == 'node' and p['package'] in OURS]
    assert nodes
    for node in nodes:
        expected = launch_parameters(node)
        signature = (node['executable'], repr(sorted(expected.items())))
        if signature in STARTED:
            continue  # the same node with the same parameters (e.g. the learner in sim and real)
        STARTED.add(signature)
        try:
            seen = run_node(installed, node, tmp_path, monkeypatch)
        finally:
            ros2_double.reset()
        (name, namespace, declared), = [s for s in seen if s[0] == node['name']]
        assert namespace == '/' + robot
        missing = sorted(set(expected) - set(declared))
        assert not missing, f"{node['executable']} does not declare {missing} (the launch sets them)"
        for key, value in expected.items():
            got = declared[key]
            assert (list(got) if isinstance(got, (list, tuple)) or hasattr(got, 'tolist') else got) == value, key
