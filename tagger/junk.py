"""What must never become an entity: the rules, each with the reason it is there.

Two kinds of junk. *Surfaces*: protocol and technical acronyms, time zones and a few terms the
base model reads as organisations ("DNS", "UTC", "GDP"), and people the base model invents out of
technical phrases ("Invalid Request Line", "Vanilla Tor", "the Atlas website"). *Places on the
page*: bylines, photo and wire credits, copyright lines, newsletter and subscription promos, log
and code lines produce no entities; a dateline produces none either, but a place it names that the
story names again keeps its mention there (CoNLL and most readers count "LONDON 1996-08-30" as a
mention of London).

The publisher's own name is handled by the same places: "(Reuters) -", "Reporting by ...",
"AP Photo/...", "© Reuters" or a "Reuter" sign-off line are credits and drop; "Reuters" in a body
sentence ("told Reuters", a story about the agency) is a real mention and stays. A surface the
knowledge base lists exactly (an organisation really called "IP ...") is never junk.

Everything is a frozenset or a regex compiled once: the rules run on every text and must not slow
tagging down.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from spacy.tokens import Doc

from tagger.knowledge import KBEntry, normalise

# -- surfaces --------------------------------------------------------------------------------

# protocols, formats, hardware and units: the base model tags them ORG in technical posts
TECH_TERMS = frozenset(
    """DNS DNSSEC DoH TCP UDP IP IPv4 IPv6 ICMP HTTP HTTPS HTTP/2 TLS SSL SNI BGP ISP ASN NAT SYN ACK
    RST FIN MTU TTL QUIC NTP DHCP ARP SSH SFTP FTP SMTP IMAP POP3 IRC XMPP SIP RTP VoIP WebRTC SOCKS
    SOCKS4 SOCKS5 VPN P2P DPI QoS CDN LAN WAN WiFi Wi-Fi LTE GSM SMS MMS OTP 2FA AES RSA SHA SHA-1
    SHA1 SHA-256 SHA256 MD5 HMAC ECC PKI OCSP CRL HSTS PGP GPG API SDK CLI GUI UI UX CPU GPU RAM
    ROM SSD HDD USB URL URI HTML CSS JSON XML YAML PDF ASCII UTF UTF-8 RFC SQL XSS CSRF DoS DDoS CVE
    IMEI IMSI SIM GPS NFC RFID KB MB Kbps Mbps Gbps KB/s MB/s FAQ Q&A OS""".split()
)
# time zones: "14:20 GMT" is a time, not an organisation
TIME_ZONES = frozenset(
    """UTC GMT BST CET CEST EET EEST WET WEST MSK EST EDT CST CDT MST MDT PST PDT AKST AKDT HST
    AEST AEDT ACST AWST NZST NZDT IST JST KST HKT SGT PHT WIB ICT""".split()
)
# economic and job-title acronyms the base model calls organisations in business news
TERMS = frozenset("GDP GNP VAT CEO CFO COO CTO IPO PSBR M&A".split())
JUNK_SURFACES = TECH_TERMS | TIME_ZONES | TERMS
# "WEST" and "ACT" are also words and places: only the exact upper-case surface is a time zone
_CONNECTORS = frozenset("over and or of via in on to for with".split())
_SPLIT = re.compile(r"[\s/]+|(?<=[A-Za-z])-(?=[A-Za-z])")

# words that are never part of a person's name: the base model builds people from tech phrases
NOT_NAME_WORDS = frozenset(
    """Invalid Request Line Error Exception Server Client Protocol Browser Bundle Vanilla Proxy
    Socket Packet Relay Relays Linux Windows Javascript JavaScript Java Bitcoin Chrome Chromium
    Firefox Ubuntu Debian Android Python Perl PHP""".split()
)
# "network status websites Atlas and Globe": a "person" right after these is a product
PRODUCT_NOUNS = frozenset(
    """websites sites services tools apps applications programs programmes browsers extensions
    plugins add-ons addons libraries protocols servers portals""".split()
)

# -- outlets ---------------------------------------------------------------------------------
# news agencies and photo agencies: their names in "(Reuters) -", "AP Photo/...", "Name/AFP" are
# credits wherever they appear
WIRES = (
    "Thomson Reuters", "Reuters", "REUTERS", "Reuter", "REUTER", "The Associated Press",
    "Associated Press", "AP", "Agence France-Presse", "Agence France Presse", "AFP", "Getty Images",
    "Getty", "EPA-EFE", "EPA", "EFE", "dpa", "DPA", "ANSA", "PA Media", "PA Wire", "PA",
    "Press Association", "Bloomberg", "UPI", "TASS", "Interfax", "RIA Novosti", "Xinhua", "Kyodo",
    "Yonhap", "ANI", "PTI", "AAP", "The Canadian Press", "Shutterstock", "Alamy", "NurPhoto",
    "SOPA Images", "Anadolu Agency", "Anadolu", "Ukrinform", "UNIAN",
)  # fmt: skip
# outlets that sign their own pages: a credit only where a line is nothing but the name, or ends
# with it ("Ukraine war latest - BBC News")
OUTLETS = (
    *WIRES, "BBC News", "BBC", "CNN", "Al Jazeera", "The Guardian", "Guardian",
    "The New York Times", "New York Times", "The Washington Post", "Washington Post",
    "Financial Times", "The Wall Street Journal", "Wall Street Journal", "The Moscow Times",
    "Ukrainska Pravda", "The Kyiv Independent", "Kyiv Independent", "RFE/RL", "Deutsche Welle",
    "DW", "France 24", "Euronews", "Meduza",
)  # fmt: skip


def _alternation(names: Sequence[str]) -> str:
    ordered = sorted(names, key=len, reverse=True)  # longest first: "PA Media" before "PA"
    return "(?:" + "|".join(re.escape(n) for n in ordered) + r")(?![\w-])"


_WIRE = _alternation(WIRES)
_OUTLET = _alternation(OUTLETS)
_NAME = r"[A-Z][\w.'’-]*(?:[ \t]+(?:[A-Z][\w.'’-]*|de|van|von|da|del|bin|al|la|le)){0,4}"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_DATE = (
    rf"(?:{_WEEKDAY},?[ \t]*)?(?:{_MONTH}[ \t]+\d{{1,2}}(?:,?[ \t]+\d{{4}})?|"
    rf"\d{{1,2}}[ \t]+{_MONTH}(?:,?[ \t]+\d{{4}})?|\d{{4}}-\d\d-\d\d)"
)
_TIME = r"\d{1,2}[:.]\d{2}(?:[ \t]*(?:[ap]\.?m\.?|[A-Z]{2,4}))?"


def _any(*patterns: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.MULTILINE | flags)


# -- whole lines that produce no entities (one alternative per kind of line) -----------------
_LINES = _any(
    # byline: "By Jane Doe", "By Jane Doe and John Roe, BBC News, Kyiv"
    rf"^[ \t]*By[ \t]+{_NAME}(?:[ \t]*(?:,|and|&)[ \t]*{_NAME}){{0,3}}"
    r"(?:[ \t]*[,|][ \t]*[\w .'’-]{0,60})?[ \t]*$",
    # byline and date as pages copy them: "Oleksii ArtemchukFriday, 18 July 2025, 09:52",
    # "Jane Doe | 18 July 2025"; or a date line on its own
    rf"^[ \t]*(?:{_NAME}(?:(?<=[a-z])(?={_WEEKDAY}|\d)|[ \t]*[,|—–·•][ \t]*))?{_DATE}"
    rf"(?:,?[ \t]*{_TIME})?[ \t]*$",
    # a line that is nothing but an outlet: the "Reuter" sign-off, "(AP)", "— AFP", "BBC News"
    rf"^[ \t]*[(\[—–-]*[ \t]*{_OUTLET}[ \t]*[)\].:—–-]*[ \t]*$",
    # log lines: "Jul 03 12:00:00.000 [warn] ...", "2025-07-18 09:52:01 ERROR ...", "ERROR: ..."
    r"^[ \t]*\[?(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d|[A-Z][a-z]{2}[ \t]+\d{1,2}[ \t]+\d\d:\d\d:\d\d)"
    r"[^\n]*$",
    r"^[ \t]*(?:ERROR|WARN|WARNING|INFO|DEBUG|TRACE|FATAL|CRITICAL)\b[:\]][^\n]*$",
    # HTTP on the wire: request lines, status lines, headers
    r"^[ \t]*(?:GET|POST|PUT|DELETE|HEAD|OPTIONS|CONNECT|PATCH)[ \t]+\S+[ \t]+HTTP/\d[^\n]*$",
    r"^[ \t]*HTTP/\d(?:\.\d)?[ \t]+\d{3}\b[^\n]*$",
    r"^[ \t]*(?:User-Agent|Content-Type|Content-Length|Accept(?:-[A-Za-z]+)?|Set-Cookie|Cookie"
    r"|X-[\w-]+):[ \t]+\S[^\n]*$",
    # shell and code: "$ tor --version", "user@host:~$ ls", ">>> import x", "x = f(y);"
    r"^[ \t]*(?:\$[ \t]+[a-z./~]|>>>[ \t]|[\w.-]+@[\w.-]+:\S*[$#][ \t])[^\n]*$",
    r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]|#include[ \t]*[<\"]|#define[ \t]"
    r"|(?:def|class|function|func|fn)[ \t]+\w+[ \t]*[(:{])[^\n]*$",
    r"^[^\n]*(?:=|->|::|\{)[^\n]*[;{][ \t]*$|^[^\n]*\w\([^)\n]*\)[ \t]*;[ \t]*$|^[ \t]*[{}][ \t]*$",
    # a config line: "ExitPolicy reject *:*", "SocksPort 9050", "UseBridges 1"
    r"^[ \t]*(?!Ma?c[A-Z])(?![^\n]*\b[a-z]{3,}\b[^\n]*\b[a-z]{3,}\b)[A-Z][a-z]+(?:[A-Z][a-z]+)+[ \t]+"
    r"(?=[^\n]*[\d*:=/])[\w*:./=,-]+"
    r"(?:[ \t]+[\w*:./=,-]+){0,4}[ \t]*$",
)
_LINES_ANY_CASE = _any(
    # page metadata: "Published 14:20 GMT", "Last updated: 3 March 2025"
    r"^[ \t]*(?:Published|Updated|Last updated|First published|Posted|Modified)\b[^\n]{0,80}$",
    # credit lines: "Photo: AFP", "Stock photo: Getty Images", "Source: The Moscow Times"
    r"^[ \t]*(?:stock |file |main |top |lead )?(?:(?:photo(?:graph)?s?|pictures?|pics?|images?"
    r"|illustrations?)[ \t]*(?::|by\b)|(?:credits?|photo credits?|sources?|image copyright"
    r"|image source|copyright)[ \t]*:)[^\n]{0,120}$",
    # copyright notices: "© 2025 Reuters", "Copyright 2025 The Associated Press. All rights reserved."
    r"^[ \t]*(?:©|\(c\)|copyright\b)[^\n]*$",
    r"^[^\n]{0,160}\ball rights reserved\b[^\n]{0,80}$",
    # promos: "Sign up to First Edition, our free daily newsletter", "Support ... on Patreon!"
    r"^[ \t]*(?:sign[ -]?up|subscribe|donate|become[ \t]+a|support|follow|join|download|get|try"
    r"|listen|watch|read)(?=[ \t])[^\n]{0,200}?\b(?:newsletters?|subscri\w+|patreon|donat\w+"
    r"|members(?:hip)?|podcasts?|our app|the app|free trial|telegram|twitter|facebook|instagram"
    r"|youtube|whatsapp|tiktok|x\.com|independent journalism|our journalism)\b[^\n]{0,200}$",
    r"^[^\n]*\b(?:privacy notice: newsletters|newsletter promotion|our free (?:daily |weekly )?"
    r"newsletter|already a subscriber|sign up to our|subscribe to our)\b[^\n]*$",
    # log levels in brackets: "[warn] Invalid Request Line", "[notice] Bootstrapped 100%"
    r"^[^\n]*\[(?:warn|warning|notice|info|debug|err|error|crit|alert|emerg|trace|fatal)\][^\n]*$",
    flags=re.IGNORECASE,
)

# -- parts of a line that produce no entities ------------------------------------------------
_PARTS = _any(
    # a wire credit: "(Reuters) -" after a dateline, "(AP Photo/Evan Vucci)" after a caption
    rf"\([ \t]*{_WIRE}[ \t]*(?:(?:Photo|Images?|Pictures?)?[ \t]*/[ \t]*{_NAME}[ \t]*)?\)"
    r"(?=[ \t]*(?:[—–:-]|$))",
    rf"\([ \t]*{_WIRE}[ \t]*(?:Photo|Images?|Pictures?)?[ \t]*/[ \t]*{_NAME}[ \t]*\)",
    # "AP Photo/Evan Vucci", "REUTERS/Kevin Lamarque", "Kevin Lamarque/AFP via Getty Images"
    rf"{_WIRE}[ \t]*(?:Photo|Images?|Pictures?)?[ \t]*/[ \t]*{_NAME}",
    rf"{_NAME}[ \t]*/[ \t]*{_WIRE}(?:[ \t]+via[ \t]+{_WIRE})?",
    # Reuters' footers: "(Reporting by X in Kyiv; Editing by Y)", "Additional reporting by ..."
    r"(?:^|[(;|—–])[ \t]*(?:(?:[Aa]dditional|[Ff]urther)[ \t]+)?(?:[Rr]eporting|[Ww]riting"
    r"|[Ee]diting|[Ee]dited|[Ww]ritten|[Cc]ompiled|[Pp]roduced|[Pp]hotos?|[Pp]hotographs?"
    r"|[Pp]ictures?|[Gg]raphics|[Tt]ranslat(?:ion|ed)|[Rr]esearch|[Ff]act-?checking)"
    r"[ \t]+by\b[^\n)]*\)?",
    # a credit inside a line: "Image: Mathias Krumbholz.", "(Photo: AFP)"
    r"\b(?:[Pp]hoto(?:graph)?|[Pp]icture|[Pp]ic|[Ii]mage|[Cc]redit|[Pp]hoto credit"
    r"|[Ii]mage copyright|[Ii]mage source)[ \t]*:[ \t]*[^\n]*?(?=[.;)]?[ \t]*$|[.;)][ \t]+[A-Z(]"
    r"|[ \t][|•·—–][ \t])",
    # "© Reuters", "© 2025 AFP" in a caption
    r"©[^\n)]{0,80}",
    # an outlet signing a line: "... the ministry said. — AP", "Ukraine war latest - BBC News";
    # a wire heading one: "Reuters: Russian lawmaker warns ...", "AFP - "
    rf"[ \t][—–|-][ \t]*{_OUTLET}[ \t]*$",
    rf"^[ \t]*{_WIRE}[ \t]*(?:[—–-]|:)[ \t]",
    # inline code: `torrc`, ``ExitPolicy``
    r"(?<![\w`])`(?!`)(?:\S|\S[^`\n]{0,80}?\S)`(?![\w`])",
)
# fenced code blocks: everything between ``` lines
_FENCE = re.compile(r"^[ \t]*```[^\n]*\n.*?^[ \t]*```[^\n]*$", re.MULTILINE | re.DOTALL)

# -- datelines: the place the story was filed from -------------------------------------------
_DATELINE = _any(
    # "BRUSSELS, June 23 (Reuters) - ", "KYIV, Ukraine (AP) — ", "WASHINGTON - The ..."
    r"^[ \t]*(?P<a>[A-Z][A-Z.'’-]+(?:[ \t]+[A-Z][A-Z.'’-]+){0,3}"
    r"(?:,[ \t]+[A-Z][A-Za-z.'’-]+(?:[ \t]+[A-Z][A-Za-z.'’-]+){0,2})?)"
    rf"(?:,?[ \t]+{_DATE})?[ \t]*(?:\([^\n)]{{1,40}}\))?[ \t]*[—–-]{{1,2}}[ \t]+"
    r"(?=[\"'‘“(]?[A-Z][a-z])",
    # CoNLL's own dateline line: "LONDON 1996-08-30"
    r"^[ \t]*(?P<b>[A-Z][A-Z.'’ -]+?)[ \t]+\d{4}-\d\d-\d\d[ \t]*$",
    # a mixed-case place with a wire credit: "Kyiv, July 18 (Reuters) - "
    rf"^[ \t]*(?P<c>{_NAME}(?:,[ \t]*{_NAME})?)(?:,?[ \t]+{_DATE})?[ \t]*"
    rf"\([ \t]*{_WIRE}[ \t]*\)[ \t]*[—–:-]",
)


@dataclass(frozen=True)
class JunkZones:
    """Character ranges of one text where mentions are junk (``drop``) or only count when the
    story names the same thing elsewhere (``weak``: datelines). Ranges are sorted and disjoint."""

    drop: tuple[tuple[int, int], ...] = ()
    weak: tuple[tuple[int, int], ...] = ()

    def kind_at(self, start: int, end: int) -> str | None:
        """ "drop", "weak" or None for a mention at ``[start, end)``."""
        if _overlaps(self.drop, start, end):
            return "drop"
        if _overlaps(self.weak, start, end):
            return "weak"
        return None


def _overlaps(ranges: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    i = bisect_right(ranges, (start, float("inf"))) - 1
    if i >= 0 and ranges[i][1] > start:
        return True
    return i + 1 < len(ranges) and ranges[i + 1][0] < end


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return tuple(merged)


def find_junk(text: str) -> JunkZones:
    """Where in ``text`` the bylines, credits, promos, log and code lines and datelines are."""
    drop = [m.span() for m in _LINES.finditer(text) if _line_ok(m.group())]
    drop += [m.span() for m in _LINES_ANY_CASE.finditer(text) if _line_ok(m.group())]
    drop += [m.span() for m in _PARTS.finditer(text)]
    drop += [m.span() for m in _FENCE.finditer(text)] if "```" in text else []
    weak = []
    for m in _DATELINE.finditer(text):
        group = next(g for g in ("a", "b", "c") if m.group(g) is not None)
        weak.append(m.span(group))
        drop.append((m.end(group), m.end()))  # its date and wire credit: "AMSTERDAM 1996-12-06"
    return JunkZones(drop=_merge(drop), weak=_merge(weak))


def _line_ok(line: str) -> bool:
    """A long sentence (more than 12 words, a final stop) is prose: of the line rules only a
    promo, a copyright notice and a log or code line may match one."""
    stripped = line.strip()
    if len(stripped.split()) > 12 and stripped.endswith((".", "!", "?", "”", '"')):
        return bool(_LONG_OK.search(stripped))
    return True


_LONG_OK = re.compile(
    r"newsletter|subscri|patreon|donat|©|copyright|rights reserved|\[\w+\]|^\S+@|^\[?\d{4}-\d\d"
    r"|^[A-Z][a-z]{2} +\d{1,2} +\d\d:|;\s*$|[{}]\s*$|\)\s*;",
    re.IGNORECASE,
)


# -- candidates ------------------------------------------------------------------------------
class Candidate(Protocol):
    """What :func:`drop_junk` needs of an entity candidate (``tagger.entities._Candidate``)."""

    start: int
    end: int
    label: str
    entry: KBEntry | None
    name: str


C = TypeVar("C", bound=Candidate)


def is_junk_surface(surface: str, label: str) -> bool:
    """True for an acronym, time zone or term that is never a named entity ("DNS", "ISPs",
    "TCP/IP", "UTC"), a single letter, or a "person" made of technical words."""
    if surface in JUNK_SURFACES or len(surface) == 1:
        return True
    if surface.endswith("s") and surface[:-1] in JUNK_SURFACES and surface[:-1].isupper():
        return True  # "ISPs", "APIs"
    parts = [p for p in _SPLIT.split(surface) if p]
    if len(parts) > 1 and all(p in JUNK_SURFACES or p.isdigit() or p in _CONNECTORS for p in parts):
        return any(p in JUNK_SURFACES for p in parts)  # "TCP/IP", "SSL/TLS", "DNS over HTTPS"
    return label == "PERSON" and any(p in NOT_NAME_WORDS for p in parts)


def _is_product(doc: Doc, start: int) -> bool:
    """ "websites Atlas and Globe": a name right after a plural product noun."""
    return start > 0 and doc[start - 1].lower_ in PRODUCT_NOUNS


def drop_junk(doc: Doc, candidates: list[C], zones: JunkZones) -> list[C]:
    """The candidates that are not junk: see the module docstring for what is and why."""
    # a base-model "person" seen once as a product ("websites Atlas and Globe") is nowhere one
    products = {
        c.name
        for c in candidates
        if c.label == "PERSON" and c.entry is None and _is_product(doc, c.start)
    }
    kept: list[C] = []
    weak: list[C] = []
    for cand in candidates:
        span = doc[cand.start : cand.end]
        surface = span.text
        known = cand.entry is not None and surface in cand.entry.aliases
        if not known and is_junk_surface(surface, cand.label):
            continue
        if cand.entry is None and cand.label == "PERSON" and cand.name in products:
            continue
        kind = zones.kind_at(span.start_char, span.end_char) if zones.drop or zones.weak else None
        if kind == "drop":
            continue
        (weak if kind == "weak" else kept).append(cand)
    if weak:
        # a dateline's place counts only if the story names it too
        named = {_key(c) for c in kept} | {normalise(c.name) for c in kept}
        kept.extend(c for c in weak if _key(c) in named or normalise(c.name) in named)
    return kept


def _key(cand: Candidate) -> str:
    return cand.entry.key if cand.entry is not None else normalise(cand.name)
