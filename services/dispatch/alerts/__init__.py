"""Emergency alerts (紧急求助): raised, answered, escalated by the EmergencyDispatch workflow."""
