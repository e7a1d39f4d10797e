"""Talkwatch: a news-watching alert bot for peace-talk diplomacy."""

__version__ = "0.1.0"
