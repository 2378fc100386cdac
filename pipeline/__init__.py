"""SECON newsletter pipeline: one English issue file in, every partner language out."""

__version__ = "0.1.0"
