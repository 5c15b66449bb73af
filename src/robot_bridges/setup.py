from setuptools import find_packages, setup

package_name = 'robot_bridges'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
    ],
    python_requires='>=3.10',
    install_requires=['setuptools', 'numpy>=1.24'],
    extras_require={'test': ['pytest>=7']},
    zip_safe=True,
    maintainer='DayDreamer for ROS 2 team',
    maintainer_email='daydreamer@example.com',
    description='Bridges between robot drivers (A1, UR5, xArm, Sphero) and the DayDreamer agent, '
                'the MuJoCo simulation node and keyboard teleop.',
    license='MIT',
    entry_points={'console_scripts': [
        'a1_bridge = robot_bridges.a1_bridge:main',
        'arm_bridge = robot_bridges.arm_bridge:main',
        'sphero_bridge = robot_bridges.sphero_bridge:main',
        'sim = robot_bridges.sim_node:main',
        'teleop_key = robot_bridges.teleop_key:main',
    ]},
)
