"""Names in every script: one row per script (and per way a language attaches words
to a name), written for these tests. Aliases in other scripts come from the
watchlist; prefixes, particles and case endings are handled by the matcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_watchlist
from bot.match import Matcher

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_watchlist(REPO_ROOT / "config" / "watchlist.yaml"))


# (script, lang, text, every id found)
ROWS: list[tuple[str, str, str, set[str]]] = [
    (
        "latin, Estonian endings",
        "et",
        "Witkoffiga kohtus Putin eile Moskvas.",
        {"witkoff", "putin", "moscow"},
    ),
    (
        "latin, Finnish endings",
        "fi",
        "Witkoffin ja Kushnerin tapaaminen Genevessä.",
        {"witkoff", "kushner", "geneva"},
    ),
    (
        "latin, Hungarian endings",
        "hu",
        "Marco Rubio Moszkvában és Genfben tárgyalt.",
        {"rubio", "moscow", "geneva"},
    ),
    (
        "latin, Lithuanian endings",
        "lt",
        "Trumpas ir Putinas susitiks Maskvoje.",
        {"trump", "putin", "moscow"},
    ),
    (
        "latin, Turkish apostrophe",
        "tr",
        "Witkoff'un Moskova'ya gideceği açıklandı.",
        {"witkoff", "moscow"},
    ),
    (
        "cyrillic, Bulgarian",
        "bg",
        "Уиткоф и Кушнер пристигнаха в Москва.",
        {"witkoff", "kushner", "moscow"},
    ),
    (
        "cyrillic, Serbian",
        "sr",
        "Виткоф ће се састати са Путином у Женеви.",
        {"witkoff", "putin", "geneva"},
    ),
    (
        "greek",
        "el",
        "Ο Γουίτκοφ συναντήθηκε με τον Πούτιν στη Μόσχα.",
        {"witkoff", "putin", "moscow"},
    ),
    ("greek, genitive", "el", "Οι συνομιλίες της Γενεύης και ο Ζελένσκι.", {"geneva", "zelensky"}),
    (
        "hebrew, prefixes ב/ו/ל",
        "he",
        "ויטקוף וקושנר נפגשו בוושינגטון לפני הנסיעה למוסקבה.",
        {"witkoff", "kushner", "washington", "moscow"},
    ),
    (
        "arabic, prefixes ال/و/ب",
        "ar",
        "التقى ويتكوف وكوشنر بوتين في موسكو وبالرياض.",
        {"witkoff", "kushner", "putin", "moscow", "riyadh"},
    ),
    (
        "georgian, case endings",
        "ka",
        "უიტკოფი და პუტინი მოსკოვში შეხვდნენ, ზელენსკის თქმით.",
        {"witkoff", "putin", "moscow", "zelensky"},
    ),
    (
        "kana and kanji, no spaces",
        "ja",
        "ウィトコフ特使はモスクワでプーチン大統領と会談した。",
        {"witkoff", "moscow", "putin"},
    ),
    (
        "hangul, particles",
        "ko",
        "위트코프는 모스크바에서 푸틴과 회담했다.",
        {"witkoff", "moscow", "putin"},
    ),
    (
        "han, no spaces",
        "zh",
        "威特科夫在莫斯科会见了普京和泽连斯基的代表。",
        {"witkoff", "moscow", "putin", "zelensky"},
    ),
    ("latin, háček", "cs", "Ušakov a Kušner jednali v Ženevě.", {"ushakov", "kushner", "geneva"}),
    (
        "latin, Czech adjective ending",
        "cs",
        "Zelenského poradce se sešel s Witkoffem.",
        {"zelensky", "witkoff"},
    ),
    ("latin, Dutch exonym", "nl", "Poetin sprak met Witkoff.", {"putin", "witkoff"}),
    ("cyrillic, Bulgarian spelling", "bg", "Тръмп и Кушнър говориха.", {"trump", "kushner"}),
    # traps: a name's transliteration inside another word or script
    ("hangul, inside a word", "ko", "그는 협상을 주도하는 역할을 맡았다.", set()),
    ("han vs kana, same sounds", "ja", "経済フォーラムが開かれた。", set()),
    ("latin initials", "it", "Il vicepresidente JD Vance parla.", set()),
    ("hebrew, a word that merely starts with prefix letters", "he", "הוא לא הגיע לפגישה.", set()),
    # languages without a lexicon: scripts with marks, no spaces, endings of their own
    (
        "devanagari, vowel signs inside the word",
        "hi",
        "विटकॉफ और कुशनर ने मॉस्को में पुतिन से मुलाकात की।",
        {"witkoff", "kushner", "moscow", "putin"},
    ),
    (
        "bengali, endings",
        "bn",
        "উইটকফ মস্কোতে পুতিনের সঙ্গে বৈঠক করবেন।",
        {"witkoff", "moscow", "putin"},
    ),
    (
        "armenian, ու as u, endings",
        "hy",
        "Ուիթքոֆը Մոսկվայում կհանդիպի Պուտինի հետ։",
        {"witkoff", "moscow", "putin"},
    ),
    (
        "thai, no spaces",
        "th",
        "วิทคอฟฟ์จะพบกับปูตินที่กรุงมอสโก",
        {"witkoff", "putin", "moscow"},
    ),
    ("urdu", "ur", "وٹکوف ماسکو میں پیوٹن سے ملاقات کریں گے۔", {"witkoff", "moscow", "putin"}),
    (
        "cyrillic, Kazakh endings",
        "kk",
        "Уиткофф Мәскеуде Путинмен кездеседі.",
        {"witkoff", "moscow", "putin"},
    ),
    (
        "latin, Azerbaijani W as U, ş",
        "az",
        "Uitkoff və Kuşner Moskvada Putinlə görüşəcək.",
        {"witkoff", "kushner", "moscow", "putin"},
    ),
    (
        "latin, Uzbek",
        "uz",
        "Uitkoff Jenevada Putin bilan uchrashadi.",
        {"witkoff", "geneva", "putin"},
    ),
    (
        "cyrillic, Belarusian spelling",
        "be",
        "Уіткаф і Дзмітрыеў сустрэнуцца з Пуціным у Маскве.",
        {"witkoff", "dmitriev", "putin", "moscow"},
    ),
    (
        "latin, Albanian endings",
        "sq",
        "Witkoffi takoi Putinin në Moskë, jo në Uashington.",
        {"witkoff", "putin", "moscow", "washington"},
    ),
    ("latin, another language's ending", "en", "The Moskvada brand sells tea.", set()),
    ("latin, no Belarusian stem of a short name", "pl", "Kiedy Witkoff przyjedzie?", {"witkoff"}),
    ("thai, letters of a name inside a word", "th", "ทรัมเป็ตเป็นเครื่องดนตรี", set()),
]


@pytest.mark.parametrize(("script", "lang", "text", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_names_in_every_script(
    matcher: Matcher, script: str, lang: str, text: str, expected: set[str]
) -> None:
    assert {m.entity_id for m in matcher.find(text, lang)} == expected, script
