"""Delivery: from built editions to what a partner sends (lists, footers, messages)."""
