"""Peer connections: mesh peers, ICE configuration, statistics."""
