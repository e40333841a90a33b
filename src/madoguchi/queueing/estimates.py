"""Wait-time estimate. One replaceable function; a forecaster replaces it later."""

import math


def estimate_wait_minutes(*, people_ahead: int, mean_service_minutes: float, open_counters: int) -> int:
    """People ahead × recent mean service time ÷ counters open for the category.

    At least one minute while anyone is ahead. With no open counter we still divide by one: the figure then reads as
    "at least", which is more useful to a citizen than a blank.
    """
    if people_ahead <= 0:
        return 0
    # Never promise "0 minutes" while someone is ahead: a few services closed
    # within seconds (a clerk pressing 次を呼出 twice) can make the mean ~0.
    return max(1, math.ceil(people_ahead * mean_service_minutes / max(open_counters, 1)))
