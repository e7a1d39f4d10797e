"""Watchlist matching: one row per language and phrasing, positives and traps."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bot.config import load_watchlist
from bot.match import Matcher, actor_ids, entity_ids, normalize_phrase, venue_ids
from bot.models import EntityKind, WatchEntity, Watchlist

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_watchlist(REPO_ROOT / "config" / "watchlist.yaml"))


def ids(matcher: Matcher, text: str, lang: str) -> set[str]:
    return {m.entity_id for m in matcher.find(text, lang)}


# (lang, text, expected ids): all ids found in the sentence, nothing else.
CASES: list[tuple[str, str, set[str]]] = [
    # ---- Polish: case endings, locative alternations, possessive apostrophes
    (
        "pl",
        "Witkoff i Kushner rozmawiali z Kiriłłem Dmitrijewem.",
        {"witkoff", "kushner", "dmitriev"},
    ),
    (
        "pl",
        "Delegacja z Witkoffem i Kushnerem przyleciała do Miami.",
        {"witkoff", "kushner", "miami"},
    ),
    (
        "pl",
        "Zełenskiemu i Trumpowi zależy na rozmowach w Genewie.",
        {"zelensky", "trump", "geneva"},
    ),
    (
        "pl",
        "Rubio przyjmie Umierowa, a Rubiemu towarzyszyć będzie Driscoll.",
        {"rubio", "umerov", "driscoll"},
    ),
    ("pl", "Kolejne rozmowy w Rijadzie, Dżuddzie i Stambule.", {"riyadh", "jeddah", "istanbul"}),
    (
        "pl",
        "Spotkania w Budapeszcie, Brukseli, Berlinie i Paryżu.",
        {"budapest", "brussels", "berlin", "paris"},
    ),
    ("pl", "Szczyt na Alasce; Putin poleci do Anchorage.", {"anchorage", "putin"}),
    ("pl", "Władze w Moskwie i w Kijowie czekają na Waszyngton.", {"moscow", "kyiv", "washington"}),
    ("pl", "Doradca Putina Jurij Uszakow rozmawiał z Budanowem.", {"putin", "ushakov", "budanov"}),
    ("pl", "Rzecznik Kremla Dmitrij Pieskow zabrał głos.", {"peskov"}),
    (
        "pl",
        "Steve’a Witkoffa i Jareda Kushnera przyjął Władimir Putin.",
        {"witkoff", "kushner", "putin"},
    ),
    (
        "pl",
        "Bessent i Gruenbaum polecieli do Davos, potem do Abu Zabi.",
        {"bessent", "gruenbaum", "davos", "abu-dhabi"},
    ),
    ("pl", "Hokeista Igor Dmitrijew zdobył dwa gole.", set()),
    ("pl", "Putinizm i trumpizm to dwa różne zjawiska.", set()),
    ("pl", "Moskwa odpowiedziała, a Moskwę krytykowano.", {"moscow"}),
    ("pl", "Zełenskiego i Ołenę Zełenską przyjęto w Kijowie.", {"zelensky", "kyiv"}),
    ("pl", "Kremlowski doradca Uszakow rozmawiał z Pieskowem.", {"ushakov", "peskov"}),
    # ---- English: possessives, spellings, exclusions, namesakes
    (
        "en",
        "Witkoff's plane landed in Moscow; Kushner's fund paid.",
        {"witkoff", "moscow", "kushner"},
    ),
    (
        "en",
        "Zelenskyy met Trump in Geneva and later Zelensky flew to Kyiv.",
        {"zelensky", "trump", "geneva", "kyiv"},
    ),
    (
        "en",
        "Russian envoy Kirill Dmitriev met Steve Witkoff in Miami.",
        {"dmitriev", "witkoff", "miami"},
    ),
    ("en", "Kremlin spokesman Dmitry Peskov said Putin was ready.", {"peskov", "putin"}),
    (
        "en",
        "Talks moved from Riyadh and Jeddah to Istanbul and Abu Dhabi.",
        {"riyadh", "jeddah", "istanbul", "abu-dhabi"},
    ),
    ("en", "The Miami Heat beat the Washington Wizards.", set()),
    ("en", "The Washington Post ordered a Moscow Mule.", set()),
    ("en", "Inter Miami signed a striker; a trumpet played Trumpism songs.", set()),
    ("en", "Putinism, the Geneva Conventions and Dynamo Kyiv.", set()),
    ("en", "Historian Yuri Dmitriev was sentenced. Dmitriev denies it.", set()),
    ("en", "Elizaveta Peskova posted a photo.", set()),
    ("en", "A Miami heat wave hit Florida.", {"miami"}),
    ("en", "Norris won the Abu Dhabi Grand Prix on Sunday.", {"abu-dhabi"}),
    (
        "en",
        "Putin-era policies and the Putin-Trump summit in Alaska.",
        {"putin", "trump", "anchorage"},
    ),
    (
        "en",
        "WITKOFF AND KUSHNER TO MEET PUTIN IN MOSCOW",
        {"witkoff", "kushner", "putin", "moscow"},
    ),
    ("en", "Historian Yuri Dmitriev was jailed under Putin. Dmitriev appealed.", {"putin"}),
    (
        "en",
        "Putin envoy Dmitriev met Witkoff. Dmitriev said the talks went well.",
        {"putin", "dmitriev", "witkoff"},
    ),
    ("en", "Witkoff Meets Dmitriev In Miami Ahead Of Talks", {"witkoff", "dmitriev", "miami"}),
    ("en", "Under the Budapest Memorandum, the Kyiv Independent wrote.", set()),
    ("en", "Melania Trump and Charles Kushner attended.", set()),
    ("en", "Brussels sprouts were served in Brussels.", {"brussels"}),
    ("en", "The secretary of State Rubio spoke to reporters.", {"rubio"}),
    # ---- Russian
    (
        "ru",
        "Уиткофф и Кушнер встретятся с Путиным в Москве.",
        {"witkoff", "kushner", "putin", "moscow"},
    ),
    (
        "ru",
        "Кирилл Дмитриев предложил Зеленскому приехать в Стамбул.",
        {"dmitriev", "zelensky", "istanbul"},
    ),
    (
        "ru",
        "Помощник президента Юрий Ушаков рассказал о встрече в Эр-Рияде.",
        {"ushakov", "riyadh"},
    ),
    (
        "ru",
        "Трамп позвонил Путину после встречи Рубио с Умеровым в Женеве.",
        {"trump", "putin", "rubio", "umerov", "geneva"},
    ),
    (
        "ru",
        "Саммит на Аляске, Буданов в Киеве, Бессент в Вашингтоне.",
        {"anchorage", "budanov", "kyiv", "bessent", "washington"},
    ),
    ("ru", "Дрисколл и Грюнбаум прилетели в Абу -Даби.", {"driscoll", "gruenbaum", "abu-dhabi"}),
    ("ru", "Хоккеист Игорь Дмитриев забросил шайбу.", set()),
    ("ru", "Новый москвич и трамплин не связаны с политикой.", set()),
    ("ru", "Гран-при Абу-Даби пройдёт в декабре.", {"abu-dhabi"}),
    ("ru", "Историк Юрий Дмитриев осуждён. Путин промолчал. Дмитриев обжаловал.", {"putin"}),
    ("ru", "Дочь Пескова Елизавета Пескова вышла замуж, сообщил Путин.", {"putin"}),
    ("ru", "Госсекретарь США Марко Рубио и Зеленским обсудили.", {"rubio", "zelensky"}),
    # ---- Ukrainian
    (
        "uk",
        "Віткофф і Кушнер зустрілися з Умєровим у Маямі.",
        {"witkoff", "kushner", "umerov", "miami"},
    ),
    ("uk", "Зеленський прибув до Києва, а потім до Женеви.", {"zelensky", "kyiv", "geneva"}),
    (
        "uk",
        "Переговори в Абу-Дабі та Ер-Ріяді; Путін і Трамп на Алясці.",
        {"abu-dhabi", "riyadh", "putin", "trump", "anchorage"},
    ),
    (
        "uk",
        "Речник Кремля Пєсков сказав, що Ушаков не поїде до Стамбула.",
        {"peskov", "ushakov", "istanbul"},
    ),
    (
        "uk",
        "Рубіо та Буданов говорили у Берліні й Парижі.",
        {"rubio", "budanov", "berlin", "paris"},
    ),
    ("uk", "Олена Зеленська відвідала виставку.", set()),
    # ---- German
    (
        "de",
        "Witkoff und Kushner trafen Putins Berater Uschakow in Moskau.",
        {"witkoff", "kushner", "putin", "ushakov", "moscow"},
    ),
    (
        "de",
        "Selenskyj reist nach Genf; Trumps Gesandter Witkoff auch.",
        {"zelensky", "geneva", "trump", "witkoff"},
    ),
    (
        "de",
        "Kremlsprecher Peskow äußerte sich zu Riad und Dschidda.",
        {"peskov", "riyadh", "jeddah"},
    ),
    (
        "de",
        "Umjerow und Budanow reisten nach Abu Dhabi, Brüssel und Kiew.",
        {"umerov", "budanov", "abu-dhabi", "brussels", "kyiv"},
    ),
    ("de", "Die Berliner Mauer fiel, Union Berlin verlor.", set()),
    # ---- French
    (
        "fr",
        "Poutine et Trump à Anchorage ; Zelensky à Genève et à Bruxelles.",
        {"putin", "trump", "anchorage", "zelensky", "geneva", "brussels"},
    ),
    (
        "fr",
        "Ouchakov, conseiller du Kremlin, a vu Witkoff à Moscou.",
        {"ushakov", "witkoff", "moscow"},
    ),
    ("fr", "Les délégations arrivent d'Abou Dhabi et de Kiev.", {"abu-dhabi", "kyiv"}),
    ("fr", "La berline de Giorgio Parisi roulait vite.", set()),
    # ---- Italian
    (
        "it",
        "Putin e Trump a Ginevra; Zelensky a Mosca, poi a Berlino e Parigi.",
        {"putin", "trump", "geneva", "zelensky", "moscow", "berlin", "paris"},
    ),
    (
        "it",
        "Il portavoce del Cremlino Peskov ha parlato di Gedda e Riad.",
        {"peskov", "jeddah", "riyadh"},
    ),
    ("it", "Il fisico Giorgio Parisi e una mosca sul tavolo.", set()),
    # ---- Spanish
    (
        "es",
        "Witkoff y Kushner viajaron a Moscú y Ginebra; Rubio habló en Washington.",
        {"witkoff", "kushner", "moscow", "geneva", "rubio", "washington"},
    ),
    (
        "es",
        "Reuniones en Yeda, Riad, Estambul, Abu Dabi y Bruselas.",
        {"jeddah", "riyadh", "istanbul", "abu-dhabi", "brussels"},
    ),
    (
        "es",
        "Zelenski y Putin; Berlín, París y Kiev.",
        {"zelensky", "putin", "berlin", "paris", "kyiv"},
    ),
    ("es", "El Inter Miami ganó y una rubia cantó.", set()),
    ("es", "Marco Rubio y el futbolista Pedro Rubio.", {"rubio"}),
    ("es", "El secretario de Estado, Rubio, habló con Dmítriev y Ushákov.", {"rubio"}),
    # a given name declined like the surname is still its cue (Marco -> Marca, Marcem)
    ("pl", "Spotkanie Marca Rubia z Ławrowem odwołano.", {"rubio"}),
    ("cs", "Setkání Marca Rubia s Lavrovem bylo zrušeno.", {"rubio"}),
    ("hr", "Sastanak Marca Rubija i Sergeja Lavrova otkazan je.", {"rubio"}),
]


@pytest.mark.parametrize(
    ("lang", "text", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_find_ids(matcher: Matcher, lang: str, text: str, expected: set[str]) -> None:
    assert ids(matcher, text, lang) == expected


def test_offsets_surface_and_alias(matcher: Matcher) -> None:
    text = "Rozmowy w Budapeszcie: Witkoffa przyjął Putin."
    mentions = matcher.find(text, "pl")
    assert [(m.entity_id, m.surface, m.alias) for m in mentions] == [
        ("budapest", "Budapeszcie", "Budapeszt"),
        ("witkoff", "Witkoffa", "Witkoff"),
        ("putin", "Putin", "Putin"),
    ]
    for m in mentions:
        assert text[m.start : m.end] == m.surface
    assert mentions[0].kind is EntityKind.VENUE and mentions[1].kind is EntityKind.ACTOR


def test_cyrillic_surface_reports_cyrillic_alias(matcher: Matcher) -> None:
    (mention,) = matcher.find("Встреча прошла в Москве.", "ru")
    assert (mention.surface, mention.alias) == ("Москве", "Москва")


def test_longest_alias_wins(matcher: Matcher) -> None:
    mentions = matcher.find("Steve Witkoff arrived.", "en")
    assert [(m.surface, m.alias) for m in mentions] == [("Steve Witkoff", "Steve Witkoff")]


def test_id_helpers(matcher: Matcher) -> None:
    mentions = matcher.find("Trump and Putin met in Anchorage, Alaska. Trump left.", "en")
    assert actor_ids(mentions) == ["putin", "trump"]
    assert venue_ids(mentions) == ["anchorage"]
    assert entity_ids(mentions) == ["anchorage", "putin", "trump"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Dmitrijew", "Dmitriev"),
        ("Дмитриев", "Dmitriev"),
        ("Зеленский", "Zelenski"),
        ("Зеленський", "Zelensky"),
        ("Zełenski", "Zelenskyy"),
        ("Uszakow", "Ushakov"),
        ("Uschakow", "Ushakov"),
        ("Kiriłł", "Kirill"),
        ("Riyadh", "Rijad"),
    ],
)
def test_normal_form_meets(a: str, b: str) -> None:
    assert normalize_phrase(a) == normalize_phrase(b)


def test_lowercase_only_text_still_matches(matcher: Matcher) -> None:
    assert ids(matcher, "witkoff spotkał się z putinem w moskwie", "pl") == {
        "witkoff",
        "putin",
        "moscow",
    }


def test_lang_with_region_and_unknown(matcher: Matcher) -> None:
    assert ids(matcher, "Spotkanie z Witkoffem.", "pl-PL") == {"witkoff"}
    # without a Slavic language, Latin-script case endings are not accepted
    assert ids(matcher, "Spotkanie z Witkoffem.", "") == set()
    # Cyrillic text takes case endings whatever the stated language
    assert ids(matcher, "Встреча с Уиткоффом.", "en") == {"witkoff"}


def test_empty_inputs(matcher: Matcher) -> None:
    assert matcher.find("", "en") == []
    assert matcher.find("… — !!", "en") == []
    assert Matcher(Watchlist(actors=(), venues=())).find("Trump", "en") == []


# ----------------------------------------------- entities not in the default config


def _entity(eid: str, kind: EntityKind, name: str, **aliases: tuple[str, ...]) -> WatchEntity:
    return WatchEntity(
        id=eid, kind=kind, name=name, aliases={k.replace("any", "*"): v for k, v in aliases.items()}
    )


@pytest.fixture(scope="module")
def fresh() -> Matcher:
    return Matcher(
        Watchlist(
            actors=(
                _entity("kellogg", EntityKind.ACTOR, "Keith Kellogg"),
                _entity("rubio", EntityKind.ACTOR, "Marco Rubio"),
                _entity("yermak", EntityKind.ACTOR, "Andriy Yermak", any=("Yermak",)),
                _entity("lavrov", EntityKind.ACTOR, "Sergey Lavrov"),
            ),
            venues=(
                _entity("prague", EntityKind.VENUE, "Prague", pl=("Praga",), ru=("Прага",)),
                _entity("riyadh", EntityKind.VENUE, "Riyadh"),
                _entity("vienna", EntityKind.VENUE, "Vienna", de=("Wien",)),
            ),
        )
    )


FRESH_CASES: list[tuple[str, str, set[str]]] = [
    ("pl", "Rozmowa z Kelloggiem, potem list do Kellogga.", {"kellogg"}),
    ("ru", "Келлогг встретился с Келлоггом.", {"kellogg"}),
    ("uk", "Келлоггом опікувався Рубіо.", {"kellogg", "rubio"}),
    ("pl", "Rubia i Rubiem zajęła się prasa.", {"rubio"}),
    ("ru", "Рубио и Ермак обсудили это.", {"rubio", "yermak"}),
    ("pl", "Jermak i Ławrow spotkali się w Pradze.", {"yermak", "lavrov", "prague"}),
    ("uk", "Зустріч у Празі та в Ер-Ріяді.", {"prague", "riyadh"}),
    ("pl", "Spotkanie w Rijadzie.", {"riyadh"}),
    ("de", "Lawrow in Wien.", {"lavrov", "vienna"}),
    ("ru", "Вэнс ответил.", set()),
    ("es", "Una rubia cantó.", set()),
]


@pytest.mark.parametrize(("lang", "text", "expected"), FRESH_CASES)
def test_fresh_entities(fresh: Matcher, lang: str, text: str, expected: set[str]) -> None:
    assert ids(fresh, text, lang) == expected


# ------------------------------------------------- work that grows with the input only

# (cue word, given names, is a spelling of one): difflib's ratio >= 0.75 decides, also
# where a pre-filter on the longest common subsequence would say yes ("mono"/"mnso").
GIVEN_NAME_SPELLINGS: list[tuple[str, set[str], bool]] = [
    ("yuri", {"yuri", "kiril"}, True),
    ("iouri", {"iuri"}, True),  # 2 * 4 / 9
    ("dimitri", {"dmitri", "steve"}, True),
    ("mono", {"mnso"}, False),  # common subsequence of 3, difflib blocks of 2: 0.5
    ("abcd", {"abce"}, True),  # exactly 0.75
    ("abcd", {"abxy"}, False),
    ("kremlin", {"yuri", "kiril", "marco"}, False),
    ("spokesman", set(), False),
]


@pytest.mark.parametrize(("word", "given", "spelling"), GIVEN_NAME_SPELLINGS)
def test_cue_words_that_spell_a_given_name(word: str, given: set[str], spelling: bool) -> None:
    from bot.match.matcher import _not_given_names

    assert _not_given_names({word}, given) == (set() if spelling else {word})


def _many_actors(count: int) -> Watchlist:
    """Actors with all-different given names, every other one ambiguous with a cue."""
    syllables = ["ba", "do", "ki", "lu", "me", "no", "ra", "si", "tu", "vo", "ze", "gra"]
    names = [a.capitalize() + b + c for a in syllables for b in syllables for c in syllables]
    actors = tuple(
        WatchEntity(
            id=f"a{i}",
            kind=EntityKind.ACTOR,
            name=f"{names[i]} {names[-1 - i]}ov",
            cues=(f"post{names[i].lower()}",),
            ambiguous=i % 2 == 0,
        )
        for i in range(count)
    )
    return Watchlist(actors=actors, venues=())


def test_building_compares_only_plausible_name_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Telling cue words from given-name spellings asks difflib about a few close pairs,
    not every cue word against every given name (start-up time was quadratic)."""
    import bot.match.matcher as matcher_module

    calls = 0
    similar = matcher_module._similar

    def counted(a: str, b: str) -> bool:
        nonlocal calls
        calls += 1
        return similar(a, b)

    monkeypatch.setattr(matcher_module, "_similar", counted)
    built = Matcher(_many_actors(400))  # 400 given names, 200 + 200 cue words
    assert built.entities
    assert calls < 400 * 10


def test_each_line_is_read_once_for_headline_style(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many namesake hits on one long line: the line's style is worked out once, not
    once per hit (which made newline-free text quadratic)."""
    import bot.match.matcher as matcher_module

    lines_read: list[int] = []
    title_case_line = matcher_module._title_case_line

    def counted(*line: str | int) -> bool:
        lines_read.append(1)
        return bool(title_case_line(*line))

    monkeypatch.setattr(matcher_module, "_title_case_line", counted)
    body = " ".join(f"a source said Anton Ushakov spoke and item {i} followed" for i in range(200))
    headline = "Kremlin Aide Meets Envoy Anton Ushakov In Geneva Today"
    text = f"{headline}\n{body}\n{body}"
    found = matcher.find(text, "en")
    assert len(lines_read) == 3
    # the body names a namesake (another given name right before the surname), and the
    # headline's same name is taken to be him
    assert [m.entity_id for m in found] == ["geneva"]
    assert matcher.find(headline, "en")[-1].entity_id == "geneva"


# ---------------------------------------------------------------- speed and corpus


def test_speed_2kb(matcher: Matcher) -> None:
    para = (
        "Witkoff i Kushner rozmawiali z Kiriłłem Dmitrijewem w Miami, a potem w Genewie. "
        "Rzecznik Kremla Dmitrij Pieskow zapowiedział rozmowy w Abu Zabi w przyszłym tygodniu. "
    )
    text = (para * 20)[:2048]
    matcher.find(text, "pl")
    n = 200
    start = time.perf_counter()
    for _ in range(n):
        matcher.find(text, "pl")
    per_item = (time.perf_counter() - start) / n
    assert per_item < 0.005  # generous for shared CI machines; typically ~0.3 ms


@pytest.mark.corpus
def test_dev_corpus_f1(matcher: Matcher) -> None:
    corpus = SHARED / "corpus" / "dev.jsonl"
    if not corpus.exists():
        pytest.skip(f"labelled corpus not available at {corpus}")
    from bot.langdetect import detect_language

    tp = {"actors": 0, "venues": 0}
    fp = dict.fromkeys(tp, 0)
    fn = dict.fromkeys(tp, 0)
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        text = f"{row['title']}\n{row['text']}"
        mentions = matcher.find(text, detect_language(text))
        for field, pred in (
            ("actors", set(actor_ids(mentions))),
            ("venues", set(venue_ids(mentions))),
        ):
            gold = set(row[field])
            tp[field] += len(gold & pred)
            fp[field] += len(pred - gold)
            fn[field] += len(gold - pred)
    for field, floor in (("actors", 0.97), ("venues", 0.95)):
        f1 = 2 * tp[field] / (2 * tp[field] + fp[field] + fn[field])
        assert f1 >= floor, (field, tp[field], fp[field], fn[field])
