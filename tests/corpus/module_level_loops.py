"""Loops and ifs at module level; the last statement's false edge exits the module."""

results = []
for n in range(6):
    if n % 2:
        results.append(n)
    elif n > 100:
        results.append(-n)

i = 0
while i < 3:
    i += 1
else:
    results.append(i)

print(results)
for word in ("x", "yy"):
    if len(word) > 5:
        print("long word")
