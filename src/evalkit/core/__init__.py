"""The bottom layer: errors, the project's paths, hashing and atomic writes, rounding for display, the
tables a notebook records, and escaping of outside text. Imports nothing else from evalkit."""
