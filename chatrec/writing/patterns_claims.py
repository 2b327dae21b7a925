"""The words by which a sentence makes a checkable claim (see :mod:`chatrec.writing.claims`).

Kept apart from the checks so that the lists can grow with every new bad output seen, without the
logic moving. Each pattern was written from real outputs of the embedded models.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[\w'’-]+")
# A person's name in role phrases: capitalised words, with the particles names carry.
_CAPITAL = "[A-ZÀ-ÖØ-Þ\u0100-\u017f]"  # "Fede Álvarez", "Łukasz": Latin capitals beyond ASCII
_NAME = rf"{_CAPITAL}[\w'’.-]+(?:\s+(?:(?:de|van|von|la|le|du|del|da|di|of)\s+)*{_CAPITAL}[\w'’.-]+)*"
_NAMES = rf"(?P<names>{_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*)"
NAMES = re.compile(r"\s*(?:,|\band\b|&)\s*")

# "directed by X", "starring X and Y", "written by X": the role, then the names.
ROLE_BEFORE = (
    (re.compile(rf"\b(?:directed|helmed|filmed) by\s+{_NAMES}"), "directors"),
    (re.compile(rf"\b(?:director|filmmaker)\s+{_NAMES}"), "directors"),
    (
        re.compile(rf"\b(?:stars|starring|featuring|features|co-stars|led by|actors?|actress)\s+{_NAMES}"),
        "cast",
    ),
    (re.compile(rf"\b(?:written|scripted|penned)\s+by\s+{_NAMES}"), "writers"),
    (re.compile(rf"\b(?:screenplay|script) (?:is )?by\s+{_NAMES}"), "writers"),
    (re.compile(rf"\b(?:produced|created|designed|composed|scored|shot|edited) by\s+{_NAMES}"), "any"),
    (re.compile(rf"\bby\s+{_NAMES}"), "any"),
    (re.compile(rf"\bwith\s+{_NAMES}"), "cast"),  # "a thriller with Chad Stahelski": he directed it
)
# "X directs it", "X stars", "X plays": the names, then the role.
ROLE_AFTER = (
    (re.compile(rf"{_NAMES}\s+(?:directs|directed|helms|helmed)\b"), "directors"),
    (re.compile(rf"{_NAMES}\s+(?:stars|star|plays|play|co-stars|leads|lead)\b"), "cast"),
    (re.compile(rf"{_NAMES}\s+(?:wrote|writes|scripted|penned)\b"), "writers"),
)
# A role followed by no name at all: "starring players from various countries".
ROLE_NO_NAME = re.compile(
    r"\b(?:starring|stars|featuring|directed by|written by|designed by)\s+(?!it\b)(?:[a-z]|the\b)"
)

# Words people use for genres that the catalog's vocabulary does not list (``GENRE_ALIASES`` in
# chatrec.catalog.vocabulary covers "funny", "scary", "animated"...).
GENRE_WORDS = {
    "hilarious": "Comedy",
    "comedic": "Comedy",
    "humorous": "Comedy",
    "laugh": "Comedy",
    "laughs": "Comedy",
    "terrifying": "Horror",
    "creepy": "Horror",
    "spooky": "Horror",
    "frightening": "Horror",
    "action-packed": "Action",
    "thrilling": "Thriller",
    "suspenseful": "Thriller",
    "dramatic": "Drama",
    "biographical": "Biography",
    "historical": "History",
    "mysterious": "Mystery",
    "adventurous": "Adventure",
    "family-friendly": "Family",
    "kid-friendly": "Family",
    "kids": "Family",
    "children": "Family",
    "musical": "Musical",
    "sports": "Sport",
    "war-time": "War",
    "wartime": "War",
    "fantastical": "Fantasy",
    "lighter": "Comedy",
}
NEGATION = re.compile(r"\b(?:no|not|non|without|isn't|free of|nothing)\b[\s-]*(?:\w+\s+)?$", re.I)
# "your taste for comedy", "the comedy you asked for": the user's words, not a claim about the item.
TASTE_REFERENCE = re.compile(r"\byour taste for [\w -]+", re.I)
TASTE_PHRASE = re.compile(
    r"\b(?:as you asked|you asked for|you (?:like|love|enjoy|enjoyed|wanted|mentioned)|your favou?rite"
    r"|whom you|your (?:decade|years|limit))\b",
    re.I,
)

RECENT = re.compile(r"\b(?:recent|latest|new release|brand[- ]new|modern-day|just released)\b", re.I)
OLD = re.compile(r"\b(?<!modern )(?:classic|vintage|old-school|golden age|old-fashioned)\b", re.I)

MINUTES = re.compile(r"\b(\d{1,3})[- ]?(?:minutes?|mins?)\b", re.I)
HOURS = re.compile(
    r"(?:\b(?P<bound>under|less than|within|below|shy of|over|more than|longer than|above|about|around)\s+)?"
    r"\b(?P<n>\d|one|two|three|four|an|a)[- ]hours?\b",
    re.I,
)
# A number compared with a film the sentence names ("114 minutes, just like Heat"): the title is
# masked as "that title" in the text this reads.
LIKE_TITLE = re.compile(r",?\s+(?:just |exactly )?(?:like|as in|as with|the same as)\s+that title", re.I)
SHORT = re.compile(r"\b(?:short|brief|quick|compact|brisk|tight)\b(?! of)", re.I)
THAN = re.compile(r"\b(\w+er) than\b", re.I)

AWARD = re.compile(
    r"\b(?:(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+)?"
    r"(?:oscar[- ]wins?|award[- ]wins?|oscars?|academy awards?|oscar[- ]winning|oscar[- ]nominated"
    r"|award[- ]winning|awards?|won|winner|nominated|nominations?|golden globes?|bafta|cannes|emmys?"
    r"|festival|prize)\b",
    re.I,
)
# What an award was for ("an Oscar for Adam Sandler", "for Best Picture"): the catalog's awards line
# says how many, never for what, so only "for it" / "for <the title>" can be checked.
AWARD_FOR = re.compile(
    r"\b(?:oscars?|academy awards?|awards?|nominations?|globes?|prizes?)\s+for\s+(?!(?:it|this|that title)\b)"
    r"[\w'’-]+",
    re.I,
)
# A place in a career or a history ("Michael Mann's 76th film", "his first film to win three Oscars",
# "her only comedy"): nothing in the catalog orders a person's films, so nothing can check one.
RECORD = re.compile(
    r"\b(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|final|last|debut|only)\b"
    r"(?:\s+[\w'’-]+){0,2}?\s+(?:films?|movies?|features?|pictures?|books?|games?|roles?|outings?"
    r"|collaborations?|ever|to)\b"
    # what a person thinks of it: nothing the catalog records ("Adam Sandler's favorite")
    r"|\b[A-Z][\w.'’-]*['’]s? (?:all-time |next |latest |new |top )?(?:favou?rites?|picks?|choices?)\b"
    # a standing among all films ("one of the most acclaimed films of all time")
    r"|\bof all time\b|\ball-time\b|\bone of the (?:most|best|greatest|finest|top)\b|\bgreatest\b"
    r"|\b(?:best|finest) (?:films?|movies?) (?:ever|of)\b"
    # roles inside the story ("Stan Lee returns as Iron Man", "play the main characters") and a
    # place in a series ("a sequel to Goodfellas"): the catalog records neither
    r"|\b(?:returns?|returning|reprises?|reprising|plays?|played|playing|stars?|starring|cast)\s+as\b"
    r"|(?-i:\b[A-Z][\w'’.-]+\s+as\s+(?:the\s+)?[A-Z])"
    r"|\b(?:main|lead|leading|central|title|starring|supporting)\s+(?:characters?|roles?|parts?)\b"
    r"|\bprotagonists?\b|\bin the role of\b|\bthe (?:leads?|hero|villain)\b"
    r"|\b(?:sequel|prequel|follow-up|spin-?off|remake|reboot|installment|instalment|franchise|trilogy)\b",
    re.I,
)
RATING = re.compile(r"\brated\s+(G|PG|PG-13|R|NC-17)\b")
SCORE = re.compile(
    r"\b(?P<n>\d{1,3})\s*(?:%|percent|/\s*100|out of 100| on metacritic| on rotten)|"
    r"\b(?:metacritic|rotten tomatoes|score of|scores?)\D{0,12}(?P<m>\d{1,3})\b",
    re.I,
)
ACCLAIM = re.compile(
    r"\b(?:acclaimed|critics (?:love|adore|praise|rate)|well[- ]reviewed|highly rated|rave reviews|praised"
    r"|critical (?:hit|success|darling)|celebrated)\b",
    re.I,
)
PERFECT = re.compile(r"\b(?:perfect|flawless|top)\s+(?:score|rating|marks)\b|\b100\s*%", re.I)
UNCHECKABLE = re.compile(
    # how popular it is, beyond what the co-occurrence facts say ("a massive hit", "a fan favorite")
    r"\b(?:(?:massive|huge|big|major|smash|instant) (?:hit|success)|fan[- ]favou?rites?|crowd[- ]pleaser"
    r"|(?:lots of|many|countless|millions of) (?:fans|people|viewers)|(?:very|hugely|widely|wildly) popular"
    r"|beloved|widely loved|popular choice)\b|"
    r"\b(?:masterpiece|cult classic|blockbuster|box[- ]office|smash hit|bestsell\w*|best-selling|imdb"
    r"|out of 10|/10|stars? out of|\d(?:\.\d)? stars)\b",
    re.I,
)

STORY_STRONG = re.compile(
    r"\b(?:named|called) [A-Z]|\bwho (?:must|tries|struggles|finds|discovers|falls|learns|sets out|embarks"
    r"|is forced|has to|becomes|gets|wants|decides|is struggling|fights|battles|returns|travels|searches"
    r"|goes|meets|loses|uncovers|plans|teams up)\b|\b(?:a|an) (?:young|old|elderly|teenage|little|troubled"
    r"|struggling|lonely|retired|former|down-on-his-luck) (?:woman|man|girl|boy|couple|family|cop|detective"
    r"|soldier|boxer|writer|student|mother|father|lawyer)\b|\bstruggling with\b|\bsuffering from\b"
    r"|\bon a (?:mission|quest|journey)\b|\b(?:his|her)\b|\btheir (?:lives|journey|quest|friendship)\b"
    # A character who does something: more than any plot topic says ("a man who stalks a woman").
    r"|\b(?:man|woman|men|women|boy|girl|guy|kid|couple|teens?|teenagers?|friends|group)\s+(?:who|that)\b"
    # A film "about" one of its people or films (masked as N): its cast is not its story.
    r"|\babout N\b",
    re.I,
)
STORY_SOFT = re.compile(
    r"\b(?:tells the story|the story of|story about|a story of|follows|following|cent(?:er|re)s on"
    r"|revolves around|is about|about (?:a|an|the|two|three)|set (?:in|on|during|against)|takes place"
    r"|plot|narrative|tale of|chronicles|depicts|portrays|explores|deals with|focuses on|based on"
    r"|true story|inspired by|journey)\b",
    re.I,
)

CAPITAL = re.compile(r"(?<![\w'’.-])[A-Z][a-z][\w'’-]*")
# Capitalised words that name nothing invented: sentence openers, awards, sources, peoples.
FREE_WORDS = set(
    """it its it's this that these those the a an and also like with from for fans people critics
    if you your as at in on of to his her their while both another one here there
    oscar oscars oscar-winning oscar-nominated academy award awards rotten tomatoes metacritic hollywood
    american british english french german italian spanish japanese korean chinese indian mexican
    canadian australian irish scottish russian swedish danish norwegian brazilian european""".split()  # noqa: SIM905
)
