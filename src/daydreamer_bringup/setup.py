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
