"""Indented with tabs, including one-line bodies that rcov splits."""


def tabbed(n: int) -> str:
	if n > 0:
		if n > 10: return "big"
		return "positive"
	elif n < -100:
		return "very negative"
	for i in range(3):
		if i == n: break
	else:
		return "none matched"
	return "zero"


class Tabs:
	def method(self, flag: bool) -> int:
		while flag: flag = False; print("once")
		if not flag:
			return 1
		return 2


print(tabbed(5), tabbed(0), Tabs().method(True))
