"""Wait-time estimate. One replaceable function; a forecaster replaces it later."""

import math


def estimate_wait_minutes(*, people_ahead: int, mean_service_minutes: float, open_counters: int) -> int:
    """People ahead × recent mean service time ÷ counters open for the category.

    With no open counter we still divide by one: the figure then reads as
    "at least", which is more useful to a citizen than a blank.
    """
    if people_ahead <= 0:
        return 0
    return math.ceil(people_ahead * mean_service_minutes / max(open_counters, 1))
