import os


def get_search_paths():
    paths = os.environ.get('AMENT_PREFIX_PATH')
    if not paths:
        raise EnvironmentError("Environment variable 'AMENT_PREFIX_PATH' is not set or empty")
    return [p for p in paths.split(os.pathsep) if p and os.path.exists(p)]
