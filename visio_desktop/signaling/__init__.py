"""Client side of the meeting protocol, one module per server kind."""
