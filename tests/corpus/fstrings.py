"""f-strings with expressions, nested quotes (3.12 syntax) and multi-line parts."""

names = ["ada", "bob"]
width = 6


def render(user: dict[str, object]) -> str:
    status = f"{'admin' if user.get('admin') else 'user'}"
    if user.get("name"):
        return f"{user['name']:>{width}} ({status})"
    return f"anonymous ({status})"


line = f"{
    ', '.join(n.title() for n in names)
}"
print(render({"name": "ada", "admin": True}), render({"name": "bob"}))
print(line, f"{len(names)=}", f"{"nested" + f"{1 + 1}"}")
