"""Benchmark commands: measurements of dam next to bare tools. It may import every app; nothing imports it."""
