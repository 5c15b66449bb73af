"""rviz2 on the robot's namespace: the robot model (robot_description + TF), its camera and the learner's
imagination (open-loop world-model predictions next to reality). Runs on any machine on the same ROS_DOMAIN_ID:

  ros2 launch daydreamer_bringup rviz.launch.py robot:=ur5
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, GroupAction, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node, PushRosNamespace
from launch_ros.substitutions import FindPackageShare

from daydreamer_bringup import CAMERAS, ROBOTS, ROOT_FRAMES, as_bool


def rviz(context):
    arg = lambda name: LaunchConfiguration(name).perform(context)
    robot = arg('robot')
    # rviz/daydreamer.rviz shows camera/image_raw; point it at this robot's camera.
    camera = [('camera/image_raw', CAMERAS[robot])] if CAMERAS[robot] not in ('', 'camera/image_raw') else []
    return [GroupAction([
        PushRosNamespace(arg('namespace')),
        Node(package='rviz2', executable='rviz2', name='rviz2', output='screen',
             arguments=['-d', arg('rviz_config'), '-f', ROOT_FRAMES[robot]], remappings=camera,
             parameters=[{'use_sim_time': as_bool(arg('use_sim_time'))}]),
    ])]


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument('robot', default_value='a1', choices=list(ROBOTS), description='which robot'),
        DeclareLaunchArgument('namespace', default_value=LaunchConfiguration('robot'),
                              description="default: the robot's name"),
        DeclareLaunchArgument('use_sim_time', default_value='false', choices=['true', 'false']),
        DeclareLaunchArgument('rviz_config', description='rviz2 configuration',
                              default_value=PathJoinSubstitution([FindPackageShare('daydreamer_bringup'),
                                                                  'rviz', 'daydreamer.rviz'])),
        OpaqueFunction(function=rviz),
    ])
