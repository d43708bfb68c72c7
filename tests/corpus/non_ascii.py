"""Non-ASCII identifiers, strings and comments: ünïcödé, 日本語, emoji 🎉."""


def größe(wert: int) -> str:
    # Kommentar mit Umlauten: äöü
    if wert > 10:
        return "groß"
    elif wert < 0:
        return "négatif"
    return "klein 🐍"


class Ναός:
    πλάτος = 3

    def εμβαδόν(self, ύψος: int) -> int:
        if ύψος <= 0:
            return 0
        return self.πλάτος * ύψος


名前 = "テスト"
if len(名前) == 3: print("三文字", 名前)
print(größe(20), größe(5), Ναός().εμβαδόν(2))
