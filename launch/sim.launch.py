"""A robot's MuJoCo twin with the whole learning loop: sim node (driver-level topics, like the real driver),
robot_state_publisher (the same URDF), bridge, actor, learner and, with rviz:=true, rviz2.

  ros2 launch daydreamer_bringup sim.launch.py robot:=ur5 rviz:=true      (or ur5_sim.launch.py rviz:=true)

With use_sim_time:=true the sim publishes /clock and every node runs on sim time (one simulated robot per ROS
domain then, because /clock is global). Parameters: config/sim.yaml and those of the included launch files.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, GroupAction, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node, PushRosNamespace

from daydreamer_bringup import agent_arguments, agent_includes, as_bool, config_path, robot_state_publisher, urdf_path


def simulation(context):
    arg = lambda name: LaunchConfiguration(name).perform(context)
    robot, use_sim_time = arg('robot'), as_bool(arg('use_sim_time'))
    with open(urdf_path(robot)) as f:
        description = f.read()
    return [GroupAction([
        PushRosNamespace(arg('namespace')),
        # The sim keeps wall time itself; it is the source of /clock when use_sim_time is on.
        Node(package='robot_bridges', executable='sim', name='sim', output='screen',
             parameters=[config_path('sim.yaml'), {'robot': robot, 'publish_clock': use_sim_time}]),
        robot_state_publisher(description, use_sim_time),
    ])]


def generate_launch_description():
    return LaunchDescription([
        *agent_arguments('a1'),
        DeclareLaunchArgument('use_sim_time', default_value='false', choices=['true', 'false'],
                              description='run every node on the simulated /clock'),
        OpaqueFunction(function=simulation),
        *agent_includes(LaunchConfiguration('use_sim_time'), 'sim'),
    ])
