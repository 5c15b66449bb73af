# Copyright 2026 DayDreamer for ROS 2 team
#
# Permission is hereby granted, free of charge, to any person obtaining a copy
# of this software and associated documentation files (the "Software"), to deal
# in the Software without restriction, including without limitation the rights
# to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
# copies of the Software, and to permit persons to whom the Software is
# furnished to do so, subject to the following conditions:
#
# The above copyright notice and this permission notice shall be included in
# all copies or substantial portions of the Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
# IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
# FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL
# THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
# LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
# OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
# THE SOFTWARE.

from glob import glob

from setuptools import find_packages, setup

package_name = 'daydreamer'

extras = {
    'sim': ['mujoco==3.17.0'],  # dm_control 1.0.50 breaks on mujoco 4
    'dmc': ['mujoco==3.17.0', 'dm_control==1.0.50'],
    'bench': ['matplotlib>=3.5'],
    'onnx': ['onnx>=1.14', 'onnxruntime>=1.17'],  # the actor's fast CPU policy step (policy_runtime auto/onnx)
    'test': [
        'pytest>=7',
        'pytest-xdist>=3',  # scripts/test runs the slow learning tests side by side (one torch thread each)
        'flake8>=5,<6; python_version < "3.12"',  # ament_flake8 breaks on flake8 >= 6
        'flake8>=7; python_version >= "3.12"',  # pycodestyle before 2.11 misreads 3.12 f-strings
    ],
}
extras['all'] = sorted({req for reqs in extras.values() for req in reqs})

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    package_data={package_name: ['configs.yaml', 'robots/urdf/*.urdf', 'interfaces/*.msg']},
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
        ('share/' + package_name + '/config', ['daydreamer/configs.yaml']),
        # the robot descriptions, for robot_state_publisher, rviz and Gazebo
        ('share/' + package_name + '/urdf', glob('daydreamer/robots/urdf/*.urdf')),
    ],
    python_requires='>=3.10',
    install_requires=[
        'numpy>=1.24',
        'pyyaml>=6',
        'torch>=2.1',
        'safetensors>=0.4',
        'tensorboard>=2.14',
        'opencv-python-headless>=4.5',  # camera frames of any size -> the agent's image (daydreamer.images.fit)
        'rosbags>=0.10',  # rosbag2 bags (mcap, sqlite3) read and written without ROS (daydreamer.bags)
        'mcap>=1.1',  # the records of an mcap cut short (a killed recorder), which rosbags does not open
        'tqdm>=4.60',  # progress bars of the long offline commands
    ],
    # Extras: sim (MuJoCo twins of the robots), dmc (DeepMind Control), bench (learning-curve plots), onnx,
    # test (also read by colcon, which runs pytest: setuptools >= 72 ignores `tests_require`, and colcon
    # then silently runs unittest instead). `all` is what scripts/setup installs.
    extras_require=extras,
    zip_safe=False,  # MuJoCo loads the URDFs by file path
    maintainer='DayDreamer for ROS 2 team',
    maintainer_email='daydreamer@example.com',
    description='ROS-free core of DayDreamer for ROS 2: world models for robot learning.',
    license='MIT',
    entry_points={'console_scripts': ['daydreamer = daydreamer.cli:main']},
)
