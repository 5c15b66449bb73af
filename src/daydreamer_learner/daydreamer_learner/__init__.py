"""The DayDreamer learner node (`learner`): replay and training; weights, imagination and metrics out."""
