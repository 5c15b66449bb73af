from glob import glob

from setuptools import setup

package_name = 'daydreamer_bringup'
share = 'share/' + package_name

# launch/, config/ and rviz/ are symlinks to the workspace's top-level folders, so there is one source.
# config/daydreamer.yaml (the core's defaults) is installed by the daydreamer package itself.
setup(
    name=package_name,
    version='0.1.0',
    packages=[package_name],
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        (share, ['package.xml']),
        (share + '/launch', sorted(glob('launch/*.launch.py'))),
        (share + '/config', sorted(f for f in glob('config/*.yaml') if not f.endswith('daydreamer.yaml'))),
        (share + '/config/gazebo', sorted(glob('config/gazebo/*'))),
        (share + '/rviz', sorted(glob('rviz/*.rviz'))),
    ],
    install_requires=['setuptools', 'pyyaml'],
    extras_require={'test': ['pytest>=7']},
    zip_safe=True,
    maintainer='DayDreamer for ROS 2 team',
    maintainer_email='daydreamer@example.com',
    description='Launch files, parameter files, Gazebo worlds and the rviz configuration of DayDreamer for ROS 2.',
    license='MIT',
)
