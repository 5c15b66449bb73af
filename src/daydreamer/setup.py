from setuptools import find_packages, setup

package_name = 'daydreamer'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    package_data={package_name: ['configs.yaml']},
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
        ('share/' + package_name + '/config', ['daydreamer/configs.yaml']),
    ],
    python_requires='>=3.10',
    install_requires=[
        'numpy>=1.24',
        'pyyaml>=6',
        'torch>=2.1',
        'safetensors>=0.4',
        'tensorboard>=2.14',
    ],
    extras_require={'test': ['pytest>=7']},
    zip_safe=True,
    maintainer='DayDreamer for ROS 2 team',
    maintainer_email='daydreamer@example.com',
    description='ROS-free core of DayDreamer for ROS 2: world models for robot learning.',
    license='MIT',
    entry_points={'console_scripts': ['daydreamer = daydreamer.cli:main']},
)
