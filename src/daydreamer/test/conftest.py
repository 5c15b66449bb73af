"""MuJoCo reads MUJOCO_GL on first import: choose the headless backend before any test imports it."""

from daydreamer import sim

sim.import_mujoco()
