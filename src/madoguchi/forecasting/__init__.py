"""Wait estimates, the congestion forecast calendar (混雑予想) and places (tourist sites)."""
