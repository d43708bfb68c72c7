"""t-strings (PEP 750, Python 3.14): templates built and rendered in branches."""

from string.templatelib import Interpolation, Template


def render(template: Template) -> str:
    parts = []
    for item in template:
        if isinstance(item, Interpolation):
            value = item.value
            if item.conversion == "r":
                value = repr(value)
            elif item.format_spec:
                value = format(value, item.format_spec)
            parts.append(str(value).upper())
        else:
            parts.append(item)
    return "".join(parts)


def greeting(name: str, excited: bool) -> Template:
    if excited:
        return t"hello {name}!"
    return t"hello {name!r}"


name = "world"
ratio = 2 / 3
print(render(greeting(name, True)))
print(render(greeting(name, False)))
print(render(t"ratio {ratio:.2f} of {
    name
}"))
multi = t"""first {name}
second {ratio:.1f}"""
print(render(multi), len(multi.interpolations))
if not isinstance(multi, Template):
    print("not a template")
