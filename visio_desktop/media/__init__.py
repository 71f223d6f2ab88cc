"""Media sources and sinks: synthetic tracks now, devices later."""
