"""ROS-side helpers shared by every DayDreamer node: `qos` (the topic profiles of the contract),
`convert` (messages <-> the core's numpy types) and `images` (sensor_msgs/Image <-> arrays)."""
