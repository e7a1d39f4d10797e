"""Ingest: feeds fetched, decoded, parsed and cleaned into ``FeedItem``s, and each
feed's polling state.

Modules, one job each:

* ``fetch``      one bounded, policy-checked HTTP GET or file read (httpx)
* ``decoders``   gzip/deflate/br with a bound on every step's output
* ``sniff``      is a body a web page or challenge rather than a feed
* ``netguard``   URL and address policy (SSRF), checked per hop and at dial time
* ``limiter``    concurrent fetches, overall and per host
* ``results``    what one fetch gives (``Fetched``, ``NotModified``, ``Unchanged``, ``Failed``)
* ``state``      each feed's state machine: next poll, backoff, "failing" once
* ``feedtemplate`` dated demo feeds
* ``feedprep``   byte-level preparation before feedparser (no DTD, valid UTF-8, item cut)
* ``parse``      the entry point: bytes → ``ParsedFeed`` (``parsed``), by format
  (``xmlfeed`` RSS/Atom/RDF via feedparser, ``jsonfeed`` JSON Feed)
* ``items``, ``keys``, ``links``, ``text``  building items, their dedup keys, canonical
  links and plain text
* ``parseworker`` parsing in a worker process with memory and time limits

Nothing here knows its callers (the pipeline, the app, the store, chats).
"""
