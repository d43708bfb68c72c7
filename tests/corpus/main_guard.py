"""The usual `if __name__ == "__main__":` entry point."""

import sys


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print("args:", argv[1:])
        return 1
    print("no args")
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    if code:
        sys.exit(code)
else:
    print("imported")
