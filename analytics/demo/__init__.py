"""The illustrative dataset."""
