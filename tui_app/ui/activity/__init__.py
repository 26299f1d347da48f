"""The Activity screen and the activity shown in key details."""
