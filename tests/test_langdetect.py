"""Offline language detection: one row per language, plus the routing edge cases."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.langdetect import detect_language

REPO_ROOT = Path(__file__).resolve().parents[1]

CASES: list[tuple[str, str]] = [
    ("pl", "Kolejna runda rozmów odbędzie się w przyszłym tygodniu w Genewie."),
    ("pl", "W delegacji uczestniczyli m.in. Steve Witkoff i Jared Kushner oraz wysłannik Kremla."),
    ("en", "The next round of talks is expected to take place in Geneva next week."),
    ("ru", "Следующий раунд переговоров пройдёт в Женеве на следующей неделе."),
    ("uk", "Наступний раунд переговорів відбудеться в Женеві наступного тижня."),
    ("de", "Die nächste Verhandlungsrunde soll nächste Woche in Genf stattfinden."),
    ("fr", "Le prochain cycle de négociations aura lieu à Genève la semaine prochaine."),
    ("it", "Il prossimo round di colloqui si terrà a Ginevra la prossima settimana."),
    ("es", "La próxima ronda de conversaciones se celebrará en Ginebra la semana que viene."),
    # languages outside the eight are still reported
    ("cs", "Příští kolo jednání se uskuteční v Ženevě příští týden, uvedlo ministerstvo."),
    ("tr", "Müzakerelerin bir sonraki turu gelecek hafta Cenevre'de yapılacak."),
    ("bg", "Следващият кръг от преговорите ще се проведе в Женева следващата седмица."),
    # rule *partial lexicon's margin*: Slovak at 0.42 is not handed to Polish at 0.04
    (
        "sk",
        "Ich rozhovor trval takmer hodinu. V pondelok Zelenskyj v rozhovore pre televíziu "
        "povedal, že stretnutie bolo produktívne, hoci nie jednoduché.",
    ),
    # rule *one language, several names*: the model's Serbo-Croatian and Bosnian are
    # read with the Croatian or Serbian lexicon
    (
        "hr",
        "Predsjednik Rusije Vladimir Putin primiće specijalnog izaslanika američkog "
        "predsjednika Stivena Vitkofa nakon 15 sati, saopštio je portparol Kremlja.",
    ),
    (
        "sr",
        "Sastanak Witkoffa i Umerova u Istanbulu otkazan je, javila je agencija Reuters "
        "pozivajući se na dva izvora.",
    ),
    # ... and Nynorsk with the Norwegian one
    (
        "no",
        "Ho seier at dei ikkje har nokon plan om eit nytt møte i Genève, men at samtalane "
        "held fram.",
    ),
    # all-capitals headline
    ("en", "TRUMP SAYS TALKS WITH RUSSIA WILL CONTINUE NEXT WEEK"),
    # rule *barely considered*: Malay and Swahili full of English names are not English
    (
        "ms",
        "Utusan khas AS Steve Witkoff akan bertemu Presiden Putin di Moscow pada Khamis, kata "
        "pegawai kerajaan. Beliau berkata rundingan itu penting.",
    ),
    (
        "sw",
        "Mjumbe maalum wa Rais wa Marekani, Steve Witkoff, atakutana na Rais wa Urusi "
        "Vladimir Putin mjini Moscow Alhamisi, Ikulu ya Kremlin ilisema Jumatano.",
    ),
    # rule *letters of its own*: Kazakh қ, ә, ө, ү are no Ukrainian
    (
        "kk",
        "АҚШ президентінің арнайы өкілі Стив Уиткофф бейсенбі күні Мәскеуде Ресей президенті "
        "Владимир Путинмен кездеседі. Бұл туралы Кремль сәрсенбі күні хабарлады.",
    ),
]


@pytest.mark.parametrize(("expected", "text"), CASES)
def test_detect(expected: str, text: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        # short, name-heavy Cyrillic: letters only one of the pair uses settle it
        ("uk", "Віткофф і Умєров: зустріч у Києві"),
        ("ru", "Уиткофф и Умеров: съезд в Москве, объём работы"),
    ],
)
def test_cyrillic_tiebreak(expected: str, text: str) -> None:
    assert detect_language(text) == expected


def test_hint_for_too_little_text() -> None:
    assert detect_language("", hint="pl") == "pl"
    assert detect_language("12:30", hint="de-AT") == "de"
    assert detect_language("", hint=None) == "en"


def test_long_text_is_fast() -> None:
    text = "Kolejna runda rozmów odbędzie się w przyszłym tygodniu w Genewie. " * 40
    detect_language(text)
    start = time.perf_counter()
    for _ in range(100):
        assert detect_language(text) == "pl"
    assert (time.perf_counter() - start) / 100 < 0.01


def test_import_is_lazy_and_offline(tmp_path: Path) -> None:
    """Importing loads no model; detecting works with no network and a read-only HOME."""
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o555)
    code = (
        "import socket, sys\n"
        "def refuse(*a, **k):\n"
        "    raise OSError('network disabled in test')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "import bot.langdetect as ld\n"
        "assert ld._detector is None\n"
        "assert 'fasttext' not in sys.modules\n"
        "print(ld.detect_language('Rozmowy w Genewie potrwają dwa dni, poinformował MSZ.'))\n"
    )
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)}
    try:
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=True,
        )
    finally:
        home.chmod(0o755)
    assert out.stdout.strip() == "pl"
    assert list(home.iterdir()) == []


# Long Cyrillic texts take a fast path without the model; neighbours that share most
# of the alphabet must still reach the model and come out as themselves.
FAST_PATH_CASES = [
    (
        "ru",
        "Переговоры в Абу-Даби перенесли на следующую неделю. " * 3
        + "Это подтвердили в Кремле, объяснив решение занятостью делегаций.",
    ),
    (
        "uk",
        "Переговори в Абу-Дабі перенесли на наступний тиждень. " * 3
        + "Це підтвердили в Офісі президента, пояснивши рішення зайнятістю делегацій.",
    ),
    (
        "bg",
        "Преговорите в Абу Даби бяха отложени за следващата седмица. " * 3
        + "Това потвърдиха от Кремъл, като обясниха решението със заетостта на делегациите.",
    ),
    (
        "be",
        "Перамовы ў Абу-Дабі перанеслі на наступны тыдзень. " * 3
        + "Гэта пацвердзілі ў Крамлі, растлумачыўшы рашэнне занятасцю дэлегацый.",
    ),
]


@pytest.mark.parametrize(("expected", "text"), FAST_PATH_CASES)
def test_cyrillic_fast_path_keeps_neighbours_apart(expected: str, text: str) -> None:
    assert detect_language(text) == expected
