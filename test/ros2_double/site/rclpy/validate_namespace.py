from ._names import validate_namespace  # noqa: F401
