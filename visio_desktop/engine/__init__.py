"""The engine thread and the Session facade every front end calls."""
