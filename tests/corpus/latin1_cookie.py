# -*- coding: latin-1 -*-
"""A latin-1 source file: the bytes below are not UTF-8."""


def café(prix: int) -> str:
    # coût en écus
    if prix > 5:
        return "cher à Paris"
    elif prix == 0:
        return "gratuit"
    return "bon marché"


print(café(3), café(9).encode("utf-8"))
