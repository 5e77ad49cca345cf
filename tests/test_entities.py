"""Entities through the full default pipeline: canonical names, ids, labels, joins, salience."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Span

from tagger.tags import Tags


def names(tags: Tags) -> dict[str, tuple[str, str | None]]:
    return {e.name: (e.label, e.id) for e in tags.entities}


def entity(tags: Tags, name: str):
    return next(e for e in tags.entities if e.name == name)


def test_countries_by_alias_and_demonym(default):
    tags = default.tag(
        "The Russian Federation and Britain traded accusations. A Russian lawmaker said the US "
        "would regret it, while Ukrainian officials stayed silent."
    )
    found = names(tags)
    assert found["Russia"] == ("COUNTRY", "RUS")
    assert found["United Kingdom"] == ("COUNTRY", "GBR")
    assert found["United States"] == ("COUNTRY", "USA")
    assert found["Ukraine"] == ("COUNTRY", "UKR")
    assert entity(tags, "Russia").count == 2  # "Russian Federation" and "Russian lawmaker"


def test_an_app_after_its_company_and_an_app_spelled_as_one_word_are_the_app(default):
    """BBC tech stories write "Apple iTunes", Tor posts "TorBrowser" and "HTTPS-Everywhere"
    (fitting part of the development set); the base model reads each as one unknown body."""
    found = names(
        default.tag("Legal services, like Apple iTunes, rushed in. Microsoft Skype fell.")
    )
    assert found["iTunes"][0] == "APP" and found["Skype"][0] == "APP"
    assert found["Apple"][0] == "ORG" and found["Microsoft"][0] == "ORG"
    assert "Apple iTunes" not in found
    found = names(
        default.tag("TorBrowser is not affected. TorBrowser ships with HTTPS-Everywhere.")
    )
    assert found["Tor Browser"][0] == "APP" and found["HTTPS Everywhere"][0] == "APP"
    # a company name that is a known company as a whole stays one
    assert "Coca-Cola Company" in names(default.tag("Coca-Cola said sales rose."))


def test_an_ambiguous_app_listed_beside_a_known_service_is_the_app(default):
    """ "X" is a letter unless something says it is the platform; being listed with other
    services says so (written for this test)."""
    for text in (
        "The ministry said it had asked X and Meta to remove the content.",
        "After the coup, X, Instagram and independent news sites were blocked.",
        "The fake letter circulated on Telegram and on X from Tuesday.",
    ):
        assert names(default.tag(text)).get("X", ("",))[0] == "APP", text
    # a letter inside a longer name, or listed with no service, stays a letter
    assert "X" not in names(default.tag("Bre-X, Barrick and Placer Dome fell."))
    assert "X" not in names(default.tag("Pick A, B or X on the form."))


def test_taiwan_is_tagged_as_a_country(default):
    """The development set's readers tag Taiwan among a story's countries (data/kb/README.md)."""
    found = names(
        default.tag("China sent warplanes towards Taiwan, the Taiwanese defence ministry said.")
    )
    assert found["Taiwan"] == ("COUNTRY", "TWN")
    assert entity(default.tag("Taiwanese officials met in Taipei."), "Taiwan").label == "COUNTRY"


def test_a_state_body_named_by_its_country_in_any_order_is_the_body(default):
    """The table lists "Ukrainian Prosecutor General's Office"; stories also write "Ukraine's ...".
    A lower-case description ("Russia's defence ministry said") stays a description."""
    found = names(
        default.tag(
            "Ukraine's Prosecutor General's Office said 100 suspects were named. The Australian "
            "Reserve Bank held rates. Russia's defence ministry said it had shot down drones."
        )
    )
    assert found["Prosecutor General's Office of Ukraine"][0] == "ORG"
    assert found["Reserve Bank of Australia"][0] == "ORG"
    assert "Ministry of Defence of Russia" not in found


def test_a_person_the_base_model_reads_as_a_body_is_the_person(default):
    """BBC News 2005 (the development set's fitting part): the base model reads both names as
    organisations; a courtesy title elsewhere or letters only a person holds say otherwise."""
    found = names(
        default.tag(
            "Irish horse racing millionaires JP McManus and John Magnier own 29% of the club. "
            "Mr McManus declined to comment."
        )
    )
    assert found["JP McManus"][0] == "PERSON"
    assert "McManus" not in found
    found = names(default.tag("The case was put by Guy Mansfield QC, chairman of the Bar Council."))
    assert found["Guy Mansfield"][0] == "PERSON"
    # a known body, or one whose last word says it is a body, stays a body
    found = names(default.tag("Mr Lewis said John Lewis would pay its staff."))
    assert found["John Lewis Partnership"][0] == "ORG"
    found = names(default.tag("Mr Stanley said Morgan Stanley Group would pay."))
    assert found["Morgan Stanley Group"][0] == "ORG"


def test_known_names_the_base_model_reads_as_one_are_each_their_own(default):
    """A list of known names read as one organisation ("Alibaba and Tencent") is each of them; a
    known name with "and" in it stays whole."""
    found = names(
        default.tag("Chinese tech groups including ByteDance, Alibaba and Tencent placed orders.")
    )
    assert {"ByteDance", "Alibaba", "Tencent"} <= set(found)
    assert "Alibaba and Tencent" not in found
    assert "Trinidad and Tobago" in names(default.tag("Trinidad and Tobago won the match."))


def test_a_state_body_without_its_country_is_the_story_countrys_body(default):
    """Ukrainska Pravda, 18 July 2025 (../shared/seed): "Access will be granted to the FSB, the
    Ministry of Internal Affairs, the Central Bank ..." in a story about Russia."""
    text = (
        "Russia is launching a state messenger. Russian officials say access will be granted to "
        "the FSB, the Ministry of Internal Affairs and the Central Bank. Russia says it is safe."
    )
    found = names(default.tag(text))
    assert "Ministry of Internal Affairs of Russia" in found
    assert "Central Bank of Russia" in found
    # the same words in a story about Ukraine are Ukraine's ministry
    text = text.replace("Russia", "Ukraine").replace("Russian", "Ukrainian")
    assert "Ministry of Internal Affairs of Ukraine" in names(default.tag(text))


def test_a_known_name_the_base_model_reads_across_its_edge_is_the_name(default):
    """The base model's span overlapping a known name without holding it ("Users of Mac OS" over
    "Mac OS X", "Liverpool 0 Sheffield" over "Sheffield Wednesday" in CoNLL-2003) gives way to
    the name; a leading "the" makes no name longer ("the US West" is not "US West Coast")."""
    found = names(default.tag("Users of Mac OS X and Windows Media Player were affected."))
    assert found["macOS"][0] == "APP"
    assert not any(name.startswith("Users") for name in found)
    found = names(default.tag("Towns on the US West Coast saw heavy rain on Monday."))
    assert found["West Coast of the United States"][0] == "LOCATION"
    assert "US West" not in found
    found = names(default.tag("The Federal Reserve Bank of New York said it bought bills."))
    assert found["Federal Reserve Bank of New York"][0] == "ORG"


def test_places_that_are_not_states_are_locations(default):
    found = names(default.tag("Explosions were heard in Kyiv and in occupied Crimea overnight."))
    assert found["Kyiv"][0] == "LOCATION"
    assert found["Crimea"][0] == "LOCATION"


def test_people_canonical_with_ids_and_transliterations(default):
    tags = default.tag(
        "President Volodymyr Zelensky met Vladimir Putin's envoy. Later Zelenskiy said Putin "
        "was not serious about peace."
    )
    zelenskyy = entity(tags, "Volodymyr Zelenskyy")
    assert zelenskyy.label == "PERSON" and zelenskyy.count == 2
    putin = entity(tags, "Vladimir Putin")
    assert putin.id and putin.id.startswith("Q") and putin.count == 2


def test_short_forms_join_their_full_form_for_people_outside_the_kb(default):
    tags = default.tag(
        "Mikhail Klimarev, head of a digital rights group, warned about the app. "
        "Klimarev said the data could be handed to the police."
    )
    klimarev = entity(tags, "Mikhail Klimarev")
    assert klimarev.count == 2 and klimarev.id is None
    assert "Klimarev" not in names(tags)


def test_apps_and_ambiguous_app_names_need_context(default):
    tags = default.tag(
        "The state-backed MAX messenger will replace WhatsApp and Telegram for officials, "
        "and citizens will log in to Gosuslugi through it."
    )
    found = names(tags)
    for app in ("MAX", "WhatsApp", "Telegram", "Gosuslugi"):
        assert found[app][0] == "APP", app
    plain = names(default.tag("The team gave it MAX effort and sent a clear signal to rivals."))
    assert plain.get("MAX", ("",))[0] != "APP" and "Signal" not in plain


def test_organisations_with_aliases(default):
    found = names(default.tag("The FSB and NATO were mentioned, as was the European Union."))
    for org in ("FSB", "NATO", "European Union"):
        assert found[org][0] == "ORG", org


def test_not_everything_capitalised_is_an_entity(default):
    tags = default.tag("On Monday the committee approved 18 measures worth $3 billion.")
    assert all(e.label in {"PERSON", "COUNTRY", "LOCATION", "ORG", "APP"} for e in tags.entities)
    assert not any(e.name in {"Monday", "18", "$3 billion"} for e in tags.entities)


def test_salience_prefers_headline_and_lead_over_passing_mentions(default):
    text = (
        "Poland opens new border crossing with Lithuania\n\n"
        "Poland opened a new road crossing with Lithuania on Friday, the interior ministry in "
        "Warsaw said, cutting waiting times for lorries by several hours.\n"
        "Polish officials said traffic from Lithuania had doubled since last year. The crossing "
        "cost 40 million euros, part of it paid by the European Union.\n"
        "A similar project is planned on the border with Slovakia next year."
    )
    tags = default.tag(text)
    order = [e.name for e in tags.entities]
    assert order.index("Poland") < order.index("Slovakia")
    assert order.index("Lithuania") < order.index("Slovakia")
    assert all(0.0 <= e.salience <= 1.0 for e in tags.entities)


def test_sidebar_names_rank_below_the_story(default):
    story = (
        "Drone makers call for faster export licences\n\n"
        "Drone makers in Denmark asked the government on Tuesday to speed up export licences, "
        "saying orders from Norway were being lost to competitors.\n"
        "The Danish industry association said licences now took four months on average.\n"
        "RECENT NEWS\n"
        "14:20\n"
        "Macron and Orbán clash over budget\n"
        "14:10\n"
        "Macron visits troops in Estonia\n"
    )
    tags = default.tag(story)
    top = [e.name for e in tags.entities[:2]]
    assert "Denmark" in top
    macron = [e for e in tags.entities if "Macron" in e.name]
    assert macron and all(e.salience <= 0.1 for e in macron)


@pytest.mark.parametrize("text", ["Putin", "MAX", "the", "Kyiv"])
def test_tiny_texts(default, text):
    for e in default.tag(text).entities:
        for m in e.mentions:
            assert text[m.start : m.end] == m.text


def test_a_company_is_tagged_without_its_legal_form(default):
    # forms as Reuters-21578 wire copy writes them (reuters:11672, reuters:11739, gum:GUM_news_ie9)
    tags = default.tag(
        "Martin Marietta Corp is a major contractor for the system. Prices will rise, said one "
        "analyst and executive vice president for Balfour MacLaine, Inc. The Internet security "
        "firm Secunia.com said browsers were at risk."
    )
    found = names(tags)
    for company in ("Martin Marietta", "Balfour MacLaine", "Secunia"):
        assert found[company][0] == "ORG", company
    # the mention keeps the text as written (offsets unchanged for span-level evaluation)
    assert entity(tags, "Martin Marietta").mentions[0].text == "Martin Marietta Corp"


def test_a_party_word_counts_only_where_the_base_model_reads_it_as_a_name(default):
    story = default.tag(
        "Labour has promised to cut tuition fees, Mr Blair said. The Tories and the Lib Dem "
        "leader disagreed."
    )
    found = names(story)
    assert found["Labour Party"][0] == "ORG"
    assert found["Conservative Party"][0] == "ORG"
    assert found["Liberal Democrats"][0] == "ORG"
    plain = default.tag("Labour costs rose sharply in March, the survey said.")
    assert "Labour Party" not in names(plain)


def test_an_acronym_in_the_knowledge_base_keeps_its_case(default):
    found = names(default.tag("Russian banks were cut off from SWIFT. Taylor Swift sang in Miami."))
    assert found["SWIFT"][0] == "ORG"
    assert "Taylor Swift" in found and sum(name == "SWIFT" for name in found) == 1
    lone = names(default.tag("Swift said on Monday that the tour would go ahead."))
    assert "SWIFT" not in lone


def test_a_demonym_after_a_dateline_names_its_country(default):
    # the base model reads "MOSCOW - Russian" as one nationality span
    tags = default.tag(
        "Putin orders new limits\n\nMOSCOW - Russian President Vladimir Putin on Tuesday ordered "
        "the government to restrict foreign messaging apps."
    )
    assert names(tags)["Russia"] == ("COUNTRY", "RUS")


def test_an_app_name_read_as_a_name_twice_is_the_app(default):
    # Tor blog style: no app word near, but the base model reads "Tor" as a name each time
    tags = default.tag(
        "Tor attended the Stockholm Internet Forum this year. Tor gave two talks there, and "
        "later Tor met with the Swedish foreign ministry."
    )
    assert names(tags).get("Tor", ("",))[0] == "APP"


def test_post_nominal_letters_are_not_part_of_a_persons_name(default):
    # BBC style (bbc:politics/100.txt): "Philippe Sands QC"
    found = names(
        default.tag("Philippe Sands QC said the war was illegal, Jane Kennedy MP agreed.")
    )
    assert found["Philippe Sands"][0] == "PERSON"
    assert not any(name.endswith((" QC", " MP")) for name in found)


@pytest.mark.parametrize(
    ("text", "expected", "absent"),
    [
        (  # a Reuters-style Washington story: the bare names are the US bodies
            "WASHINGTON - The U.S. Senate voted on Tuesday to approve the aid, and Congress must "
            "now act, U.S. officials said. The vote in the Senate was close.",
            {"United States Senate", "United States Congress"},
            set(),
        ),
        (  # the same word in an Indian story is India's Congress party
            "NEW DELHI - India's Congress lost ground as Narendra Modi's party won across India. "
            "Congress leaders blamed the economy.",
            {"Indian National Congress"},
            {"United States Congress"},
        ),
        (  # a story set abroad (Reuters 1987 style): Nicaragua is named most, but the US is
            # the only country among the bodies called "Congress" that the story names
            "MANAGUA - Nicaragua's rebels will get the aid Congress voted last year, U.S. "
            "officials said. Nicaragua's government protested against the U.S. aid.",
            {"United States Congress"},
            set(),
        ),
        (  # a French story that names the US once in passing keeps its own Senate
            "PARIS - France's Senate rejected the French budget, and French ministers in Paris "
            "said France would try again. The U.S. embassy declined to comment. The Senate "
            "meets again on Monday.",
            set(),
            {"United States Senate"},
        ),
        (  # a Moscow story: "the Defence Ministry" is Russia's
            "MOSCOW - Russia said its troops had advanced. The Defence Ministry said Russian "
            "forces took two villages, Vladimir Putin said.",
            {"Ministry of Defence of Russia"},
            {"UK Ministry of Defence"},
        ),
        (  # a body every state has is the story's own country's, even where the knowledge
            # base lacks it: "the Foreign Ministry in Tehran" is not Israel's
            "Israel struck targets in Iran overnight. Iranian officials said Iran would respond, "
            "and Israel said it was ready. The Foreign Ministry in Tehran summoned the envoy.",
            set(),
            {"Israeli Foreign Ministry"},
        ),
        (  # nor is an Iranian court the US one because the story names the US Treasury
            "Iran's judiciary chief spoke in Tehran as Iranian officials met. The US Treasury eased "
            "sanctions for American firms. The Supreme Court upheld the sentence.",
            set(),
            {"Supreme Court of the United States"},
        ),
        (  # no country to go by: a bare name is not guessed
            "The Senate debated the plan for six hours on Monday.",
            set(),
            {"United States Senate"},
        ),
    ],
)
def test_a_bare_body_name_is_the_body_of_the_storys_country(default, text, expected, absent):
    found = {e.name for e in default.tag(text).entities}
    assert expected <= found and not (absent & found), found


def test_a_score_read_into_a_name_is_not_part_of_it(default):
    """The base model reads "Arsenal 2-1" as one organisation in a results line."""
    tags = default.tag("Manchester United beat Arsenal 2-1 at Old Trafford on Sunday.")
    arsenal = [e for e in tags.entities if e.name.startswith("Arsenal")]
    assert [e.name for e in arsenal] == ["Arsenal FC"]  # the club's knowledge-base name
    assert arsenal[0].mentions[0].text == "Arsenal"


def test_numbers_read_into_a_person_go_and_a_numbered_product_is_no_person(default):
    """Fragments of BBC News stories (../shared/eval/bbc_news): tennis scores read into a player's
    name, and a game sequel the base model reads as a person."""
    tags = default.tag(
        "Henman came back from a set down to defeat British rival Greg Rusedski 4-6 7-6 (8-6) 6-4 "
        "at the Dubai Tennis Championships. Ferrero beat Roddick 6-2 7-6 (7-1) 7-6 (7-5)."
    )
    people = {e.name: [m.text for m in e.mentions] for e in tags.entities if e.label == "PERSON"}
    assert people["Greg Rusedski"] == ["Greg Rusedski"]
    assert not any(ch.isdigit() for name in people for ch in name)
    tags = default.tag(
        "Hit games like Halo 2, which was released in November, helped to buoy the sales. "
        "Halo 2 won the best Xbox game category."
    )
    assert not [e for e in tags.entities if e.label == "PERSON"]


def test_a_party_the_base_model_reads_as_a_place_is_the_party(default):
    """en_core_web_sm reads "Labour" here as a GPE; no place is called so."""
    text = "Charles Kennedy said the Conservatives and Labour in Britain had failed. Tony Blair disagreed."
    labels = {e.name: e.label for e in default.tag(text).entities}
    assert labels.get("Labour Party") == "ORG" and "Labour" not in labels, labels


def test_a_party_named_as_an_adjective_is_the_party(default):
    """BBC style (bbc:politics/384.txt): "Liberal Democrat spokesman Mark Oaten"."""
    text = (
        "Liberal Democrat spokesman Mark Oaten said the plans were wrong. Charles Clarke disagreed."
    )
    found = {e.name: e.label for e in default.tag(text).entities}
    assert found.get("Liberal Democrats") == "ORG", found


def test_an_office_or_party_read_into_a_persons_name_is_not_part_of_it(default):
    """BBC style (bbc:politics/220.txt): "Tory Liam Fox said" is read as one person."""
    names = {e.name for e in default.tag("But Tory Liam Fox said his party had a plan.").entities}
    assert "Liam Fox" in names and "Tory Liam Fox" not in names, names
    names = {e.name for e in default.tag("Senator John McCain said the deal was bad.").entities}
    assert "John McCain" in names, names


def test_a_known_person_named_without_a_middle_name_is_that_person(default):
    """BBC style (bbc:politics/064.txt): "Turkish premier Recep Erdogan"."""
    people = [
        e
        for e in default.tag("Turkish premier Recep Erdogan agreed.").entities
        if e.label == "PERSON"
    ]
    assert [(e.name, e.id) for e in people] == [("Recep Tayyip Erdoğan", "Q39259")]


def test_a_first_and_last_name_shared_by_two_known_people_is_not_resolved():
    from tagger.knowledge import KBEntry, KnowledgeBase

    def person(name: str) -> KBEntry:
        return KBEntry(f"PERSON:{name}", name, "PERSON", None, {name: "name"})

    kb = KnowledgeBase(
        [person("John Quincy Adams"), person("John Henry Adams"), person("Anna May Wong")]
    )
    assert kb.lookup_without_middle("John Adams") is None
    assert kb.lookup_without_middle("Anna Wong").name == "Anna May Wong"
    assert kb.lookup_without_middle("Wong") is None


def test_a_person_named_like_a_body_is_an_organisation():
    """BBC style (bbc:tech, 2004): "GeCAD Software" read by the base model as a person."""
    from tagger.entities import _clean_name

    nlp = spacy.blank("en")
    doc = nlp("Microsoft bought GeCAD Software last year.")
    assert _clean_name(Span(doc, 2, 4, label="PERSON")) == ("GeCAD Software", "ORG")
    assert _clean_name(Span(doc, 0, 1, label="PERSON")) == ("Microsoft", "PERSON")
    # a word that is also a surname stays a person's ("Gabrielle Union")
    doc = nlp("Gabrielle Union starred in the film.")
    assert _clean_name(Span(doc, 0, 2, label="PERSON")) == ("Gabrielle Union", "PERSON")


def test_a_partys_ambiguous_name_before_a_party_office_is_the_party(default):
    """BBC style (bbc:politics/384.txt): "Conservative shadow home secretary David Davis"; the
    same word before something else is not the party."""
    found = {
        e.name
        for e in default.tag("Conservative shadow home secretary David Davis spoke.").entities
    }
    assert "Conservative Party" in found, found
    found = {e.name for e in default.tag("Conservative estimates put the cost at 3bn.").entities}
    assert "Conservative Party" not in found, found


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Amal Clooney spoke at the UN on Monday.", "Amal Clooney"),  # "Amal": a Lebanese party
        ("Actress Morena Baccarin said she was delighted.", "Morena Baccarin"),  # Mexico's Morena
    ],
)
def test_a_first_name_or_surname_that_is_also_a_party_or_body_word_stays_a_person(
    default, text, name
):
    found = {e.name: e.label for e in default.tag(text).entities}
    assert found.get(name) == "PERSON", found


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        # Reuters-21578 headlines (training documents 9683-style wire copy): in capitals the base
        # model reads any words as names and the exact-case phrase matcher finds none
        (
            "REAGAN SEEKS MORE AID FOR CENTRAL AMERICA\n\nPresident Reagan asked Congress for "
            "more aid to Central America on Monday.",
            {"Ronald Reagan": 2},
            {"United States", "REAGAN"},  # "AMERICA" is part of "CENTRAL AMERICA" here
        ),
        (
            "NAKASONE DEFENDS SALES TAX AS CAMPAIGNING BEGINS\n\nPrime Minister Yasuhiro "
            "Nakasone defended the tax.",
            {"Yasuhiro Nakasone": 2},
            {"NAKASONE DEFENDS SALES TAX AS CAMPAIGNING BEGINS"},
        ),
        (
            "CHINA PUTS BRAKE ON KEY REFORM GOAL\n\nBeijing slowed its reforms, officials said.",
            {"China": 1},
            set(),
        ),
        (
            "CRUDE OIL PRICES UP AS STOCKS, OUTPUT FALL\n\nCrude oil prices rose in New York.",
            {},
            {"OUTPUT FALL"},
        ),
        (
            "MAY SAYS PRICES MAY FALL IN BRITAIN\n\nTheresa May said prices would fall.",
            {"Theresa May": 1, "United Kingdom": 1},  # "MAY" is a common word: not her surname
            set(),
        ),
    ],
)
def test_names_in_a_capitals_only_headline_are_read_by_the_knowledge_base(
    default, text, present, absent
):
    found = {e.name: e.count for e in default.tag(text).entities}
    for name, count in present.items():
        assert found.get(name) == count, found
    # no mention is read as these (a country the story implies may still be suggested, count 0)
    assert not {name for name in absent if found.get(name)}, found


def test_an_app_named_with_its_version_is_the_app(default):
    """Tor blog style ("Tor Browser 4.5 is released"): the base model reads the name and version
    as one person or organisation; the knowledge base's app inside it is the tag."""
    found = {
        e.name: (e.label, e.count)
        for e in default.tag(
            "Tor Browser 4.5 is released\n\nThe release of Tor Browser 4.5 brings a security "
            "slider. Skype 5 users were told to update."
        ).entities
    }
    assert found.get("Tor Browser") == ("APP", 2), found
    assert found.get("Skype", ("",))[0] == "APP", found
    assert not {"Tor Browser 4.5", "Skype 5"} & set(found), found


@pytest.mark.parametrize(
    ("text", "name", "absent"),
    [
        # BBC business style: "LSE" is also the London School of Economics in the tables
        (
            "Shares in the London Stock Exchange (LSE) rose. The LSE said bids were welcome.",
            "London Stock Exchange",
            "London School of Economics",
        ),
        # Reuters-21578 style: a company unknown to the tables keeps its acronym
        (
            "Bicoastal bought shares in brewer San Miguel Corp (SMC). SMC chief financial "
            "officer Ramon del Rosario said so.",
            "San Miguel",
            "SMC",
        ),
    ],
)
def test_an_acronym_the_story_defines_means_its_full_name(default, text, name, absent):
    found = {e.name: e.count for e in default.tag(text).entities}
    assert found.get(name) == 3, found
    assert absent not in found, found


def test_a_known_body_or_app_read_into_a_person_is_the_body_or_app(default):
    """Tor blog and Reuters-21578 phrasing: "Running BitTorrent over Tor", "Engineer Mannesmann
    eased 3.20 marks"; a real first name keeps the person ("Michael Jordan")."""
    found = {
        e.name: e.label
        for e in default.tag(
            "Running BitTorrent over Tor is a bad idea. Engineer Mannesmann eased 3.20 marks. "
            "Michael Jordan watched."
        ).entities
    }
    assert found.get("BitTorrent") == "APP" and found.get("Mannesmann") == "ORG", found
    assert found.get("Michael Jordan") == "PERSON", found
    assert not {"Running BitTorrent", "Engineer Mannesmann"} & set(found), found


def test_a_known_app_the_base_model_reads_as_a_body_is_the_app(default):
    """ "use Tor to reach blocked sites": the app's own name, capitalised, read as an
    organisation by the base model is the app (Tor blog posts are tagged so by their readers);
    "the Islamic Republic" is Iran in news copy, not a place of its own."""
    found = names(
        default.tag(
            "Millions of Iranians use Tor to reach blocked sites. The Islamic Republic already "
            "blocks Facebook and Twitter."
        )
    )
    assert found["Tor"][0] == "APP", found
    assert found["Iran"] == ("COUNTRY", "IRN") and "Islamic Republic" not in found, found


def test_software_the_knowledge_base_does_not_know_is_an_app_where_named_as_such(default):
    """ "the Psiphon app", "Ultrasurf software": an unknown name the story calls software is an
    app wherever the story names it; a known company before "software" stays the company, and
    a capitalised run longer than a product name is left to the base model."""
    found = names(
        default.tag(
            "Iranians turn to circumvention tools\n\n"
            "Many people in Iran now use the Psiphon app to get round the blocks. Psiphon is free, "
            "and Ultrasurf software works on older phones. Apple software was updated as well. "
            "The New York Times Crossword app was not affected. The England game went ahead."
        )
    )
    assert found["Psiphon"][0] == "APP" and found["Ultrasurf"][0] == "APP"
    assert found["Apple"][0] == "ORG"
    apps = {name for name, (label, _) in found.items() if label == "APP"}
    assert apps == {"Psiphon", "Ultrasurf"}


@pytest.mark.parametrize(
    "text",
    [
        "Messaging app WhatsApp hit by outage\n\nThe outage lasted two hours.",
        "Dating apps grow\n\nDating apps are popular. Banking apps too. New software was released.",
    ],
)
def test_a_word_capitalised_for_its_place_before_app_is_no_app(default, text):
    """A headline's or sentence's first word is capitalised for its place ("Messaging app")."""
    apps = {name for name, (label, _) in names(default.tag(text)).items() if label == "APP"}
    assert apps <= {"WhatsApp"}


def test_a_person_whose_surname_is_a_known_company_stays_a_person(default):
    """ "Sandvik" is a company in the knowledge base; "Runa Sandvik", whom the story then calls
    "Runa", is a person (a first name no known person has counts when the story uses it alone)."""
    found = names(
        default.tag(
            "Testing help wanted\n\nRuna Sandvik will begin coordinating the new test builds next "
            "week. To start, Runa will give volunteers access to the build machines."
        )
    )
    assert found.get("Runa Sandvik", ("",))[0] == "PERSON"
    assert "Sandvik" not in found


def test_an_app_the_base_model_reads_as_a_place_is_the_app(default):
    # BBC News tech story, 2004-05 (bbc_news_2225, tech/029): en_core_web_sm reads "Windows" as LOC
    found = names(default.tag("Linux is a freely-available alternative to Microsoft's Windows."))
    assert found["Windows"][0] == "APP"


@pytest.mark.parametrize(
    "text, person, absent",
    [
        # the way wire stories name ministers (written for this test; en_core_web_sm reads
        # "Information Lai Mohammed", "State" and "Defense" here)
        (
            "On 4 June 2021, the Nigerian government announced the suspension of Twitter. "
            "Minister of Information Lai Mohammed said the company's activities were a threat.",
            "Lai Mohammed",
            "Information Lai Mohammed",
        ),
        (
            "U.S. Secretary of State Antony Blinken said Washington would send rockets.",
            "Antony Blinken",
            "State",
        ),
        ("Secretary of Defense Lloyd Austin visited Kyiv on Sunday.", "Lloyd Austin", "Defense"),
        (
            "Since the military seized power and detained State Counsellor Aung San Suu Kyi, "
            "the State Administration Council has ordered telecom operators to shut down data.",
            "Aung San Suu Kyi",
            "Counsellor Aung San Suu Kyi",
        ),
        (
            "Iran's Telecommunications Minister Issa Zarepour said the restrictions were "
            "temporary and made for security reasons.",
            "Eisa Zarepour",  # the knowledge base's spelling
            "Telecommunications",
        ),
    ],
)
def test_a_ministers_portfolio_is_neither_an_organisation_nor_part_of_a_name(
    default, text, person, absent
):
    found = names(default.tag(text))
    assert found[person][0] == "PERSON"
    assert absent not in found


def test_a_renamed_app_keeps_the_name_the_story_uses(default):
    old = default.tag("Nigeria suspended Twitter after the platform deleted a post. Twitter users protested.")  # fmt: skip
    new = default.tag("X, formerly Twitter, said users of the X app would pay for posts.")
    assert names(old)["Twitter"][0] == "APP"
    assert names(new)["X"][0] == "APP" and "Twitter" not in names(new)


def test_a_sequel_or_episode_of_a_known_game_is_a_game_of_its_own(default):
    # BBC News tech stories, 2004-05 (bbc_news_2225, tech/112 and tech/178)
    tags = default.tag(
        "Halo 2 has broken video game records, with pre-orders of more than 1.5 million in the "
        "US alone. The top seller was Grand Theft Auto: San Andreas. The Sims 2 came third."
    )
    apps = {e.name for e in tags.entities if e.label == "APP"}
    assert {"Halo 2", "Grand Theft Auto: San Andreas", "The Sims 2"} <= apps
    assert not {"Halo", "Grand Theft Auto", "The Sims"} & apps
    # a software version is still the software; a headline colon after a word is no subtitle
    assert names(default.tag("Skype 5 was released for Windows."))["Skype"][0] == "APP"
    found = names(default.tag("Battlefield: Russian Troops Advance On Kyiv. Fighting went on."))
    assert not any(name.startswith("Battlefield") for name in found)
    headline = "Fortnite: Epic Games sues Apple\n\nEpic Games has sued Apple over the App Store."
    assert "Fortnite: Epic Games" not in names(default.tag(headline))
    # a colon with no title after it ends no title
    found = names(default.tag("The top seller was Call of Duty: The game sold well in Europe."))
    assert "Call of Duty" in found and not any(name.endswith(":") for name in found)


def test_a_name_does_not_run_across_the_end_of_a_sentence(default):
    # written for this test; en_core_web_sm reads "Tor Project. Human Rights Watch and Access
    # Now" as one organisation
    text = (
        '"The Russian government is trying to cut its citizens off from the free internet," said '
        "Isabela Fernandes, executive director of the Tor Project. Human Rights Watch and Access "
        "Now condemned the block."
    )
    found = names(default.tag(text))
    assert {"Tor Project", "Human Rights Watch"} <= set(found)
    assert not any("." in name for name in found)


def test_unknown_names_of_a_title_case_headline_count_only_if_the_story_repeats_them(default):
    # written for this test in the form of an NGO report's title; en_core_web_sm reads "Exiled
    # Journalists" and "Zero-Click" in it as organisations
    text = (
        "Zero-Click, Far From Home: Spyware Targeting of Exiled Journalists in Belarus\n\n"
        "Researchers at the Meridian Security Lab found that phones of eleven reporters who left "
        "Belarus after 2020 were infected with spyware delivered without any click. The lab said "
        "the attacks began in the spring, when the reporters were living in Riga and Vilnius, and "
        "that the messages carried no visible trace. Meridian Security Lab shared its findings "
        "with the companies whose phones were affected, and two of them issued updates."
    )
    found = names(default.tag(text))
    assert "Exiled Journalists" not in found and "Zero-Click" not in found
    assert "Belarus" in found  # a name the knowledge base knows stays
    assert "Meridian Security Lab" in found  # a body the story names again stays


def test_a_live_blog_time_stamp_is_not_part_of_a_name(default):
    # written for this test in the form of a live blog entry
    found = names(
        default.tag("09:40 - Meridian Telecom said mobile data was cut in three provinces.")
    )
    assert "Meridian Telecom" in found
    assert not any(name[0].isdigit() for name in found)
    # a number that opens a name without a stamp's colon or dash is part of it
    # (en_core_web_sm reads "7 Eleven Inc" as one organisation)
    shop = names(default.tag("He works for 7 Eleven Inc in Texas, his family said."))
    assert "7 Eleven" in shop


def test_lower_case_words_the_base_model_runs_on_into_are_not_part_of_a_name(default):
    # written for this test; en_core_web_sm reads "the Office of the Commissioner of the city
    # police" as one organisation
    found = names(
        default.tag("Staff of the Office of the Commissioner of the city police were told.")
    )
    assert "Office of the Commissioner" in found
    assert not any(name.endswith((" of", "police")) for name in found)


def test_a_first_line_of_results_is_a_table_not_a_title_case_headline(default):
    # written for this test in the form of a wire service's results list
    lines = [
        "1. Olga Melnik ( Russia ) 23:13.3",
        "2. Karin Kuster ( Switzerland ) 23:15.9",
        "3. Carole Montillet ( France ) 23:20.4",
    ]
    text = "\n".join(lines) + "\n" + " ".join(["The race was held in fresh snow."] * 10)
    found = names(default.tag(text))
    assert {"Olga Melnik", "Karin Kuster", "Carole Montillet"} <= set(found)


def test_an_acronym_spelling_the_initials_of_a_body_the_story_names_is_that_body(default):
    # written for this test; the knowledge base reads "RSF" alone as Reporters Without Borders
    text = (
        "Fighters of Sudan's paramilitary Rapid Support Forces pushed east of the city on "
        "Tuesday. The army said it had destroyed vehicles belonging to the RSF near the road, "
        "and residents said the RSF had sealed off supply routes."
    )
    found = names(default.tag(text))
    assert "Rapid Support Forces" in found
    assert "Reporters Without Borders" not in found
    rsf = entity(default.tag(text), "Rapid Support Forces")
    assert rsf.count == 3


def test_laws_and_treaties_are_not_bodies_or_places(default):
    # written for this test; en_core_web_sm reads both acts as organisations
    text = (
        "Under the Sarbanes-Oxley Act, firms must certify their accounts. The Data Protection "
        "Act was also cited by the regulator."
    )
    found = names(default.tag(text))
    assert not any(name.endswith(("Act", "Convention")) for name in found)


@pytest.mark.parametrize(
    "text, word",
    [
        (
            "Turnout was 63 per cent, officials said. Analysts had expected a lower turnout.",
            "Turnout",
        ),
        ("Verdict: False. The claim that Western missiles are sold online is wrong.", "Verdict"),
    ],
)
def test_a_capitalised_word_that_opens_a_sentence_or_labels_a_line_is_no_name(default, text, word):
    # written for this test; en_core_web_sm reads both words as names of people
    assert word not in names(default.tag(text))


def test_a_surname_opening_sentences_stays_a_name(default):
    text = "Jackson said the deal was done. Jackson added that the bank would pay."
    assert "Jackson" in names(default.tag(text))


def test_a_name_the_story_places_is_a_place(default):
    # written for this test; en_core_web_sm reads these towns as a body and a person
    text = (
        "Shelling hit the town of Nikopol overnight. A Karachi-based rights group said a retired "
        "engineer was detained near Olesnica."
    )
    found = names(default.tag(text))
    assert {
        name: label for name, (label, _) in found.items() if name in ("Nikopol", "Olesnica")
    } == {
        "Nikopol": "LOCATION",
        "Olesnica": "LOCATION",
    }


def test_a_dateline_in_capitals_takes_the_storys_name_and_reading_of_the_place(default):
    # written for this test in the form of a wire story; en_core_web_sm reads the dateline
    # "FRANKFURT" as an organisation
    found = names(
        default.tag("FRANKFURT, March 3 (Wire) - Shares fell in Frankfurt on Monday as banks slid.")
    )
    assert "FRANKFURT" not in found
    assert found["Frankfurt"][0] == "LOCATION"


def test_a_surname_read_as_a_place_joins_its_person(default):
    # written for this test; en_core_web_sm reads the lone surname as a place
    text = (
        "A federal jury in Manhattan on Tuesday convicted U.S. Senator Bob Menendez of New Jersey "
        "of taking bribes. The defence argued that Menendez had been acting as any senator would "
        "on behalf of constituents. Menendez, 70, left the courthouse without taking questions."
    )
    tags = default.tag(text)
    assert [e.name for e in tags.entities if "Menendez" in e.name] == ["Bob Menendez"]


@pytest.mark.parametrize(
    "text, absent",
    [
        # written for these tests; en_core_web_sm reads each of these as a body or a person
        ("Germany will send more Patriot missiles and Leopard tanks.", {"Patriot", "Leopard"}),
        ("Benchmark Brent crude rose 2% on Monday.", {"Brent", "Benchmark Brent"}),
        ("Pilots flew MiG-29 jets armed with AIM-9 missiles.", {"MiG-29", "AIM-9"}),
        ("Gazprom said flows through the Druzhba pipeline were stable.", {"Druzhba"}),
    ],
)
def test_weapons_and_commodities_are_no_bodies_or_people(default, text, absent):
    assert not absent & set(names(default.tag(text)))


def test_two_places_read_as_one_are_two(default):
    # written for this test; en_core_web_sm reads "Kharkiv to Odesa" as one organisation
    text = "Power cuts stretched from Kharkiv to Odesa and from Kyiv to Lviv on Tuesday."
    found = names(default.tag(text))
    assert {"Kharkiv", "Odesa", "Lviv"} <= set(found)
    assert not any(" to " in name for name in found)
    journalists = "The Committee to Protect Journalists condemned the arrest."
    assert "Committee to Protect Journalists" in names(default.tag(journalists))


@pytest.mark.parametrize(
    "text",
    [
        # written for these tests: a word the base model reads on its own that the knowledge
        # base has only as an ambiguous alias, in another case ("Grams", "Solidarity")
        "Users of the app said the parcel weighed 215 grams, and users complained.",
        "Workers sent expressions of solidarity to the union, the app users said.",
    ],
)
def test_a_word_is_not_an_ambiguous_alias_in_another_case(default, text):
    assert names(default.tag(text)) == {}


def test_a_prefix_hyphenated_to_a_name_is_no_part_of_it(default):
    # written for this test; en_core_web_sm reads "pro-Georgescu" as a person
    text = "Accounts of pro-Georgescu activists spread after Calin Georgescu won the first round."
    found = names(default.tag(text))
    assert "Călin Georgescu" in found
    assert not any(name.startswith("pro") for name in found)


def test_a_language_is_no_body_and_residents_of_a_place_live_in_a_place(default):
    # written for this test; en_core_web_sm reads the languages and the town as organisations
    found = names(
        default.tag("Broadcasts in Amharic and Oromo were cut, residents of Gondar said.")
    )
    assert "Amharic" not in found and "Oromo" not in found
    assert found["Gondar"][0] == "LOCATION"
    # a surname that is also a language stays with its person
    text = "Prime Minister Bill English said on Monday that English would not resign."
    assert entity(default.tag(text), "Bill English").count == 2
