"""Example data: a demo period written through the lead units' templates, and synthetic cities for scale."""
