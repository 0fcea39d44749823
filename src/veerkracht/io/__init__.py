"""Readers and writers: files in, frames out (and back)."""
