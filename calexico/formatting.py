"""Numbers as a reader wants to see them."""


def money(x: float, decimals: int = 1) -> str:
    """US dollars with a B/M/k suffix: -$1.2M, $350k, $12."""
    sign = "-" if x < 0 else ""
    x = abs(x)
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= size:
            return f"{sign}${x / size:,.{decimals}f}{unit}"
    return f"{sign}${x:,.0f}"
