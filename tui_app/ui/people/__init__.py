"""The People screen: admins manage people and teams; managers read their teams."""
