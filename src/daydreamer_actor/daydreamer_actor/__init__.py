"""The DayDreamer actor node (`actor`): policy at the control rate, experience out, weights in."""
