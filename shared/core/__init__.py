"""Settings, errors and logging both services share."""
