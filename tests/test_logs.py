from __future__ import annotations

import logging

import pytest

from bot.logs import REDACTED, configure_logging


@pytest.mark.parametrize(
    "leak",
    [
        "GET https://api.telegram.org/bot{tg}/getUpdates failed",
        "slack said invalid_auth for token {sl}",
        "app token {app} rejected",
        "configured secret {sig} appeared",
    ],
)
def test_secrets_never_reach_log_output(capsys: pytest.CaptureFixture[str], leak: str) -> None:
    values = {
        "tg": "1234567890:AAFakeTelegramTokenValue_abcdefghijklmno",
        "sl": "xoxb-1111-2222-FakeSlackToken",
        "app": "xapp-1-A111-222-FakeAppToken",
        "sig": "signing-secret-value-42",
    }
    configure_logging("DEBUG", secrets=[values["sig"]])
    log = logging.getLogger("bot.test")
    log.warning(leak.format(**values))
    try:
        raise RuntimeError(leak.format(**values))
    except RuntimeError:
        log.exception("while sending")
    err = capsys.readouterr().err
    assert REDACTED in err
    for value in values.values():
        assert value not in err


def test_http_request_logging_is_quiet() -> None:
    configure_logging("DEBUG")
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
