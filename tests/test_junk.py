"""No junk entities (issue 12, item 2): acronyms, time zones, datelines, bylines, credits, promos,
the publisher's own name in its credits, log and code lines. Every text here is a short quote of a
real page, named above it; each test checks that the junk is gone and the real entities beside it
stay, through the full default pipeline."""

from __future__ import annotations

import time

import pytest

from tagger.junk import find_junk, is_junk_surface
from tagger.tags import Tags


def names(tags: Tags) -> set[str]:
    return {e.name for e in tags.entities}


def mention_texts(tags: Tags) -> set[str]:
    return {m.text for e in tags.entities for m in e.mentions}


# Tor Project blog, "Research problem: five ways to test bridge reachability" (2011),
# ../shared/eval/tor_blog
TOR_PROTOCOLS = (
    "First, how much of the Tor protocol should we use when doing the scans? The spectrum ranges "
    "from a simple TCP scan (or even just a SYN scan), to a vanilla SSL handshake, to driving a "
    "real Tor client that does a genuine Tor handshake."
)
# Tor Project blog, "Tor in Google Summer of Code 2010"
TOR_UTC = (
    "Finally, write down your project idea using our template and submit your application to "
    "Google until April 9, 2010, 19:00 UTC."
)
# country-index.com, Australia news (Newsletter Issue 8/24): "Fee changes from 1 October 2024"
IP_AUSTRALIA = (
    "From 1 October 2024, IP Australia is changing some of its fees to recover the cost of "
    "administering intellectual property (IP) rights and associated legislation in Australia, in "
    "line with the Australian Government Charging Policy.\n"
    "IP Australia reviews their fees every four years."
)
# Tor Project blog, "Looking for front-end web developers for network status websites Atlas and
# Globe" (2015): the title and first sentence
TOR_ATLAS = (
    "Looking for front-end web developers for network status websites Atlas and Globe\n\n"
    "We are looking for somebody to fork and extend one of the two main Tor network status "
    "websites Atlas or Globe."
)
# Tor logs pasted into GitHub issues: WalletWasabi/WalletWasabi#3975, brave/brave-browser#39467,
# RetroShare/RetroShare#2428
TOR_LOG = (
    "Jul 15 20:26:18.000 [warn] Failed to find node for hop #1 of our path. Discarding this "
    "circuit.\n"
    "Jul 02 08:56:38.462 [notice] Tor 0.4.8.10 running on Windows 8 [or later] with Libevent "
    "2.1.12-stable, OpenSSL 3.0.13, Zlib 1.3.1, Liblzma N/A, Libzstd N/A and Unknown N/A as "
    "libc.\n"
    "tor:Jun 08 17:32:55.000 [warn]  11 connections died in state handshaking (TLS) with SSL "
    "state SSLv3/TLS write client hello in HANDSHAKE"
)
# Reuters, "Australia regulator asks ANZ to justify benefits of $3.3 bln Suncorp deal" (3 April
# 2023), as syndicated on nasdaq.com: byline, dateline, footer, syndicator's disclaimer
REUTERS_ON_NASDAQ = """Written by
Scott Murdoch for
Reuters ->

By Scott Murdoch
SYDNEY, April 4 (Reuters) - Australia's competition regulator said it had asked ANZ Group ANZ.AX to further justify the public benefits of its proposed A$4.9 billion ($3.32 billion) takeover of rival Suncorp's SUN.AX banking business ahead of a formal decision on the deal's future.
"Any acquisition of a potential rival by one of the major banks must be closely considered," ACCC deputy chair Mick Keogh said in a statement separate to the report.
ANZ did not immediately respond to a Reuters request for comment.
(Reporting by Scott Murdoch; Editing by Jamie Freed)
((Scott.Murdoch@thomsonreuters.com;))
The views and opinions expressed herein are the views and opinions of the author and do not necessarily reflect those of Nasdaq, Inc.
© 2023, Nasdaq, Inc. All Rights Reserved.
"""
# Reuters, "Petrobras geologist who led pre-salt discovery to head division" (27 January 2023)
REUTERS_PETROBRAS = (
    "HOUSTON, Jan 27 (Reuters) - The new Chief Executive of Brazil's Petrobras, Jean Paul Prates, "
    "has picked geologist Mario Carminatti to head the oil company's exploration and production "
    "division, people with knowledge of the information said on Friday."
)
# Reuters-21578 no. 80 (26 February 1987), dateline and first sentence as the wire ran them
REUTERS_NEW_YORK = (
    "NEW YORK, Feb 26 - Commercial and industrial loans on the\nbooks of the 10 major New York "
    "banks, excluding acceptances,\nfell 195 mln dlrs to 65.06 billion in the week ended "
    "February\n18, the Federal Reserve Bank of New York said."
)
# Reuters-21578 no. 858, "REUTERS <RTRSY> IN REAL ESTATE MARKET VENTURE": a story about Reuters,
# with the agency's sign-off line at the end
REUTERS_ABOUT_REUTERS = (
    "REUTERS <RTRSY> IN REAL ESTATE MARKET VENTURE\n\n"
    "Reuters Holdings PLC said its Reuters\nInformation Services Inc unit will join <Real Estate "
    "Financing\nPartnership>, Philadelphia, to offer an electronic market\naccess system for "
    "commercial property financing.\n    Reuters said the system, named Real Estate Select View\n"
    "Program, or RSVP, will use its private communications network\nto provide a confidential "
    "method for the purchasing, selling\nand financing of commercial property.\n Reuter\n"
)
# AP caption on foxbusiness.com (11 March 2022); AP caption and copyright line on forbes.com
# (20 September 2023)
AP_KHARKIV = (
    "A building damaged by shelling is lit by the sunset in Kharkiv, Ukraine, Friday, March 11, "
    "2022.  (AP Photo/Andrew Marienko)"
)
AP_FORBES = (
    "The T20 World Cup will be co-hosted by the U.S. (AP Photo/LM Otero)\n"
    "Copyright 2023 The Associated Press. All rights reserved.\n"
    "Six years ago, then Cricket Australia boss James Sutherland had a rather"
)
# Wikinews, "Biologist Nick Bos tells Wikinews about 'self-medicating' ants" (2015),
# ../shared/eval/gum_wikinews
WIKINEWS_CAPTION = (
    "Biologist Nick Bos tells Wikinews about 'self-medicating' ants Tuesday, September 1, 2015 \n\n"
    "Formica fusca, from file. Image: Mathias Krumbholz. \n\n"
    'Nick Bos, of the University of Helsinki, studies "the amazing adaptations social insects '
    'have evolved in order to fight the extreme parasite pressure they experience".'
)
# The Guardian, politics story of October 2022 (Truss, Hunt and spending cuts) as a reader
# copies it: the First Edition box inside the story and the support appeal below it
GUARDIAN = """As one of the biggest spending departments, health is also expected to be in the line of fire, despite Covid backlogs, ambulance delays and thousands of NHS staff vacancies.
Sign up to First Edition
Free daily newsletter
Archie Bland and Nimo Omer take you through the top stories and what they mean, free every weekday morning
Privacy Notice: Newsletters may contain info about charities, online ads, and content funded by outside parties. For more information see our Privacy Policy. We use Google reCaptcha to protect our website and the Google Privacy Policy and Terms of Service apply.
One Whitehall source said Hunt's initial approach would be to try to find savings by suppressing spending in line with inflation, and tweaking the tax system.
… as you're joining us today from the Czech Republic, we have a small favour to ask. Tens of millions have placed their trust in the Guardian's fearless journalism since we started publishing 200 years ago, turning to us in moments of crisis, uncertainty, solidarity and hope."""
# BBC News, tech/139 of the BBC News 2004-05 set (../shared/eval/bbc_news): prose that starts
# like a credit
BBC_PRODUCED_BY = (
    "Produced by Bungie software, renowned for their innovation in gaming, it caused a stir among "
    "the gaming fraternity when the developer was bought by Microsoft and became an Xbox exclusive."
)


def test_protocol_acronyms_are_not_organisations(default):
    found = names(default.tag(TOR_PROTOCOLS))
    assert not found & {"TCP", "SYN", "SSL"}
    assert any("Tor" in name for name in found)


def test_dns_response_codes_are_not_organisations(default):
    """Censorship reports quote resolver answers ("returned NXDOMAIN"); written for this test."""
    found = names(
        default.tag(
            "On Ethio Telecom, DNS queries for www.facebook.com returned NXDOMAIN, while queries "
            "sent to other resolvers got SERVFAIL."
        )
    )
    assert not found & {"NXDOMAIN", "SERVFAIL"}
    assert "Ethio Telecom" in found


def test_time_zones_are_not_organisations(default):
    found = names(default.tag(TOR_UTC))
    assert "UTC" not in found
    assert "Google" in found


def test_an_organisation_named_with_an_acronym_survives(default):
    tags = default.tag(IP_AUSTRALIA)
    found = names(tags)
    assert "IP Australia" in found
    assert "IP" not in found and "IP" not in mention_texts(tags)
    assert "Australia" in found
    assert not is_junk_surface("IP Australia", "ORG") and is_junk_surface("ISPs", "ORG")


def test_products_are_not_people(default):
    tags = default.tag(TOR_ATLAS)
    assert not [e for e in tags.entities if e.label == "PERSON"]
    for phrase in ("Invalid Request Line", "Vanilla Tor", "Tor Browser Bundle"):
        assert is_junk_surface(phrase, "PERSON"), phrase
    assert not is_junk_surface("Vladimir Putin", "PERSON")


def test_the_us_benchmark_crude_is_a_commodity(default):
    """Reuters' oil copy ("U.S. West Texas Intermediate crude futures rose"): not the 1990s
    telecom US West, nor Texas, nor a mention of the United States; both stay where the story
    names them."""
    oil = default.tag("U.S. West Texas Intermediate crude futures rose 2% to $80.")
    found = {e.name for e in oil.entities}
    assert not found & {"US West", "Texas", "United States"}, found
    story = default.tag("Oil output in Texas rose. US West said profits fell.")
    found = {e.name for e in story.entities}
    assert {"Texas", "US West"} <= found, found


def test_a_group_of_office_holders_is_not_a_person(default):
    """BBC News politics stories (../shared/eval/bbc_news) name groups the base model reads as
    one person."""
    for phrase in ("Labour MPs", "Lib Dem MPs", "Law Lords", "Agriculture Ministers"):
        assert is_junk_surface(phrase, "PERSON"), phrase
    tags = default.tag("More than 40 Labour MPs have signed the motion, the BBC understands.")
    assert not [e for e in tags.entities if e.label == "PERSON"]
    assert not is_junk_surface("Lord Roberts", "PERSON")


def test_log_lines_produce_no_entities(default):
    assert default.tag(TOR_LOG).entities == []


def test_bylines_wire_credits_and_footers_go_the_story_stays(default):
    tags = default.tag(REUTERS_ON_NASDAQ)
    found = names(tags)
    for junk in ("Scott Murdoch", "Jamie Freed", "Nasdaq, Inc.", "SYDNEY", "Sydney"):
        assert junk not in found, junk
    assert not any("Nasdaq" in name for name in found)
    for real in ("ANZ", "Suncorp", "Mick Keogh", "Australia"):
        assert any(real in name for name in found), real
    # the publisher's name stays where the story itself uses it, and only there
    body = REUTERS_ON_NASDAQ.index("ANZ did not")
    reuters = [m for e in tags.entities if e.name == "Reuters" for m in e.mentions]
    assert [m.start for m in reuters] == [REUTERS_ON_NASDAQ.index("Reuters", body)]


def test_a_dateline_place_counts_only_when_the_story_names_it(default):
    found = names(default.tag(REUTERS_PETROBRAS))
    assert not {"HOUSTON", "Houston", "Reuters"} & found
    assert {"Petrobras", "Jean Paul Prates", "Mario Carminatti"} <= found
    tags = default.tag(REUTERS_NEW_YORK)
    new_york = [e for e in tags.entities if e.name == "New York"]
    assert new_york and "NEW YORK" in {m.text for m in new_york[0].mentions}


def test_a_story_about_the_publisher_keeps_it(default):
    tags = default.tag(REUTERS_ABOUT_REUTERS)
    sign_off = REUTERS_ABOUT_REUTERS.rindex("Reuter")
    reuters = [m for e in tags.entities if "Reuters" in e.name for m in e.mentions]
    assert len(reuters) >= 2
    assert all(m.start < sign_off for e in tags.entities for m in e.mentions)
    assert find_junk(REUTERS_ABOUT_REUTERS).kind_at(sign_off, sign_off + 6) == "drop"


@pytest.mark.parametrize(
    ("text", "junk", "real"),
    [
        (AP_KHARKIV, {"AP", "Associated Press", "Andrew Marienko"}, {"Kharkiv", "Ukraine"}),
        (AP_FORBES, {"Associated Press", "LM Otero"}, {"Cricket Australia", "James Sutherland"}),
        (WIKINEWS_CAPTION, {"Mathias Krumbholz"}, {"Nick Bos", "University of Helsinki"}),
    ],
    ids=["ap-caption", "ap-copyright-line", "wikinews-caption"],
)
def test_photo_credits_and_copyright_lines_produce_no_entities(default, text, junk, real):
    found = names(default.tag(text))
    assert not any(j in name for j in junk for name in found), found
    assert real <= found


def test_newsletter_promos_and_appeals_produce_no_entities(default):
    found = names(default.tag(GUARDIAN))
    for junk in ("First Edition", "Archie Bland", "Nimo Omer", "Google", "Czech Republic"):
        assert not any(junk in name for name in found), junk
    assert not any("Guardian" in name for name in found)
    assert "NHS" in found


def test_seed_page_credits_and_promos(default, seed_text):
    # the seed page (Ukrainska Pravda, 18 July 2025): a stock-photo credit, a source credit and a
    # Patreon appeal naming the publisher
    found = names(default.tag(seed_text))
    for junk in ("Getty Images", "Patreon", "The Moscow Times", "Support Ukrainska Pravda"):
        assert junk not in found, junk
    assert {"Vladimir Putin", "Mikhail Klimarev", "FSB"} <= found


@pytest.mark.parametrize(
    "text",
    [
        BBC_PRODUCED_BY,
        # Reuters-21578 no. 10606: "told" at the end of a hard-wrapped line, not a wire heading
        'Lu Ming-Jen, economic professor at Soochow University, told\nReuters: "The decision came '
        'a little bit late."',
        # Reuters-21578 no. 17731: a wrapped line that starts with "support"
        "support operations on the LME on behalf of the 22 members",
    ],
    ids=["produced-by", "told-reuters", "support"],
)
def test_prose_that_looks_like_a_credit_is_kept(text):
    assert find_junk(text).drop == ()


def test_the_rules_are_cheap():
    text = "\n".join([REUTERS_ON_NASDAQ, GUARDIAN, TOR_LOG, REUTERS_ABOUT_REUTERS] * 25)
    start = time.perf_counter()
    find_junk(text)
    assert time.perf_counter() - start < 0.25  # about 0.05 s for these 69 KB on one core


@pytest.mark.parametrize(
    "surface", ["Server Name Indication", "ClientHello", "Deep Packet Inspection", "AS9988"]
)
def test_a_spelled_out_protocol_or_handshake_message_is_no_entity(surface):
    assert is_junk_surface(surface, "ORG")


def test_a_byline_with_agencies_produces_no_person(default):
    # the Guardian's byline form (its live pages: "Name and agencies" under the standfirst);
    # written for this test
    text = (
        "Zelenskiy says grain deal must continue\n\nPjotr Sauer and agencies\n"
        "Mon 17 Jul 2023 14.32 BST\n\nVolodymyr Zelenskiy said Ukraine was ready to continue "
        "grain exports. The reporter Pjotr Sauer said talks would go on."
    )
    tags = default.tag(text)
    sauer = [e for e in tags.entities if "Sauer" in e.name]
    # the byline gives no mention; the body sentence naming him still does
    assert len(sauer) == 1 and sauer[0].count == 1
    assert sauer[0].mentions[0].start == text.index("Pjotr Sauer said")


def test_an_outlets_desk_byline_an_appeal_and_a_lowercase_place_produce_no_entity(default):
    # a Kyiv Independent-style page (written for this test): the desk byline under the headline,
    # the appeal at the foot, and "metro" that en_core_web_sm reads as a place
    text = (
        "Russian missiles hit Kyiv energy infrastructure\n\nKyiv Independent news desk\n"
        "October 10, 2022 11:05 pm\n\nKyiv Mayor Vitali Klitschko said the capital's metro "
        "stations were being used as shelters.\n\nWe've been covering the war since day one. "
        "Support us on Patreon."
    )
    found = names(default.tag(text))
    assert not {"The Kyiv Independent", "Kyiv Independent", "Patreon", "metro"} & found
    assert {"Kyiv", "Vitali Klitschko"} <= found


def test_a_navigation_bar_share_buttons_and_a_byline_under_a_headline_produce_no_entity(default):
    # a wire story as a reader copies it from a news site (written for this test): the section
    # bar above the headline, a byline under a headline that ends in a lower-case word, and the
    # share buttons (whose Facebook was suggested before)
    text = (
        "World | Europe | Business | Tech\n"
        "Russia restricts calls on WhatsApp as state messenger gains ground\n"
        "By Anna Petrova and John Smith\n"
        "Share on Facebook Share on X Share on WhatsApp Email\n\n"
        "MOSCOW (Reuters) - Russia began restricting calls on WhatsApp and Telegram on Wednesday, "
        "the communications regulator Roskomnadzor said.\n"
    )
    found = names(default.tag(text))
    assert not {"Anna Petrova", "John Smith", "Facebook", "Europe", "Tech"} & found
    assert {"Russia", "WhatsApp", "Telegram", "Roskomnadzor"} <= found
    # a headline with bars is not a navigation bar, nor a story sentence about share prices
    lines = (
        "Ukraine war latest | Russia strikes Kyiv overnight | Live\nShare prices fell on Monday.\n"
    )
    assert find_junk(lines).drop == ()


@pytest.mark.parametrize(
    "credit",
    [
        # written for these tests in the forms of the Guardian, AP, CNN and the Kyiv Independent
        "Pjotr Sauer in Moscow and Shaun Walker in Kyiv",
        "Associated Press writers Jill Lawless in London and Lorne Cook in Brussels contributed "
        "to this report.",
        "CNN's Mick Krever and Olga Voitovych contributed reporting.",
        "Author: Martin Fornusek",
    ],
)
def test_reporters_credited_on_a_page_are_no_entities(default, credit):
    text = (
        f"Russia presses attack on Kharkiv\n{credit}\n\nUkrainian troops held the line near "
        "Kharkiv on Monday, officials in Kyiv said.\n"
    )
    found = names(default.tag(text))
    assert not {
        "Pjotr Sauer", "Sauer", "Shaun Walker", "Jill Lawless", "Lorne Cook", "Mick Krever",
        "Olga Voitovych", "Martin Fornusek", "Associated Press", "CNN",
    } & found  # fmt: skip
    assert {"Ukraine", "Kharkiv", "Kyiv"} <= found


def test_a_headline_naming_a_person_in_a_place_keeps_the_person(default):
    # a headline is not a byline, nor is a report sentence crediting its contributors
    found = names(default.tag("Boris Johnson in Kyiv\n\nThe prime minister met officials."))
    assert "Boris Johnson" in found
    text = "Researchers at Citizen Lab contributed to the report, which found Pegasus in Kyiv."
    assert "Citizen Lab" in names(default.tag(text))


def test_a_reports_reference_list_citation_and_licence_produce_no_entity(default):
    # the end of a measurement report in the form OONI and Access Now publish (written for this
    # test): the works and authors it cites are its sources, not its subjects; a person thanked
    # and cited is still only thanked
    text = (
        "Internet shutdowns in Ethiopia\n\nEthiopia's government shut down mobile internet in "
        "the Amhara region for more than 100 days. Measurements show that Ethio Telecom blocked "
        "Facebook and Telegram across the country.\n\nWe thank Berhan Taye for her review.\n\n"
        "References\n"
        "[1] Taye, B. and Cheng, L. (2021). Shattered Dreams and Lost Opportunities. Access Now.\n"
        "\n[2] Human Rights Watch (2022). Ethiopia: Communications Shutdown Takes Heavy Toll.\n\n"
        "This report is licensed under a Creative Commons Attribution 4.0 International License.\n"
        "Cite this report: Xynou, M., Basso, S. (2024). Internet shutdowns in Ethiopia. OONI.\n"
    )
    tags = default.tag(text)
    found = names(tags)
    assert not {"Access Now", "Human Rights Watch", "Cheng", "Shattered Dreams", "Xynou"} & found
    assert not any("Creative Commons" in name for name in found)
    assert {"Ethiopia", "Ethio Telecom", "Facebook", "Telegram"} <= found
    taye = next(e for e in tags.entities if e.name == "Berhan Taye")
    assert taye.count == 1 and not taye.suggested
    # a section called "Notes" that goes on in prose is not a reference list
    prose = "Notes\nThe ministry said Ethio Telecom would restore service in Amhara soon.\n"
    assert find_junk(prose).drop == ()


def test_a_reports_authors_biography_and_tags_produce_no_entity(default):
    # a measurement report's header and footer in the form OONI publishes (written for this
    # test): its authors with their affiliations, a biography under "About the author", the tags
    text = (
        "Iran blocks WhatsApp amid protests\n"
        "Maria Xynou (OONI), Arturo Filastò (OONI), Simone Basso (OONI)\n\n"
        "Iran blocked WhatsApp and Instagram on Wednesday, measurements show. Mobile networks "
        "including Irancell were affected.\n\n"
        "About the author\nMaria Xynou is a researcher. She previously worked at Tactical Tech.\n"
        "\nTags: Iran, WhatsApp, censorship, OONI Probe\n"
    )
    found = names(default.tag(text))
    assert (
        not {"Maria Xynou", "Arturo Filastò", "Simone Basso", "Tactical Tech", "OONI Probe"} & found
    )
    assert {"Iran", "WhatsApp", "Instagram", "Irancell"} <= found
    # a by-line naming affiliations goes too; a sentence listing codes in brackets stays
    text = "Iran blocks WhatsApp\nBy Maria Xynou (OONI) and Simone Basso (OONI)\n\nIran blocked it."
    assert "Maria Xynou" not in names(default.tag(text))
    assert find_junk("Iran (IRN), Iraq (IRQ) and Syria (SYR) were discussed.\n").drop == ()
    # a page pasted with single line breaks: the story right under the biography stays
    text = (
        "About the author\nMaria Xynou is a researcher at a Berlin institute.\n"
        "Russia blocked WhatsApp on Monday, Roskomnadzor said.\n"
    )
    assert {"Russia", "WhatsApp", "Roskomnadzor"} <= names(default.tag(text))


def test_the_bbcs_image_credit_line_produces_no_entity(default):
    # BBC News pages as a reader copies them put the credit on its own line after a comma
    # (written for this test in that form)
    text = (
        "Ukraine war: Russia blocks Facebook and restricts Twitter\nPublished 4 March 2022\n"
        "Image source, Getty Images\nImage caption, Russians have been protesting against the war\n"
        "\nRussia has blocked access to Facebook, accusing it of discriminating against Russian "
        "media.\n\nThe country's communications regulator, Roskomnadzor, said there had been 26 "
        "cases of discrimination against Russian media by Facebook since October 2020.\n"
    )
    found = names(default.tag(text))
    assert not any("Getty" in name for name in found)
    assert {"Russia", "Facebook"} <= found


@pytest.mark.parametrize(
    "text",
    [
        # written for these tests: terms and story labels en_core_web_sm reads as names
        "AI tools and LNG prices were discussed by the NGO, officials said.",
        "EXPLAINER: How the new rules work and who they affect, according to officials.",
        "Crews have learned to operate Patriot air defence units near the border.",
    ],
)
def test_terms_labels_and_weapons_are_no_entities(default, text):
    assert [e.name for e in default.tag(text).entities] == []


def test_a_weapon_acronym_is_no_organisation(default):
    # Ukrainska Pravda's news list (../shared/seed)
    tags = default.tag("Russians attack Dnipropetrovsk Oblast with UAVs, killing two people.")
    assert "UAVs" not in names(tags)
    assert "Russia" in names(tags)
