from setuptools import find_packages, setup

package_name = 'daydreamer_actor'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
    ],
    python_requires='>=3.10',
    install_requires=['setuptools'],
    extras_require={'test': ['pytest>=7']},
    zip_safe=True,
    maintainer='DayDreamer for ROS 2 team',
    maintainer_email='daydreamer@example.com',
    description='The DayDreamer actor node: policy at the control rate, experience out, weights in.',
    license='MIT',
    entry_points={'console_scripts': ['actor = daydreamer_actor.actor_node:main']},
)
