"""ROS 2 bridges between robot drivers and the DayDreamer agent, the MuJoCo sim node and keyboard teleop."""
