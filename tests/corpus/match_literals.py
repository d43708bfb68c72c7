"""match on literals with no irrefutable case: an unmatched subject falls through."""


def describe(code: int) -> str:
    text = "unknown"
    match code:
        case 200:
            text = "ok"
        case 404:
            text = "not found"
        case 500:
            text = "server error"
    return text


def command(word: str) -> str:
    match word:
        case "start":
            return "starting"
        case "stop":
            return "stopping"
        case "pause":
            return "pausing"
    return "ignored"


def flags(value: object) -> str:
    match value:
        case None:
            return "none"
        case True:
            return "true"
        case False:
            return "false"
    return "other"


print(describe(200), describe(999), command("start"), command("jump"), flags(None))
