"""The meeting server (`visio-desktop serve`). Imports core only."""
