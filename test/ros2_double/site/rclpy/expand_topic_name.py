from ._names import expand_topic_name  # noqa: F401
