"""Multi-line string literals inside statements and calls."""

import textwrap

TEMPLATE = """
Dear {name},
  your order {order} is {state}.
"""


def letter(name: str, order: int, shipped: bool) -> str:
    body = TEMPLATE.format(
        name=name,
        order=order,
        state="""shipped""" if shipped else """pending""",
    )
    if len(body) > 1000:
        body = body[:1000]
    return textwrap.dedent(
        """\
        Header
        """
    ) + body


def query(table: str, limit: int | None) -> str:
    sql = f"""
        SELECT *
        FROM {table}
    """
    if limit is not None:
        sql += f"LIMIT {limit}"
    return " ".join(sql.split())


print(letter("Ann", 7, True))
print(query("users", None))
