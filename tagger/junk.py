"""What must never become an entity: the rules, each with the reason it is there.

Two kinds of junk. *Surfaces*: protocol and technical acronyms, time zones and a few terms the
base model reads as organisations ("DNS", "UTC", "GDP"), and "people" the base model makes out of
technical phrases ("Invalid Request Line", "Vanilla Tor", "websites Atlas and Globe"). *Places on
the page*: bylines, photo and wire credits, copyright lines, newsletter and subscription promos,
log and code lines produce no entities. A dateline produces none either, but a place the story
names again keeps its dateline mention (CoNLL counts "LONDON 1996-08-30" as a mention of London).

The publisher's own name goes by the same places: "(Reuters) -", "Reporting by ...",
"AP Photo/...", "© Reuters", a "Reuter" sign-off line are credits and drop; "Reuters" in a body
sentence ("told Reuters", a story about the agency) is a real mention and stays. A surface the
knowledge base lists exactly (an organisation really called "IP ...") is never junk.

Everything is a frozenset or a regex compiled once, and the costly regexes only run on texts
that hold their literal ("@", "/", "©"): the rules run on every text and must not slow tagging.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from spacy.tokens import Doc

from tagger.knowledge import KBEntry

# -- surfaces ------------------------------------------------------------------------------------

# protocols, formats, hardware and units: the base model tags them ORG in technical posts (none is
# a whole gold mention in CoNLL-2003, GUM or MEANTIME; "GB", "ROM", "RSA", "FIN" are left out:
# they are also country codes in results tables)
TECH_TERMS = frozenset(
    """DNS DNSSEC DoH TCP UDP IP IPv4 IPv6 ICMP HTTP HTTPS HTTP/2 TLS DTLS SSL SNI BGP ISP ASN NAT SYN
    ACK MTU TTL QUIC NTP DHCP ARP SSH SFTP FTP SMTP IMAP POP3 IRC XMPP SIP RTP VoIP WebRTC SOCKS
    SOCKS4 SOCKS5 VPN P2P DPI QoS CDN LAN WAN WiFi Wi-Fi LTE GSM SMS MMS OTP 2FA AES SHA SHA-1 SHA1
    SHA-256 SHA256 MD5 HMAC PKI OCSP CRL HSTS PGP GPG API SDK CLI GUI UI UX CPU GPU RAM SSD HDD USB
    URL URI HTML CSS JSON XML YAML PDF ASCII UTF UTF-8 RFC SQL XSS CSRF DoS DDoS CVE IMEI IMSI SIM
    GPS NFC RFID KB MB Kbps Mbps Gbps FAQ Q&A OS NXDOMAIN SERVFAIL NOERROR""".split()
)
# the same spelled out, and handshake messages: "the Server Name Indication (SNI) field"
TECH_PHRASES = frozenset(
    {
        "Server Name Indication", "Encrypted Server Name Indication", "Encrypted Client Hello",
        "ClientHello", "ServerHello", "Client Hello", "Server Hello", "Transport Layer Security",
        "Secure Sockets Layer", "Domain Name System", "Deep Packet Inspection",
        "Border Gateway Protocol", "Internet Protocol", "Transmission Control Protocol",
        "User Datagram Protocol", "Hypertext Transfer Protocol", "Virtual Private Network",
        "Content Delivery Network", "Network Address Translation", "Autonomous System",
    }
)  # fmt: skip
# time zones: "14:20 GMT" is a time, not an organisation
TIME_ZONES = frozenset(
    """UTC GMT BST CET CEST EET EEST WET MSK EST EDT CST CDT MST MDT PST PDT AKST AKDT HST AEST
    AEDT ACST AWST NZST NZDT IST JST KST HKT SGT PHT WIB""".split()
)
# economic terms and job titles the base model calls organisations in business news, and the
# weapons and terms of war reporting ("Russians attack Dnipropetrovsk Oblast with UAVs")
TERMS = frozenset(
    "GDP GNP VAT CEO CFO COO CTO IPO PSBR M&A AI EV LNG NGO CERT UAV ICBM MLRS APC IDP MP SME "
    "ATM".split()
)
# labels that head a story or a paragraph ("ANALYSIS-", "Explainer:", "Factbox")
HEADINGS = frozenset(
    w
    for word in "Analysis Explainer Factbox Exclusive Verdict Opinion Interview".split()
    for w in (word, word.upper())
)
JUNK_SURFACES = TECH_TERMS | TECH_PHRASES | TIME_ZONES | TERMS | HEADINGS
# a network's autonomous system number: "AS9988 (MPT)"
_AS_NUMBER = re.compile(r"AS\d{1,10}")
# "TCP/IP", "DNS over HTTPS": junk parts joined by these are junk as a whole
_CONNECTORS = frozenset("over and or of via in on to for with".split())
_SPLIT = re.compile(r"[\s/]+|(?<=[A-Za-z])-(?=[A-Za-z])")

# words that are never part of a person's name: the base model builds people out of tech phrases,
# a plural office is a group ("Labour MPs", "Law Lords") and "Dlrs" is Reuters' dollars
NOT_NAME_WORDS = frozenset(
    """Invalid Request Line Error Exception Server Client Protocol Browser Bundle Vanilla Proxy
    Socket Packet Relay Relays Linux Windows Javascript JavaScript Java Bitcoin Chrome Chromium
    Firefox Ubuntu Debian Android Python Perl PHP
    MPs MEPs Lords Ministers Senators Councillors Governors Dlrs""".casefold().split()
)
# "network status websites Atlas and Globe": a "person" right after these is a product
PRODUCT_NOUNS = frozenset(
    """websites sites services tools apps applications programs programmes browsers extensions
    plugins add-ons addons libraries protocols servers portals""".split()
)

# -- outlets -------------------------------------------------------------------------------------
# news and photo agencies: "(Reuters) -", "AP Photo/...", "Name/AFP" are credits wherever they are
WIRES = (
    "Thomson Reuters", "Reuters", "REUTERS", "Reuter", "REUTER", "The Associated Press",
    "Associated Press", "AP", "Agence France-Presse", "Agence France Presse", "AFP", "Getty Images",
    "Getty", "EPA-EFE", "EPA", "EFE", "dpa", "DPA", "ANSA", "PA Media", "PA Wire", "PA",
    "Press Association", "Bloomberg", "UPI", "TASS", "Interfax", "RIA Novosti", "Xinhua", "Kyodo",
    "Yonhap", "ANI", "PTI", "AAP", "The Canadian Press", "Shutterstock", "Alamy", "NurPhoto",
    "SOPA Images", "Anadolu Agency", "Anadolu", "Ukrinform", "UNIAN",
)  # fmt: skip
# outlets that sign their own pages: a credit where a line is nothing but the name or ends with it
# ("Ukraine war latest - BBC News"); "(BBC)" after "British Broadcasting Corporation" is a mention
OUTLETS = (
    *WIRES, "BBC News", "BBC", "CNN", "Al Jazeera", "The Guardian", "Guardian",
    "The New York Times", "New York Times", "The Washington Post", "Washington Post",
    "Financial Times", "The Wall Street Journal", "Wall Street Journal", "The Moscow Times",
    "Ukrainska Pravda", "The Kyiv Independent", "Kyiv Independent", "RFE/RL", "Deutsche Welle",
    "DW", "France 24", "Euronews", "Meduza",
)  # fmt: skip


def _alternation(names: Iterable[str]) -> str:
    ordered = sorted(names, key=len, reverse=True)  # longest first: "PA Media" before "PA"
    return r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in ordered) + r")(?![\w-])"


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
    """One regex for several; when all start at a line start, "^" is tested once per position
    rather than once per pattern (several times faster on long texts)."""
    if all(p.startswith("^") for p in patterns):
        body = "|".join(f"(?:{p[1:]})" for p in patterns)
        return re.compile(f"^(?:{body})", re.MULTILINE | flags)
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.MULTILINE | flags)


# -- whole lines that produce no entities --------------------------------------------------------
_AFFILIATION = r"(?:[ \t]*\([^()\n]{1,60}\))?"  # "Jane Doe (OONI)"
# a report's authors with their affiliations: "Maria Xynou (OONI), Arturo Filastò (OONI)"; no
# sentence wraps onto such a line, so it needs no run-on guard
_AUTHOR_LIST = re.compile(
    rf"^[ \t]*{_NAME}[ \t]*\([^()\n]{{1,60}}\)(?:[ \t]*(?:,|and|&)[ \t]*{_NAME}[ \t]*"
    r"\([^()\n]{1,60}\)){1,9}[ \t]*$",
    re.MULTILINE,
)
# where a page's share buttons send a story
_SHARE_TARGET = (
    r"(?:facebook|x|twitter|whatsapp|telegram|linkedin|reddit|e-?mail|pinterest|messenger|viber"
    r"|vk|bluesky|threads|flipboard|mastodon)"
)
# a navigation bar: four or more sections of one or two capitalised words between bars or arrows
# ("World | Europe | Business | Tech", "Home > News > World"); a headline with bars has longer parts
_NAV_ITEM = r"[A-Z][\w&'’.-]*(?:[ \t]+[A-Z&][\w&'’.-]*)?"
_NAV_BAR = re.compile(
    rf"^[ \t]*{_NAV_ITEM}(?:[ \t]*[|›»>•·][ \t]*{_NAV_ITEM}){{3,}}[ \t]*$", re.MULTILINE
)
# lines that could also end a hard-wrapped sentence ("... told\nReuters."): these count only
# where the line before does not run on into them (see _runs_on)
_CREDIT_LINES = _any(
    # byline: "By Jane Doe", "By Jane Doe and John Roe, BBC News, Kyiv", "By Jane Doe (OONI)"
    rf"^[ \t]*By[ \t]+{_NAME}{_AFFILIATION}(?:[ \t]*(?:,|and|&)[ \t]*{_NAME}{_AFFILIATION}){{0,5}}"
    r"(?:[ \t]*[,|][ \t]*[\w .'’-]{0,60})?[ \t]*$",
    # a labelled byline: "Author: Martin Fornusek", "Editors: Jane Doe and John Roe"
    rf"^[ \t]*(?:Authors?|Editors?|Reporters?|Writers?|Correspondents?)[ \t]*:[ \t]*{_NAME}"
    rf"(?:[ \t]*(?:,|and|&)[ \t]*{_NAME}){{0,3}}[ \t]*$",
    # a byline without "By": "Pjotr Sauer and agencies", "Staff and agencies" (the Guardian)
    rf"^[ \t]*{_NAME}(?:[ \t]*(?:,|and|&)[ \t]*{_NAME}){{0,3}}[ \t]+(?:and|&)[ \t]+agencies[ \t]*$",
    # the same spread over lines: "Written by\n  Scott Murdoch for\n  Reuters ->"
    rf"^[ \t]*(?:Written|Words|Text|Story)[ \t]+by\s*{_NAME}"
    rf"(?:[ \t]+for\b(?:\s*{_OUTLET}[ \t>»:—–-]*)?)?[ \t]*$",
    # byline and date as pages copy them: "Oleksii ArtemchukFriday, 18 July 2025, 09:52",
    # "Jane Doe | 18 July 2025"; or a date line on its own (not a dateline: "CHICAGO, April 8")
    rf"^[ \t]*(?:(?![A-Z]{{2,}}\b){_NAME}(?:(?<=[a-z])(?={_WEEKDAY}|\d)|[ \t]*[,|—–·•][ \t]*))?"
    rf"{_DATE}(?:,?[ \t]*{_TIME})?[ \t]*$",
    # page metadata: "Published 14:20 GMT, 3 March 2025", "Last updated: 3 March", "Posted by X"
    r"^[ \t]*(?:Published|Updated|Last updated|First published|Posted|Modified)\b"
    r"(?![^\n]*\b[a-z]{3,}\b)[^\n]{0,80}$",
    # a line that is nothing but an outlet: "(AP)", "— AFP", "BBC News", "Reuters ->", or its
    # desk as a byline: "Kyiv Independent news desk", "Reuters staff"
    rf"^[ \t]*[(\[—–-]*[ \t]*{_OUTLET}(?:[ \t]+(?:news[ \t]+desk|staff|reporters?|newsroom"
    r"|editors?|correspondents?))?[ \t]*[)\].:—–>»-]*[ \t]*$",
)
# the sign-off that ends every Reuters-21578 story, after a table as often as after a sentence
_SIGN_OFF = re.compile(r"^[ \t]*(?:Reuter|REUTER)[ \t.^M]*$", re.MULTILINE)
# a wire heading a line: "Reuters: Russian lawmaker warns ...", "AFP - " (not "told\nReuters: ")
_WIRE_HEADING = re.compile(rf"^[ \t]*{_WIRE}(?=[ \t]*(?:[—–-]|:)[ \t])", re.MULTILINE)
_CREDIT_LINES_ANY_CASE = _any(
    # credit lines: "Photo: AFP", "Stock photo: Getty Images", "Source: The Moscow Times", and the
    # BBC's "Image source, Getty Images"
    r"^[ \t]*(?:stock |file |main |top |lead )?(?:(?:photo(?:graph)?s?|pictures?|pics?|images?"
    r"|illustrations?)[ \t]*(?::|by\b)|(?:credits?|photo credits?|sources?|image copyright"
    r"|image source|copyright)[ \t]*:|(?:image|media|video) (?:source|copyright),)[^\n]{0,120}$",
    # copyright notices: "© 2025 Reuters", "Copyright 2023 The Associated Press. All rights ..."
    r"^[ \t]*(?:©|\(c\)[ \t]*\d{4}|copyright[ \t]*(?:©|\(c\)|\d{4}))[^\n]*$",
    # promos: "Support Ukrainska Pravda on Patreon!", "Follow us on Telegram"
    r"^[ \t]*(?=(?-i:[A-Z]))(?:sign[ -]?up|subscribe|donate|become[ \t]+a|support|follow|join"
    r"|download|get|try|listen|watch|read)(?=[ \t])[^\n]{0,200}?\b(?:newsletters?|subscri\w+"
    r"|patreon|donate (?:now|today|here|to us|to our)|donations?|membership|podcasts?|our app"
    r"|the app|free trial|telegram|twitter|facebook|instagram|youtube|whatsapp|tiktok|x\.com"
    r"|independent journalism|our journalism)\b[^\n]{0,200}$",
    # a page's tags and topics: "Tags: Iran, WhatsApp, censorship", "Filed under: ..."
    r"^[ \t]*(?:tags|topics|related topics|filed under|categories|keywords)[ \t]*:[^\n]{0,300}$",
    # "Sign up to First Edition" on its own line, above the newsletter's blurb
    r"^[ \t]*(?=(?-i:[A-Z]))sign[ -]?up (?:to|for)\b(?:[ \t]+\S+){1,6}[ \t]*$",
    # share buttons: "Share on Facebook Share on X Share on WhatsApp Email", "Share via Telegram"
    rf"^[ \t]*(?:(?:share|tweet|post)(?:[ \t]+(?:on|via|to))?[ \t]+{_SHARE_TARGET}[ \t,|·•]*)+"
    r"(?:(?:e-?mail|print|copy link|comments?|save)[ \t,|·•]*)*$",
    flags=re.IGNORECASE,
)
# promos, appeals and syndication footers: phrases no story sentence has, however long the line;
# the whole line around one goes (looked for only in texts holding one of _MARKER_KEYS)
_LINE_MARKERS = re.compile(
    r"\b(?:privacy notice: newsletters|newsletter promotion|our free (?:daily |weekly )?newsletter"
    r"|already a subscriber|sign up to our|subscribe to our|small favou?r to ask"
    r"|no billionaire owner|(?:fund|support) independent journalism|all rights reserved"
    r"|support us on"
    r"|views and opinions expressed herein|do not necessarily reflect (?:those|the views))\b",
    re.IGNORECASE,
)
_MARKER_KEYS = (
    "newsletter", "subscri", "sign up", "favour", "favor", "billionaire", "journalism",
    "rights reserved", "views and opinions", "necessarily reflect", "support us on",
)  # fmt: skip
# log levels: "Jul 03 12:00:00.000 [warn] Invalid Request Line", "[notice] Bootstrapped 100%"
_LOG_LEVEL = re.compile(
    r"\[(?:warn|warning|notice|info|debug|err|error|crit|alert|emerg|trace|fatal)\]", re.IGNORECASE
)
# a newsletter box as a reader copies it: "Sign up to ..." down to its "Privacy Notice:" line
_PROMO_BLOCK = re.compile(
    r"^[ \t]*(?:Sign[ -]?up|Subscribe)\b[^\n]{0,80}(?:\n[^\n]{0,300}){0,4}?\n[^\n]*"
    r"Privacy Notice:[^\n]*$",
    re.MULTILINE,
)
# a report's reference list: its heading and the references under it ("[1] Taye, B. (2021).
# Shattered Dreams and Lost Opportunities. Access Now."); the authors and titles it lists are
# sources, not subjects. A line that reads as none (no number, bullet, year or link) ends it.
_REFERENCES_HEADING = re.compile(
    r"^[ \t]*(?:#+[ \t]*)?(?:References|Bibliography|Endnotes|Footnotes|Notes|Works cited"
    r"|Sources|Citations|Further reading)[ \t]*:?[ \t]*$",
    re.MULTILINE,
)
# a writer's biography under its heading ("About the author\nMaria Xynou is a researcher at ..."):
# the heading and the one line after it, since a page pasted with single line breaks goes on with
# its story right below
_ABOUT_AUTHOR = re.compile(
    r"^[ \t]*(?:#+[ \t]*)?(?:about the authors?|about the writers?|author bios?|authors?'? bios?"
    r")[ \t]*:?[ \t]*\n(?:[ \t]*\n)?[ \t]*\S[^\n]*",
    re.MULTILINE | re.IGNORECASE,
)
_REFERENCE_LINE = re.compile(
    r"^[ \t]*(?:\[\d{1,3}\]|\d{1,3}[.)][ \t]|[-•*·][ \t]|\^)"
    r"|\(\d{4}[a-z]?\)|\b(?:19|20)\d\d[a-z]?[.,)]|https?://|www\.|\bdoi\b"
)
# how to cite a report and its licence: "Cite this report: Xynou, M. (2024) ...", "This report
# is licensed under a Creative Commons Attribution 4.0 International License."
_CITE_LINES = _any(
    r"^[ \t]*(?:cite (?:this|as)|suggested citation|to cite|how to cite|citation)\b[^\n]{0,300}$",
    r"^[^\n]{0,120}\blicen[cs]ed under\b[^\n]{0,160}$",
    flags=re.IGNORECASE,
)
_CODE_LINES = _any(
    # log lines: "Jul 15 20:26:18.000 [warn] ...", "2025-07-18 09:52:01 ERROR ...", "ERROR: ..."
    r"^[ \t]*\[?(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d|[A-Z][a-z]{2}[ \t]+\d{1,2}[ \t]+\d\d:\d\d:\d\d)"
    r"[^\n]*$",
    r"^[ \t]*(?:ERROR|WARN|WARNING|INFO|DEBUG|TRACE|FATAL|CRITICAL)\b[:\]][^\n]*$",
    # HTTP on the wire: request lines, status lines, headers
    r"^[ \t]*(?:GET|POST|PUT|DELETE|HEAD|OPTIONS|CONNECT|PATCH)[ \t]+\S+[ \t]+HTTP/\d[^\n]*$",
    r"^[ \t]*HTTP/\d(?:\.\d)?[ \t]+\d{3}\b[^\n]*$",
    r"^[ \t]*(?:User-Agent|Content-Type|Content-Length|Accept(?:-[A-Za-z]+)?|Set-Cookie|Cookie"
    r"|X-[\w-]+):[ \t]+\S[^\n]*$",
    # shell and code: "$ tor --version", "user@host:~$ ls", ">>> import x", "def f(x):"
    r"^[ \t]*(?:\$[ \t]+[a-z./~]|>>>[ \t]|[\w.-]+@[\w.-]+:\S*[$#][ \t])[^\n]*$",
    r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]|#include[ \t]*[<\"]|#define[ \t]"
    r"|(?:def|class|function|func|fn)[ \t]+\w+[ \t]*[(:{])[^\n]*$",
    # a config line: "ExitPolicy reject *:*", "SocksPort 9050", "HiddenServicePort 80 127.0.0.1:80"
    r"^[ \t]*(?!Ma?c[A-Z])(?![^\n]*\b[a-z]{3,}\b[^\n]*\b[a-z]{3,}\b)[A-Z][a-z]+(?:[A-Z][a-z]+)+"
    r"[ \t]+(?=[^\n]*[\d*:=/])[\w*:./=,-]+(?:[ \t]+[\w*:./=,-]+){0,2}[ \t]*$",
)
# a statement ending in ";" or "{" with code in it: "x = f(y);", "if (x) {", "}"
_CODE_END = re.compile(r"[;{}][ \t]*$", re.MULTILINE)
_CODE_BODY = re.compile(r"=|->|::|\{|\}|\w\([^)]*\)[ \t]*;")
# fenced code blocks: everything between ``` lines
_FENCE = re.compile(r"^[ \t]*```[^\n]*\n.*?^[ \t]*```[^\n]*$", re.MULTILINE | re.DOTALL)

# -- parts of a line that produce no entities ----------------------------------------------------
# a wire credit: "(Reuters) -" after a dateline, "(AP Photo/Evan Vucci)" after a caption
_WIRE_PARENS = _any(
    rf"\([ \t]*{_WIRE}[ \t]*\)(?=[ \t]*(?:[—–:-]|$))",
    rf"\([ \t]*{_WIRE}[ \t]*(?:Photo|Images?|Pictures?)?[ \t]*/[ \t]*{_NAME}[ \t]*\)",
)
# Reuters' footers: "(Reporting by X in Kyiv; Editing by Y)", "Additional reporting by ..."
_FOOTER = re.compile(
    r"(?:^|[(;|—–])[ \t]*(?:(?:[Aa]dditional|[Ff]urther)[ \t]+)?(?:[Rr]eporting|[Ww]riting"
    r"|[Ee]diting|[Ee]dited|[Ww]ritten|[Cc]ompiled|[Pp]roduced|[Pp]hotos?|[Pp]hotographs?"
    r"|[Pp]ictures?|[Gg]raphics|[Tt]ranslat(?:ion|ed)|[Ff]act-?checking)[ \t]+by[ \t]+(?=[A-Z])"
    r"(?:[ \t]*(?:[A-Z][\w.'’-]*|and|in|from|at|by|de|van|von|al|reporting|writing|editing"
    r"|[;,&]))*[ \t]*\)?(?=[ \t]*$)",
    re.MULTILINE,
)
# a credit inside a line: "Image: Mathias Krumbholz.", "(Photo: AFP)"
_LABEL_CREDIT = re.compile(
    r"\b(?:[Pp]hoto(?:graph)?|[Pp]icture|[Pp]ic|[Ii]mage|[Cc]redit|[Pp]hoto credit"
    r"|[Ii]mage copyright|[Ii]mage source)[ \t]*:[ \t]*[^\n]*?(?=[.;)]?[ \t]*$|[.;)][ \t]+[A-Z(]"
    r"|[ \t][|•·—–][ \t])",
    re.MULTILINE,
)
# an outlet signing a line: "... the ministry said. — AP", "Ukraine war latest - BBC News"
_SIGNED = re.compile(rf"[—–|-][ \t]*{_OUTLET}[ \t]*$", re.MULTILINE)
# "AP Photo/Evan Vucci", "REUTERS/Kevin Lamarque", "Kevin Lamarque/AFP via Getty Images": looked
# for around each "/" only
_SLASH_CREDIT = _any(
    rf"{_WIRE}[ \t]*(?:Photo|Images?|Pictures?)?[ \t]*/[ \t]*{_NAME}",
    rf"{_NAME}[ \t]*/[ \t]*{_WIRE}(?:[ \t]+via[ \t]+{_WIRE})?",
)
_COPYRIGHT_SIGN = re.compile(r"©[^\n)]{0,80}")  # "© Reuters" in a caption
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")  # "((Scott.Murdoch@thomsonreuters.com;))"
_INLINE_CODE = re.compile(r"(?<![\w`])`(?!`)(?:\S|\S[^`\n]{0,80}?\S)`(?![\w`])")  # `torrc`
# the US benchmark crude, as oil reports name it ("U.S. West Texas Intermediate crude futures"):
# a commodity, not the telecom US West, the state of Texas or a mention of the United States
_BENCHMARK_CRUDE = re.compile(r"(?:\bU\.?S\.?[ \t]+)?\bWest[ \t]+Texas[ \t]+Intermediate\b")
# the credit line that ends a wire story: "Associated Press writers Jill Lawless in London and
# Lorne Cook in Brussels contributed to this report.", "CNN's Mick Krever contributed reporting."
_CONTRIBUTED = re.compile(
    r"^[^\n]{0,300}?\bcontributed[ \t]+(?:reporting|to[ \t]+this[ \t]+(?:report|story|article))"
    r"(?:[ \t]+from[ \t]+[A-Z][^\n.]{0,40})?\.?[ \t]*$",
    re.MULTILINE,
)
# each costly pattern with the literal a text must hold for it to be worth running
_GUARDED = (
    (_WIRE_PARENS, "("), (_COPYRIGHT_SIGN, "©"), (_INLINE_CODE, "`"),
    (_BENCHMARK_CRUDE, "Texas Intermediate"), (_CONTRIBUTED, "contributed"),
)  # fmt: skip
_FOOTER_KEYS = ("ing by", "ed by", "tion by", "photos by", "graphs by", "tures by", "graphics by")
_LABEL_KEYS = ("photo", "pic", "image", "credit")  # _LABEL_CREDIT, in the lower-cased text
_ANCHORED = ((_SLASH_CREDIT, "/"), (_EMAIL, "@"))  # run on a window around each literal

# -- datelines: the place the story was filed from ----------------------------------------------
_DATELINE = _any(
    # "BRUSSELS, June 23 (Reuters) - ", "KYIV, Ukraine (AP) — ", "WASHINGTON - The ..."
    r"^[ \t]*(?P<a>[A-Z][A-Z.'’-]+(?:[ \t]+[A-Z][A-Z.'’-]+){0,3}"
    r"(?:,[ \t]+[A-Z][A-Za-z.'’-]+(?:[ \t]+[A-Z][A-Za-z.'’-]+){0,2})?)"
    rf"(?:,?[ \t]+{_DATE})?[ \t]*(?:\([^\n)]{{1,40}}\))?[ \t]*[—–-]{{1,2}}[ \t]+"
    r"(?=[\"'‘“(]?[A-Z][a-z])",
    # a dateline on its own line: "    CHICAGO, April 8"
    rf"^[ \t]*(?P<b>[A-Z][A-Z.'’-]+(?:[ \t]+[A-Z][A-Z.'’-]+){{0,3}}),[ \t]+{_DATE}[ \t]*[—–-]?[ \t]*$",
    # CoNLL's: "LONDON 1996-08-30"
    r"^[ \t]*(?P<c>[A-Z][A-Z.'’ -]+?)[ \t]+\d{4}-\d\d-\d\d[ \t]*$",
    # a mixed-case place with a wire credit: "Kyiv, July 18 (Reuters) - "
    rf"^[ \t]*(?P<d>{_NAME}(?:,[ \t]*{_NAME})?)(?:,?[ \t]+{_DATE})?[ \t]*"
    rf"\([ \t]*{_WIRE}[ \t]*\)[ \t]*[—–:-]",
)
_RUN_ON = re.compile(r"(?:\b[a-z][\w'’-]*|[,;-])[ \t]*$")
# a long sentence matched by a line rule is prose unless it carries one of these
_LONG_OK = re.compile(
    r"newsletter|subscri|patreon|donat|©|copyright|rights reserved|^\S+@|^\[?\d{4}-\d\d"
    r"|^[A-Z][a-z]{2} +\d{1,2} +\d\d:|;\s*$|[{}]\s*$|\)\s*;",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class JunkZones:
    """Character ranges of one text where mentions are junk (``drop``) or count only when the
    story names the same thing elsewhere (``weak``: datelines). Sorted and disjoint."""

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
    i = bisect_right(ranges, (start, sys.maxsize)) - 1  # the last range starting at or before
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


def _line_around(text: str, start: int, end: int) -> tuple[int, int]:
    return text.rfind("\n", 0, start) + 1, (text.find("\n", end) + 1 or len(text) + 1) - 1


def _runs_on(text: str, start: int) -> bool:
    """True when the line before ``start`` carries on into it: a hard-wrapped sentence
    ("... told\\nReuters.") whose previous line ends in a lower-case word or a comma."""
    if start < 2 or text[start - 1] != "\n":
        return False
    previous = text[text.rfind("\n", 0, start - 1) + 1 : start - 1]
    return bool(previous.strip()) and _RUN_ON.search(previous) is not None


def _prose(line: str) -> bool:
    """A long sentence (more than 12 words and a final stop) that no junk marker explains."""
    stripped = line.strip()
    return (
        len(stripped.split()) > 12
        and stripped.endswith((".", "!", "?", "”", '"'))
        and _LONG_OK.search(stripped) is None
    )


def find_junk(text: str) -> JunkZones:
    """Where in ``text`` the bylines, credits, promos, log and code lines and datelines are."""
    # a capitalised "By" opens a byline even under a headline that ends in a lower-case word
    # ("... as state messenger gains ground\nBy Anna Petrova"): a wrapped sentence goes on in
    # lower case ("told\nReuters" is guarded, "written\nby" never matches)
    drop = [
        m.span()
        for m in _CREDIT_LINES.finditer(text)
        if not _prose(m.group())
        and (m.group().lstrip().startswith("By ") or not _runs_on(text, m.start()))
    ]
    drop += [m.span() for m in _WIRE_HEADING.finditer(text) if not _runs_on(text, m.start())]
    if "(" in text:
        drop += [m.span() for m in _AUTHOR_LIST.finditer(text) if not _prose(m.group())]
    for pattern in (_CREDIT_LINES_ANY_CASE, _CODE_LINES):
        drop += [m.span() for m in pattern.finditer(text) if not _prose(m.group())]
    lowered = text.lower()  # for the guards only: offsets come from ``text``
    if any(key in lowered for key in _MARKER_KEYS):
        drop += [_line_around(text, *m.span()) for m in _LINE_MARKERS.finditer(text)]
    if " by " in text and any(key in lowered for key in _FOOTER_KEYS):
        drop += [m.span() for m in _FOOTER.finditer(text)]
    if ":" in text and any(key in lowered for key in _LABEL_KEYS):
        drop += [m.span() for m in _LABEL_CREDIT.finditer(text)]
    if "[" in text:
        drop += [_line_around(text, *m.span()) for m in _LOG_LEVEL.finditer(text)]
    for m in _CODE_END.finditer(text):
        start, end = _line_around(text, *m.span())
        if _CODE_BODY.search(text, start, end):
            drop.append((start, end))
    for pattern in (_SIGN_OFF, _PROMO_BLOCK, _SIGNED, _NAV_BAR):
        drop += [m.span() for m in pattern.finditer(text)]
    for pattern, literal in _GUARDED:
        if literal in text:
            drop += [m.span() for m in pattern.finditer(text)]
    for pattern, literal in _ANCHORED:
        at = text.find(literal)
        while at >= 0:
            lo, hi = max(0, at - 80), min(len(text), at + 80)
            drop += [m.span() for m in pattern.finditer(text, lo, hi)]
            at = text.find(literal, at + 1)
    if "```" in text:
        drop += [m.span() for m in _FENCE.finditer(text)]
    drop += _reference_lists(text)
    if "author" in lowered or "writer" in lowered:
        drop += [m.span() for m in _ABOUT_AUTHOR.finditer(text)]
    if "cite" in lowered or "citation" in lowered or "licen" in lowered:
        drop += [m.span() for m in _CITE_LINES.finditer(text)]
    weak = []
    for m in _DATELINE.finditer(text):
        group = next(g for g in "abcd" if m.group(g) is not None)
        weak.append(m.span(group))
        drop.append((m.end(group), m.end()))  # its date and wire credit: "AMSTERDAM 1996-12-06"
    return JunkZones(drop=_merge(drop), weak=_merge(weak))


def _reference_lists(text: str) -> list[tuple[int, int]]:
    """Each reference-list heading with the run of reference lines under it (blank lines
    between references allowed)."""
    spans = []
    for heading in _REFERENCES_HEADING.finditer(text):
        end = heading.end()
        at = end
        while at < len(text):
            line_end = text.find("\n", at + 1)
            line_end = len(text) if line_end < 0 else line_end
            line = text[at:line_end].strip()
            if line and not _REFERENCE_LINE.search(line):
                break
            if line:
                end = line_end
            at = line_end
        if end > heading.end():
            spans.append((heading.start(), end))
    return spans


# -- candidates ----------------------------------------------------------------------------------
class Candidate(Protocol):
    """What :func:`drop_junk` reads of an entity candidate (``tagger.entities._Candidate``)."""

    start: int
    end: int
    label: str
    entry: KBEntry | None
    name: str


C = TypeVar("C", bound=Candidate)


def is_junk_surface(surface: str, label: str) -> bool:
    """True for an acronym, time zone or term that is never a named entity ("DNS", "ISPs",
    "TCP/IP", "UTC"), a single character, or a "person" made of technical words or with a number."""
    if surface in JUNK_SURFACES or len(surface) == 1 or _AS_NUMBER.fullmatch(surface):
        return True
    if surface.endswith("s") and surface[:-1] in JUNK_SURFACES and surface[:-1].isupper():
        return True  # "ISPs", "APIs"
    parts = _SPLIT.split(surface) if "/" in surface or "-" in surface else surface.split()
    if len(parts) > 1 and all(p in JUNK_SURFACES or p.isdigit() or p in _CONNECTORS for p in parts):
        return any(p in JUNK_SURFACES for p in parts)  # "TCP/IP", "SSL/TLS", "DNS over HTTPS"
    # a person's name has no digits: "Halo 2", "Leopard 2" are products (scores are trimmed before)
    return label == "PERSON" and any(
        p.casefold() in NOT_NAME_WORDS or any(ch.isdigit() for ch in p) for p in parts
    )


# a minister's portfolio read into the name after it ("Minister of Information Lai Mohammed")
PORTFOLIOS = frozenset(
    "Information Defence Defense State Finance Justice Health Education Interior Trade Energy "
    "Culture Agriculture Transport Economy Communications Foreign Home Environment Housing "
    "Industry Tourism Digital Transformation Affairs Security Treasury Commerce Science "
    "Technology Sport Sports Youth Employment Works Mines Petroleum Aviation Infrastructure "
    "Development Planning Welfare Immigration Telecommunications Telecom".split()
)
# "Secretary of State Antony Blinken", "Secretary of Defense": the base model reads the portfolio
# after an office as an organisation
_OFFICES_WITH_PORTFOLIO = frozenset("secretary minister commissioner counsellor".split())


def _portfolio(doc: Doc, cand: Candidate) -> bool:
    """An unknown "organisation" right after "Secretary of" or "Minister for", or right before
    "Minister" ("Iran's Telecommunications Minister"): an office's portfolio."""
    if cand.label != "ORG" or cand.entry is not None:
        return False
    if not all(t.text in PORTFOLIOS or t.lower_ == "and" for t in doc[cand.start : cand.end]):
        return False
    after_office = (
        cand.start > 1
        and doc[cand.start - 1].lower_ in ("of", "for")
        and doc[cand.start - 2].lower_ in _OFFICES_WITH_PORTFOLIO
    )
    before_office = cand.end < len(doc) and doc[cand.end].lower_ in _OFFICES_WITH_PORTFOLIO
    return after_office or before_office


def drop_junk(doc: Doc, candidates: list[C], zones: JunkZones) -> list[C]:
    """The candidates that are not junk (see the module docstring for what is and why)."""
    # a base-model "person" right after "websites", "services" ... is a product everywhere
    products = {
        c.name
        for c in candidates
        if c.label == "PERSON"
        and c.entry is None
        and c.start > 0
        and doc[c.start - 1].lower_ in PRODUCT_NOUNS
    }
    reporters = _reporters_in_place(doc, candidates)
    kept: list[C] = []
    weak: list[C] = []
    not_people: set[str] = set()
    for cand in candidates:
        if cand.start in reporters:
            continue
        first = doc[cand.start]
        if cand.end - cand.start == 1:  # most candidates: no Span needed
            surface, end_char = first.text, first.idx + len(first.text)
        else:
            span = doc[cand.start : cand.end]
            surface, end_char = span.text, span.end_char
        known = cand.entry is not None and surface in cand.entry.aliases
        if not known and is_junk_surface(surface, cand.label):
            if cand.label == "PERSON":
                not_people.add(cand.name)
            continue
        if cand.entry is None and cand.label == "PERSON" and cand.name in products:
            continue
        if _portfolio(doc, cand):
            continue
        if cand.entry is None and not any(ch.isupper() for ch in surface):
            continue  # no capital, no name: "metro" read as a place
        kind = zones.kind_at(first.idx, end_char) if zones.drop or zones.weak else None
        if kind == "drop":
            continue
        (weak if kind == "weak" else kept).append(cand)
    if not_people:
        # "Flash" beside the dropped "Flash Proxy": the short form of a non-person is none either
        ends = {w for n in not_people if len(p := n.split()) > 1 for w in (p[0], p[-1])}
        kept = [c for c in kept if c.label != "PERSON" or c.entry is not None or c.name not in ends]
    if weak:
        # a dateline's place counts only where the story names it too ("NEW YORK" / "New York")
        # (an unknown one takes the story's reading of it: "FRANKFURT" read as a body is the
        # place the story names)
        named = {_key(c): c.label for c in kept} | {c.name.casefold(): c.label for c in kept}
        for cand in weak:
            label = named.get(_key(cand), named.get(cand.name.casefold()))
            if label is not None:
                if cand.entry is None:
                    cand.label = label
                kept.append(cand)
    return kept


# the Guardian's byline: "Shaun Walker in Kyiv", "Pjotr Sauer in Moscow and Shaun Walker in Kyiv"
_PLACE_WORDS = r"(?:the[ \t]+)?[A-Z][\w'’-]+(?:[ \t]+[A-Z][\w'’-]+){0,2}"
_IN_PLACE = re.compile(
    rf"[ \t]*(?P<name>[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){{1,3}})[ \t]+in[ \t]+{_PLACE_WORDS}"
    r"[ \t]*(?:,|and|&)?[ \t]*"
)


def _reporters_in_place(doc: Doc, candidates: Sequence[Candidate]) -> set[int]:
    """Token starts of the people in a line made only of "<person> in <place>" parts: a byline.
    Not on the first line, which is the headline ("Biden in Kyiv"), and only where the base model
    reads a person in a part (a title-case "Protests Erupt in Tbilisi" has none)."""
    people = {doc[c.start].idx: c.start for c in candidates if c.label == "PERSON"}
    if not people:
        return set()
    text = doc.text
    first_line = len(text) - len(text.lstrip())
    found: set[int] = set()
    for line_start in {text.rfind("\n", 0, idx) + 1 for idx in people}:
        if line_start <= first_line:
            continue
        line_end = text.find("\n", line_start)
        line = text[line_start : len(text) if line_end < 0 else line_end].rstrip()
        parts = list(_IN_PLACE.finditer(line))
        if not parts or parts[0].start() != 0 or parts[-1].end() < len(line):
            continue
        if any(parts[i].end() != parts[i + 1].start() for i in range(len(parts) - 1)):
            continue
        in_parts = [
            [
                token
                for idx, token in people.items()
                if m.start("name") <= idx - line_start < m.end("name")
            ]
            for m in parts
        ]
        if any(in_parts):
            found.update(token for tokens in in_parts for token in tokens)
    return found


def _key(cand: Candidate) -> str:
    return cand.entry.key if cand.entry is not None else cand.name.casefold()
