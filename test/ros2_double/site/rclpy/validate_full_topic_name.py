from ._names import validate_full_topic_name  # noqa: F401
