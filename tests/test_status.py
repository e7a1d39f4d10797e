"""Clause status cues per language, with the traps: negation, modality, idioms,
denials, verb-final German, reported speech, tense fallback."""

from __future__ import annotations

from datetime import date

import pytest

from bot.extract.dates import find_dates
from bot.extract.lexicons import fold, load_lexicon
from bot.extract.status import analyse_clause, decide_status
from bot.models import MeetingStatus as S

PUBLISHED = date(2026, 1, 28)


def judge(lang: str, text: str, published: date = PUBLISHED) -> tuple[S | None, bool]:
    lex = load_lexicon(lang)
    folded = fold(text)
    signals = analyse_clause(folded, lex)
    dates = find_dates(text, lang, published, signals.direction)
    status, _ = decide_status(signals, dates, published, folded, lex.targets)
    return status, signals.tentative


@pytest.mark.parametrize(
    ("lang", "text", "status"),
    [
        # plain cues, one per status and language
        ("pl", "Spotkanie odbyło się w Genewie.", S.HELD),
        ("pl", "Spotkanie odbędzie się w piątek.", S.UPCOMING),
        ("pl", "Spotkanie zostało odwołane.", S.CANCELLED),
        ("pl", "Putin nie spotka się z Trumpem.", S.CANCELLED),
        ("pl", "Spotkanie przełożono na 5 lutego.", S.RESCHEDULED),
        ("pl", "Rozmowy przełożono bezterminowo.", S.POSTPONED),
        ("pl", "Biały Dom zaprzecza, że spotkanie jest planowane.", S.DENIED),
        ("en", "The talks took place in Geneva.", S.HELD),
        ("en", "Trump will meet Putin in Budapest.", S.UPCOMING),
        ("en", "The summit was called off.", S.CANCELLED),
        ("en", "The meeting was put on hold.", S.POSTPONED),
        ("en", "The talks were postponed until next week.", S.RESCHEDULED),
        ("en", "The Kremlin denied that a meeting was planned.", S.DENIED),
        ("ru", "Встреча состоится в Абу-Даби.", S.UPCOMING),
        ("ru", "Переговоры решили не проводить.", S.CANCELLED),
        ("ru", "Встречу отложили на неопределенный срок.", S.POSTPONED),
        ("ru", "Переговоры завершились в пятницу.", S.HELD),
        ("uk", "Зустріч перенесли на 5 березня.", S.RESCHEDULED),
        ("uk", "Переговори скасували.", S.CANCELLED),
        ("uk", "Зустріч відбулася в Женеві.", S.HELD),
        ("de", "Das Treffen wurde auf nächste Woche verschoben.", S.RESCHEDULED),
        ("de", "Das geplante Treffen ist geplatzt.", S.CANCELLED),
        ("de", "Das Treffen fand am Montag statt.", S.HELD),
        ("fr", "La rencontre n'aura finalement pas lieu.", S.CANCELLED),
        ("fr", "Le sommet a été reporté sine die.", S.POSTPONED),
        ("fr", "La réunion aura lieu mardi.", S.UPCOMING),
        ("it", "Il vertice è stato rinviato a data da destinarsi.", S.POSTPONED),
        ("it", "L'incontro si terrà a Ginevra.", S.UPCOMING),
        ("es", "La cumbre se aplazó.", S.POSTPONED),
        ("es", "La reunión se celebró en Ginebra.", S.HELD),
        ("es", "La cumbre fue cancelada.", S.CANCELLED),
        # traps: negation keeps the meeting alive
        ("pl", "Spotkanie w Genewie nie zostało odwołane i odbędzie się w piątek.", S.UPCOMING),
        ("de", "Das Treffen wurde nicht abgesagt und findet am Freitag statt.", S.UPCOMING),
        # a negated 'planned' is a denial, listed as a phrase
        ("pl", "Rzecznik dodał, że nie jest planowane żadne spotkanie.", S.DENIED),
        ("en", "There are no plans for such a meeting, an official said.", S.DENIED),
        # idioms: 'until further notice' is not a cancellation
        ("pl", "Rozmowy zostały zawieszone do odwołania.", S.POSTPONED),
        ("en", "The talks were suspended until further notice.", S.POSTPONED),
        ("de", "Die Gespräche sind bis auf Weiteres ausgesetzt.", S.POSTPONED),
        # a limited cancellation is a postponement
        ("de", "Ein baldiges Treffen ist vorerst vom Tisch.", S.POSTPONED),
        # no cue: the date decides, then the tense
        ("pl", "Spotkanie delegacji 5 lutego w Genewie.", S.UPCOMING),
        ("pl", "Spotkanie delegacji 5 stycznia w Genewie.", S.HELD),
        ("pl", "Negocjacje na Kremlu nie dały rezultatu.", S.HELD),
    ],
)
def test_status(lang: str, text: str, status: S) -> None:
    assert judge(lang, text)[0] is status


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Trump said he would not cancel the meeting."),
        ("pl", "Termin spotkania może ulec przesunięciu."),
        ("pl", "Nie jest wykluczone, że spotkanie zostanie przełożone."),
        ("en", "The summit could be postponed."),
        ("ru", "Встреча может быть отменена."),
    ],
)
def test_negated_or_hypothetical_changes_are_not_changes(lang: str, text: str) -> None:
    status, _ = judge(lang, text)
    assert status not in (S.CANCELLED, S.POSTPONED, S.RESCHEDULED)


@pytest.mark.parametrize(
    ("lang", "text", "status"),
    [
        ("en", "Kyiv and Washington discussed postponing the next round of talks.", S.POSTPONED),
        ("en", "Officials are considering cancelling the summit altogether.", S.CANCELLED),
        ("en", "They talked about the possibility of delaying the meeting.", S.POSTPONED),
        ("pl", "Strony rozmawiały o możliwości przełożenia spotkania.", S.POSTPONED),
        ("ru", "Стороны обсуждают перенос переговоров на более поздний срок.", S.POSTPONED),
        ("uk", "Сторони обговорюють можливість перенесення зустрічі.", S.POSTPONED),
        ("de", "Beide Seiten diskutieren, das Treffen zu verschieben.", S.POSTPONED),
        ("fr", "Les deux camps ont évoqué la possibilité de reporter la rencontre.", S.POSTPONED),
        ("it", "Le parti hanno discusso un possibile rinvio dell'incontro.", S.POSTPONED),
        ("es", "Ambas partes discutieron la posibilidad de aplazar la reunión.", S.POSTPONED),
    ],
)
def test_talk_of_a_change_is_a_tentative_change(lang: str, text: str, status: S) -> None:
    """Those involved weighing a change: the change is reported, as tentative (a bare
    modal, "could be postponed", is not a change: see the test above)."""
    assert judge(lang, text) == (status, True)


@pytest.mark.parametrize(
    ("lang", "text", "status", "tentative"),
    [
        ("pl", "Nie jest wykluczone, że spotkanie zostanie przełożone.", S.UPCOMING, True),
        ("pl", "Według mediów Witkoff planuje spotkanie z Putinem.", S.UPCOMING, True),
        (
            "pl",
            "Kolejna runda rozmów planowana jest na 1 lutego, termin może ulec zmianie.",
            S.UPCOMING,
            True,
        ),
        ("en", "Reuters reported that the meeting will take place on Friday.", S.UPCOMING, True),
        ("en", "Peskov said the meeting will take place on Friday.", S.UPCOMING, False),
        ("en", "The summit could take place next week.", S.UPCOMING, True),
        ("ru", "По данным СМИ, встреча состоится в пятницу.", S.UPCOMING, True),
        ("uk", "За даними ЗМІ, зустріч відбудеться в п'ятницю.", S.UPCOMING, True),
        ("de", "Das Treffen soll am Freitag stattfinden, heißt es.", S.UPCOMING, True),
        ("fr", "Selon une source, la rencontre aura lieu vendredi.", S.UPCOMING, True),
        ("it", "L'incontro potrebbe tenersi la settimana prossima.", S.UPCOMING, True),
        ("es", "Según fuentes, la reunión se celebrará el viernes.", S.UPCOMING, True),
        ("es", "La reunión se celebrará el viernes.", S.UPCOMING, False),
    ],
)
def test_tentative(lang: str, text: str, status: S, tentative: bool) -> None:
    assert judge(lang, text) == (status, tentative)


def test_precedence_denied_over_cancelled_over_upcoming() -> None:
    assert judge("en", "The planned summit was cancelled.")[0] is S.CANCELLED
    assert (
        judge("en", "Officials denied a summit was planned after the talks were cancelled.")[0]
        is S.DENIED
    )
    # rule *denial of a change*: denying that it was cancelled says the summit stands
    assert judge("en", "Officials denied the summit was cancelled.")[0] is S.UPCOMING
