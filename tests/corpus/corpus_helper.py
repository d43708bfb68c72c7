"""A plain module imported by other corpus programs; running it alone prints a banner."""


def banner(title: str, width: int = 20) -> str:
    if len(title) >= width:
        return title
    return title.center(width, "=")


def unused(x: int) -> int:
    if x:
        return x
    return 0


if __name__ == "__main__":
    print(banner("helper"))
