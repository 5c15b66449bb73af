from ._names import validate_topic_name  # noqa: F401
