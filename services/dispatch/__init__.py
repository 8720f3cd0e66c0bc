"""The dispatch service: matching people to work — who should take a wish, who is on duty, who answers an alert."""
