"""Every word list the rules use, one home for each: question words and function words, the
nouns that name a person, a place, an organisation, a date or a quantity, and the months.

The lists are plain English, not words of any one document; a rule that needs stems takes the
``*_STEMS`` form.
"""

from __future__ import annotations

from shanxi_qa.language.text import stem

WH_WORDS = frozenset("what which who whom whose when where why how".split())
BE_AUXILIARIES = frozenset("is are was were be been being am".split())
HAVE_AUXILIARIES = frozenset("has have had".split())
DO_AUXILIARIES = frozenset("do does did".split())
MODALS = frozenset("will would shall should can could may might must".split())
AUXILIARIES = BE_AUXILIARIES | HAVE_AUXILIARIES | DO_AUXILIARIES | MODALS
PREPOSITIONS = frozenset(
    """in on at by for from to with about into onto over under between among since until till
    during after before through across against toward towards via per within without than as
    like behind near beyond around along upon""".split()
)
CONJUNCTIONS = frozenset("and or but nor so then if because while whether also".split())
ARTICLES = frozenset("the a an".split())
DEMONSTRATIVES = frozenset("this that these those".split())
PLURAL_DEMONSTRATIVES = frozenset("these those".split())
PERSON_PRONOUNS = frozenset("he she him his her hers himself herself".split())
THING_PRONOUNS = frozenset("it its itself".split())
PLURAL_PRONOUNS = frozenset("they them their theirs themselves".split())
POSSESSIVE_PRONOUNS = frozenset("its their his her".split())
LOCATIVE_PRONOUNS = frozenset({"there"})
# Pronouns that never point back to an earlier turn; they end a noun phrase like any pronoun.
OTHER_PRONOUNS = frozenset(
    """i me my you your we us our one someone anyone something anything everyone everything
    nobody nothing here each every all both some any no not another other such more most many
    much few less least very""".split()
)
NEGATION = frozenset({"not", "n't", "never"})
# Adverbs: never part of a noun phrase ("when was his theory [first] released?" keeps "first"
# out only where it stands before the verb, see TRAILING_ADVERBS).
ADVERBS = frozenset(
    """also already still ever just recently finally again currently originally initially
    usually often later""".split()
)
# Words that are adjectives before a noun but adverbs before a verb ("the first train",
# "was it first released").
TRAILING_ADVERBS = frozenset("first only once last".split())
# Words that open a clause: what follows them is not the main clause of the question.
CLAUSE_OPENERS = frozenset("that which who whom whose where when while because if whether".split())
# Particles of phrasal verbs ("put forward", "roll off"): never a noun phrase.
PARTICLES = frozenset("forward up out off down back away".split())
# Object pronouns: a phrase followed by one ends with its verb ("did the company give them").
OBJECT_PRONOUNS = frozenset("it them him her us me you".split())
# Words that open an elliptical follow-up ("what about X?", "and in 2023?").
ELLIPSIS_OPENERS: tuple[tuple[str, ...], ...] = (
    ("and", "what", "about"),
    ("and", "how", "about"),
    ("what", "about"),
    ("how", "about"),
    ("what", "of"),
    ("and", "for"),
    ("and",),
    ("also",),
    ("then",),
)
# Words that may lead a complete question without changing it ("and how long are they?").
LEADING_FILLERS = frozenset("and so also then but ok okay well".split())
# Relative years: the phrase and the step from the previous turn's year.
RELATIVE_YEARS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("the", "year", "before"), -1),
    (("the", "previous", "year"), -1),
    (("the", "prior", "year"), -1),
    (("the", "preceding", "year"), -1),
    (("a", "year", "before"), -1),
    (("a", "year", "earlier"), -1),
    (("one", "year", "earlier"), -1),
    (("the", "year", "after"), 1),
    (("the", "following", "year"), 1),
    (("the", "next", "year"), 1),
    (("a", "year", "later"), 1),
    (("one", "year", "later"), 1),
)
# Time phrases that a year in a follow-up replaces ("... this year?" -> "... in 2023?").
TIME_PHRASES: tuple[tuple[str, ...], ...] = (
    ("this", "year"),
    ("last", "year"),
    ("next", "year"),
)
# "When did that happen?" asks "when?" of the previous question.
EVENT_VERBS: tuple[tuple[str, ...], ...] = (
    ("happen",),
    ("happened",),
    ("occur",),
    ("occurred",),
    ("take", "place"),
    ("took", "place"),
)
# Verbs after which "that" opens a clause, not a reference ("say that ...").
CLAUSE_VERBS = frozenset(
    "say says said know knew think thought believe report reported show shows showed mean".split()
)
# Past forms and participles that the -ed rule misses.
IRREGULAR_VERBS = frozenset(
    """built made done known given held set put taken seen grown become became run ran led won
    brought begun began shown sent spent found kept laid paid said told sold written wrote driven
    drove chosen chose got gotten cut met left lost meant understood thought bought caught taught
    drawn drew broken broke spoken spoke risen rose fallen fell born took gave saw grew went gone
    came rebuilt undertaken overseen stood hit""".split()
)
# Nouns that name a person, a place or an organisation: a pronoun ("he", "there", "it") may
# point to a phrase headed by one, and a wh-phrase built on one asks for that type.
PERSON_NOUNS = frozenset(
    """person people governor mayor official deputy deputies engineer reporter journalist
    author writer photographer leader president chairman chairwoman minister secretary
    executive spokesperson spokesman spokeswoman founder director woman man worker head chief
    farmer teacher doctor scientist researcher expert analyst resident""".split()
)
PLACE_NOUNS = frozenset(
    """city cities county counties province provinces country countries region regions place
    town village location district area park destination site port station capital state
    island""".split()
)
ORGANISATION_NOUNS = frozenset(
    """company companies firm organization organisation group enterprise factory institution
    body initiative corporation corp bureau unit network forum manufacturer carmaker automaker
    maker""".split()
)
# Nouns for what a number measures or counts ("what share", "the diameter of").
MEASURED_THINGS = frozenset(
    "output revenue population reserves turnover income profit budget".split()
)
NUMBER_NOUNS = (
    frozenset(
        """number amount total percentage percent share proportion rate speed capacity volume
        diameter length size value figure count quantity growth increase price cost height width
        distance""".split()
    )
    | MEASURED_THINGS
)
# More nouns for what is measured ("the area", "its weight"): a keyword query ending in one
# asks for a quantity.
MEASURE_NOUNS = frozenset(
    """area output population reserves pressure revenue weight temperature budget sales
    turnover thickness depth age acreage headcount workforce""".split()
)
PERSON_STEMS = frozenset(stem(noun) for noun in PERSON_NOUNS)
# Titles that may stand before a person's name ("Shanxi Governor Jin Xiangjun").
TITLES = frozenset(
    """governor mayor president minister premier chairman chairwoman secretary director
    engineer deputy chief professor dr mr ms mrs vice general manager executive""".split()
)
PLACE_STEMS = frozenset(stem(noun) for noun in PLACE_NOUNS)
ORGANISATION_STEMS = frozenset(stem(noun) for noun in ORGANISATION_NOUNS)
# Nouns that may end a name ("the Harbor test line", "the Green Valley project").
NAME_END_STEMS = ORGANISATION_STEMS | frozenset(
    stem(noun)
    for noun in "plan project line train system lab laboratory park center centre".split()
)
# Nouns for an attribute of something: "it" after "the speed of the maglev" is the maglev.
ATTRIBUTE_NOUNS = frozenset(
    stem(noun)
    for noun in """number amount total share percentage percent proportion rate speed capacity
    volume diameter length size value count quantity growth increase price cost height width
    distance name purpose goal aim reason date year area population output revenue ranking rank
    level role type kind location part result age weight depth figure target""".split()
)
# Words ending in -ed that are no past forms.
NOT_VERBS = frozenset("hundred kindred sacred naked wicked beloved".split())
# Nouns a wh-phrase asks a date with ("which year?", "in what period?").
DATE_NOUNS = frozenset("year date day month time period season".split())
DATE_STEMS = frozenset(stem(noun) for noun in DATE_NOUNS)
MONTHS = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
# Month and weekday names: they make a date, not a name.
CALENDAR = MONTHS | WEEKDAYS
# Function words that a capitalised name may hold ("To Kill a Mockingbird").
TITLE_WORDS = PREPOSITIONS | ARTICLES | CONJUNCTIONS | {"of"}
# Words between two clauses: a phrase before one can be what a later pronoun points to.
CLAUSE_BREAKS = frozenset({"and", "or", "but", ",", ";"})
# Words that open a subordinate clause: a pronoun in the clause may point to a phrase of the
# main clause before it ("how did the builders view [the job] when they got it?").
SUBORDINATORS = frozenset("when while after before once because if although though until".split())
# Nouns for the document being read: "this article", "this story" mean the document, not
# something said earlier in the conversation.
DOCUMENT_NOUNS = frozenset(
    """article story document report text piece passage paper page file news interview
    feature column essay""".split()
)
DOCUMENT_STEMS = frozenset(stem(noun) for noun in DOCUMENT_NOUNS)
# Verbs whose "it" anticipates an infinitive, not an earlier turn ("how long does it take to
# reach Moscow?", "what did it cost to build the line?").
ANTICIPATORY_VERBS = frozenset("take takes took taken cost costs".split())
# Words that end a name inside an answer ("Yuji Yagi [at] the University of Tsukuba").
NAME_BREAKS = PREPOSITIONS - {"of"} | {"who", "which", "that", "said", "says"}
IRREGULAR_PLURALS = frozenset("people children men women data media police staff".split())

# Units after a number ("14 kilometers", "3.5 percent", "40 people").
UNITS = frozenset(
    """
        percent percentage points kilometers kilometres km meters metres m kilograms kg grams
        millimeters millimetres mm micrometers micrometres centimeters centimetres cm pounds
        tons tonnes kilowatt-hours kwh kilowatts kw megawatts mw gigawatts gw watts
        hours hour minutes seconds days weeks months years yuan dollars euros usd rmb
        per square cubic hectares acres miles feet inches liters litres people persons
        times fold places points
    """.split()
)
# Units that measure rather than count: "how many pipes" is not answered in meters.
MEASURE_UNITS = UNITS - frozenset("people persons times fold places points".split())

FUNCTION_WORDS = (
    WH_WORDS
    | AUXILIARIES
    | PREPOSITIONS
    | CONJUNCTIONS
    | ARTICLES
    | DEMONSTRATIVES
    | PERSON_PRONOUNS
    | THING_PRONOUNS
    | PLURAL_PRONOUNS
    | LOCATIVE_PRONOUNS
    | OTHER_PRONOUNS
    | NEGATION
    | ADVERBS
    | PARTICLES
    | {"of", "'s", "’s"}
)

# Words that may lead a noun phrase.
NP_LEADERS = ARTICLES | DEMONSTRATIVES | POSSESSIVE_PRONOUNS

# Words that cannot end a headline or a finished sentence: a paragraph ending in one of them
# is a fragment waiting for its continuation.
# fmt: off
UNFINISHED_ENDINGS = frozenset({
    "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "with", "from", "into", "onto",
    "over", "under", "between", "about", "and", "or", "but", "nor", "as", "than", "that",
    "which", "who", "whom", "whose", "is", "are", "was", "were", "be", "been", "being", "has",
    "have", "had", "will", "would", "shall", "should", "can", "could", "may", "might", "must",
    "its", "their", "his", "her", "our", "your", "my", "this", "these", "those", "such",
    "according", "said",
})
# fmt: on

# Words that make a capitalised name an organisation ("Taiyuan Heavy Industry", "CRRC Group").
NAME_ORGANISATION_WORDS = frozenset(
    """
        group corp corporation company co inc ltd forum bureau unit industry
        industries equipment auto congress network initiative institute university
        ministry commission bank association council committee agency factory steel
    """.split()
)

# Words that make a capitalised name a place ("Datong City", "Tianzhen County").
NAME_PLACE_WORDS = frozenset(
    """
        city county province district village town region country mountains river park
    """.split()
)

# Words by which a question asks about a photo or its caption.
PHOTO_CUES = frozenset(
    "photo photograph photographer picture pictured image shot took taken credit caption".split()
)

# Prepositions before a place ("in Datong", "near the river").
PLACE_PREPOSITIONS = frozenset(["in", "at", "from", "near", "to", "across", "of"])

# Words for the page itself, which a question about its parts may use.
DOCUMENT_WORDS = frozenset("article story piece page text document newspaper paper".split())

EMPTY_QUESTION_WORDS = frozenset("kind kinds type types sort sorts name names call called".split())

# Nouns for the standing of a figure (planned, expected), not for what it measures.
PLAN_STEMS = frozenset(
    stem(noun) for noun in "target goal aim forecast projection estimate objective plan".split()
)

KIND_WORDS = frozenset("kind kinds type types sort sorts form forms name names".split())

ATTRIBUTE_LINKS = frozenset("of in at for on".split())

COUNT_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty hundred".split()
)
# Words a quantity in a sentence may be written as: "twofold", "fifteen", "third".
NUMBER_WORDS = tuple(
    """one two three four five six seven eight nine ten eleven twelve fifteen twenty hundred
    thousand twofold threefold fourfold first second third fourth fifth tenth""".split()
)
ORDINAL_WORDS = tuple("first second third fourth fifth sixth seventh eighth ninth tenth".split())

# Words that end the noun phrase after "how many" / "which".
PHRASE_END_WORDS = frozenset(
    """is are was were do does did has have had will would can could should be been being
    in on at of for by to from with that which who since during across between""".split()
)

# Words that follow a verb rather than a plural noun: "works for", "serves the".
VERB_FOLLOWERS = frozenset("for to with in on at from the a an as".split())

QUESTION_AUXILIARIES = frozenset(
    "is are was were do does did has have had will would can could".split()
)

COPULAS = frozenset("is are was were".split())

# Wh-words whose phrase can name what is asked about ("which [consultancy]", "how many [mines]").
FOCUS_WH_WORDS = frozenset("what which whose who how".split())
# Requests without a wh-word, and whether they must open the question: "name the ...",
# "... by number of smart coal mines".
REQUEST_OPENERS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("name",), True),
    (("list",), True),
    (("number", "of"), False),
    (("amount", "of"), False),
)
# Words between a wh-word and its noun: "what [other] language", "what [about] fixed assets".
WH_PHRASE_LINKS = frozenset({"other", "about"})

DETERMINERS = frozenset("the a an this that these those its their".split())
