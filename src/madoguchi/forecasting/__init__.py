"""Wait estimates, the congestion calendar (混雑予想) and places (issue 12)."""
