"""launch.conditions of the double."""

from ._core import (IfCondition, InvalidConditionExpressionError, LaunchConfigurationEquals,  # noqa: F401
                    LaunchConfigurationNotEquals, UnlessCondition, evaluate_condition_expression)
