"""ros2_double.launch_eval: evaluate a launch file like `ros2 launch <file> name:=value ...`, start nothing."""

import os


def launch_eval(path, arguments):
    from launch import LaunchContext
    from launch._core import visit_all
    from launch.actions import IncludeLaunchDescription
    from launch.launch_description_sources import AnyLaunchDescriptionSource
    for key, value in arguments.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f'launch arguments are strings (name:=value): got {key!r}: {value!r}')
    context = LaunchContext()
    include = IncludeLaunchDescription(AnyLaunchDescriptionSource(os.fspath(path)),
                                       launch_arguments=list(arguments.items()))
    visit_all(include, context)
    out = []
    for record in context._double_processes:
        record = dict(record)
        record.pop('env', None)
        out.append(record)
    return out


def ament_prefix(root, packages):
    """Make `root` look like an install prefix holding `packages` ({name: share_dir}); returns the prefix.

    Use with monkeypatch.setenv('AMENT_PREFIX_PATH', prefix) so FindPackageShare resolves to the source tree.
    """
    root = os.fspath(root)
    index = os.path.join(root, 'share', 'ament_index', 'resource_index', 'packages')
    os.makedirs(index, exist_ok=True)
    for name, share in packages.items():
        open(os.path.join(index, name), 'w').close()
        link = os.path.join(root, 'share', name)
        if not os.path.lexists(link):
            os.symlink(os.path.abspath(os.fspath(share)), link)
    return root
