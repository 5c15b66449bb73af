from ._names import validate_node_name  # noqa: F401
