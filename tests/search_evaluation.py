"""The search evaluation set: 30 reviews written for it, and 40 queries a member might type,
each with the review that should come first (tests/bot/test_search_evaluation.py).

The reviews are of real films, in this project's own words, on purpose varied (drama,
horror, animation, documentary, musical, western, war, noir, martial arts...) and on
purpose overlapping: three films about grief, three set in London, two with ghosts, two
that talk about silent cinema, so a query has to be ranked, not merely found. The
queries are typed as members type: keywords, half sentences, questions, names, a typo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.store import Store
from bot.validation import review_from_fields

REVIEWS: list[dict[str, Any]] = [
    {
        "title": "All of Us Strangers",
        "year": 2023,
        "tagline": "A lonely screenwriter finds his parents alive in the house they died in",
        "directors": ["Andrew Haigh"],
        "cast": ["Andrew Scott", "Paul Mescal", "Claire Foy", "Jamie Bell"],
        "genres": ["Drama", "Romance", "Fantasy"],
        "score": 9.1,
        "verdict": "Essential",
        "verdict_text": "A ghost story set in London where the ghosts are the kindest people "
        "in it, and the living are the ones who haunt.",
        "body": "Adam lives almost alone in a new tower block on the edge of London, writing "
        "a script about his childhood and not getting far. A train ride to the suburb he "
        "grew up in brings him to his parents' door, and they are exactly as they were the "
        "winter they died, thirty years ago, younger now than he is. Andrew Scott plays "
        "the son with an openness that is hard to watch, and the conversations he never "
        "got to have, coming out at last to his mother over a kitchen table, carry the "
        "film. Downstairs, a neighbour knocks on his door one night with a bottle and a "
        "question. Haigh shoots the flat and the empty corridors like a dream that is "
        "starting to go wrong, and the last scene stays with you for days.",
    },
    {
        "title": "Aftersun",
        "year": 2022,
        "tagline": "A holiday remembered twenty years later, one camcorder tape at a time",
        "directors": ["Charlotte Wells"],
        "cast": ["Paul Mescal", "Frankie Corio"],
        "genres": ["Drama"],
        "score": 9.0,
        "verdict": "Essential",
        "verdict_text": "A father and daughter on a cheap package holiday; what she could "
        "not see then is the whole film.",
        "body": "Sophie is eleven and on holiday in Turkey with her young father, Calum, who "
        "is fun and patient and, in the gaps the camera catches, somewhere else entirely. "
        "They swim, play pool, argue mildly about a scuba lesson, and sing badly at a "
        "karaoke night. Wells cuts these sunny days against the grown-up Sophie watching "
        "the old camcorder footage, and against a strobe-lit dance floor where the two of "
        "them keep reaching for each other. Nothing is explained and everything is felt. "
        "Mescal gives the father a tenderness that makes his sadness frightening. The "
        "final use of a Queen and Bowie song is as devastating as anything this decade.",
    },
    {
        "title": "Manchester by the Sea",
        "year": 2016,
        "tagline": "A janitor goes home to look after his nephew",
        "directors": ["Kenneth Lonergan"],
        "cast": ["Casey Affleck", "Michelle Williams", "Lucas Hedges"],
        "genres": ["Drama"],
        "score": 8.6,
        "verdict": "Recommended",
        "verdict_text": "The truest film about grief we know, and it isn't a weepie: it is "
        "often very funny, and it refuses every easy consolation.",
        "body": "Lee Chandler fixes toilets in Boston and picks fights in bars. When his "
        "brother dies he drives back to the fishing town he left, and learns he has been "
        "named guardian to his sixteen-year-old nephew, Patrick, who has two girlfriends, a "
        "band and no intention of moving. Lonergan lets the awkward comedy of funeral "
        "arrangements and frozen ground sit right next to a flashback that explains why "
        "Lee cannot stay. Casey Affleck plays a man who has decided not to recover, and the "
        "film respects that. A short scene on a street corner with Michelle Williams is "
        "the best acting of its year.",
    },
    {
        "title": "The Others",
        "year": 2001,
        "tagline": "A mother, two children who must never see daylight, and a house that "
        "will not stay quiet",
        "directors": ["Alejandro Amenábar"],
        "cast": ["Nicole Kidman", "Fionnula Flanagan", "Christopher Eccleston"],
        "genres": ["Horror", "Mystery"],
        "score": 8.0,
        "verdict": "Recommended",
        "verdict_text": "An old-fashioned haunted house chiller with a twist ending that "
        "earns itself.",
        "body": "On Jersey just after the war, Grace keeps her curtains drawn because her "
        "children are allergic to sunlight. Three servants arrive to work at the mansion, "
        "doors that should be locked stand open, and the daughter insists there is a boy "
        "called Victor in the nursery. Amenábar builds the dread out of fog, candles and "
        "silence rather than shocks, and Nicole Kidman is brittle and commanding as a woman "
        "holding a household together by rules. When the truth arrives it changes "
        "everything before it, and a second viewing is just as rewarding as the first.",
    },
    {
        "title": "Paddington 2",
        "year": 2017,
        "tagline": "A bear, a pop-up book and a miscarriage of justice",
        "directors": ["Paul King"],
        "cast": ["Ben Whishaw", "Hugh Grant", "Brendan Gleeson", "Sally Hawkins"],
        "genres": ["Family", "Comedy", "Animation"],
        "score": 9.2,
        "verdict": "Masterpiece",
        "verdict_text": "Kindness as an action genre: the most generous family film in years.",
        "body": "Paddington wants to buy an antique book for his aunt's birthday, takes odd "
        "jobs around Windsor Gardens to afford it, and ends up framed for its theft and "
        "sent to prison. Inside he turns the grim canteen into a tea room with his "
        "marmalade sandwiches and wins over the terrifying cook, Knuckles. Hugh Grant, as "
        "a vain actor in a series of disguises, has never been funnier. London looks like "
        "a storybook, every gag is set up and paid off, and the train chase at the end is "
        "as thrilling as any blockbuster. It made a room full of adults cry.",
    },
    {
        "title": "Heat",
        "year": 1995,
        "tagline": "A master thief and the detective who respects him",
        "directors": ["Michael Mann"],
        "cast": ["Al Pacino", "Robert De Niro", "Val Kilmer"],
        "genres": ["Crime", "Thriller"],
        "score": 9.0,
        "verdict": "Masterpiece",
        "verdict_text": "The great Los Angeles crime epic, about two lonely professionals "
        "who only understand each other.",
        "body": "Neil McCauley runs a disciplined crew that steals bonds, bank cash and "
        "anything that fits the plan, and Vincent Hanna is the detective whose marriage "
        "is falling apart while he chases him. Mann gives both men equal weight and lets "
        "them meet once, over coffee in a diner, in a scene of quiet mutual recognition. "
        "The downtown bank heist that goes wrong ends in a street shootout so loud and "
        "exact that it is still studied. The city at night, blue and endless, is the "
        "third lead.",
    },
    {
        "title": "Arrival",
        "year": 2016,
        "tagline": "Twelve ships land. One linguist is asked to talk to them.",
        "directors": ["Denis Villeneuve"],
        "cast": ["Amy Adams", "Jeremy Renner", "Forest Whitaker"],
        "genres": ["Science Fiction", "Drama"],
        "score": 8.8,
        "verdict": "Essential",
        "verdict_text": "First-contact science fiction where the weapon is language and the "
        "mystery is time.",
        "body": "When alien vessels hover over twelve points on the globe, the army brings "
        "in Louise Banks, a linguist, to work out what the heptapods want. She and a "
        "physicist learn their circular written symbols one word at a time while nations "
        "lose patience. Amy Adams holds the film with a stillness that hides a great deal, "
        "and the memories of her daughter that keep interrupting the work turn out to be "
        "something else entirely. Villeneuve keeps the spectacle hushed and grey, and the "
        "revelation about how the aliens see time lands as grief and acceptance at once.",
    },
    {
        "title": "Spirited Away",
        "year": 2001,
        "tagline": "A girl must work in a bathhouse for spirits to save her parents",
        "directors": ["Hayao Miyazaki"],
        "cast": ["Rumi Hiiragi", "Miyu Irino"],
        "genres": ["Animation", "Fantasy", "Family"],
        "score": 9.4,
        "verdict": "Masterpiece",
        "verdict_text": "Miyazaki's richest world: every corner of it is alive, strange and "
        "generous.",
        "body": "Chihiro is sulking in the back of the car when her family takes a wrong "
        "turn into an abandoned theme park. Her parents eat from a food stall and turn "
        "into pigs, and she is left to find work at a towering bathhouse run by the witch "
        "Yubaba, where gods and spirits come to soak. The animation is hand drawn and "
        "bursting with detail: a radish spirit in the lift, soot sprites hauling coal, a "
        "train that runs across a flooded plain. Chihiro grows up without a single speech "
        "about growing up. No Face, lonely and hungry, is one of cinema's great creations.",
    },
    {
        "title": "Free Solo",
        "year": 2018,
        "tagline": "Three thousand feet of granite, and no rope",
        "directors": ["Jimmy Chin", "Elizabeth Chai Vasarhelyi"],
        "cast": ["Alex Honnold"],
        "genres": ["Documentary"],
        "score": 8.4,
        "verdict": "Recommended",
        "verdict_text": "A climbing documentary that makes your palms sweat and asks what "
        "the film crew owes the man they are filming.",
        "body": "Alex Honnold plans to climb El Capitan in Yosemite without a rope or any "
        "protection, and a team of climbers turned cameramen must decide whether filming "
        "him makes a fall more likely. We see him rehearse every move for months, sleep in "
        "a van, and explain his fear with unsettling calm to a girlfriend who is trying to "
        "understand. The final ascent is shot from impossible angles and is nearly "
        "unbearable to watch even when you know the outcome. The directors never hide "
        "their own anxiety, which makes it a film about responsibility as much as rock.",
    },
    {
        "title": "Portrait of a Lady on Fire",
        "year": 2019,
        "tagline": "A painter, an island, and a portrait that must be made in secret",
        "directors": ["Céline Sciamma"],
        "cast": ["Noémie Merlant", "Adèle Haenel"],
        "genres": ["Romance", "Drama"],
        "score": 9.0,
        "verdict": "Essential",
        "verdict_text": "A romance built entirely out of looking, with an ending that is "
        "all in one face.",
        "body": "In the eighteenth century Marianne travels to a remote island in Brittany "
        "to paint Héloïse for her wedding, without Héloïse knowing, since she refuses to "
        "sit for suitors. So Marianne walks beside her on the cliffs by day and paints "
        "from memory at night. Sciamma films the wind, the fire in the grate and the sea "
        "with a painter's patience, and the love that grows between the two women is told "
        "through glances, a borrowed book and the myth of Orpheus read aloud in the "
        "kitchen. There is almost no music, which makes the two times it appears "
        "overwhelming.",
    },
    {
        "title": "The Babadook",
        "year": 2014,
        "tagline": "If it's in a word or it's in a look, you can't get rid of it",
        "directors": ["Jennifer Kent"],
        "cast": ["Essie Davis", "Noah Wiseman"],
        "genres": ["Horror", "Drama"],
        "score": 8.1,
        "verdict": "Recommended",
        "verdict_text": "A horror film where the monster is grief, and it will not leave "
        "the house.",
        "body": "Amelia is raising her son Samuel alone, years after her husband died "
        "driving her to the hospital to give birth. Samuel is difficult and afraid, and "
        "when a pop-up book called Mister Babadook appears on his shelf, the fear "
        "spreads to her. Kent keeps the house dark and the sound design sharp, and Essie "
        "Davis is extraordinary as a mother worn down to nothing. The creature in the top "
        "hat is scary, but what the film is really about, the sorrow nobody would let her "
        "feel, is scarier, and its unusual ending understands that it never goes away.",
    },
    {
        "title": "Singin' in the Rain",
        "year": 1952,
        "tagline": "Hollywood, 1927: the movies learn to talk",
        "directors": ["Gene Kelly", "Stanley Donen"],
        "cast": ["Gene Kelly", "Debbie Reynolds", "Donald O'Connor", "Jean Hagen"],
        "genres": ["Musical", "Comedy", "Romance"],
        "score": 9.3,
        "verdict": "Masterpiece",
        "verdict_text": "The happiest musical ever made, and a sharp comedy about the "
        "arrival of sound.",
        "body": "Don Lockwood is a star of silent films whose studio panics when talking "
        "pictures arrive, and his glamorous co-star has a voice that could strip paint. The "
        "answer is to dub her with a chorus girl, Kathy, whom Don is falling for. The "
        "jokes about microphones hidden in corsages are still funny, and Jean Hagen steals "
        "every scene. Then there are the numbers: Donald O'Connor running up walls, the "
        "three of them tap dancing at breakfast, and Kelly dancing in the rain down an "
        "empty street, the purest expression of joy the movies have.",
    },
    {
        "title": "Unforgiven",
        "year": 1992,
        "tagline": "An old gunslinger takes one last job",
        "directors": ["Clint Eastwood"],
        "cast": ["Clint Eastwood", "Gene Hackman", "Morgan Freeman"],
        "genres": ["Western"],
        "score": 9.0,
        "verdict": "Essential",
        "verdict_text": "The western that buried the legend of the gunfighter, and did it "
        "with great craft.",
        "body": "William Munny was a killer once and is now a widowed pig farmer failing "
        "to raise two children. A bounty on two cowboys who cut up a woman in Big Whiskey "
        "draws him back out with his old partner and a short-sighted young braggart. "
        "Gene Hackman's sheriff, building his own crooked house, enforces order with a "
        "brutality that looks like justice. Eastwood strips the violence of all glory: "
        "killing is slow, clumsy and sickening, and the stories people tell about it "
        "afterwards are lies. The final rain-soaked saloon scene is terrifying.",
    },
    {
        "title": "1917",
        "year": 2019,
        "tagline": "Two soldiers, one message, and no time",
        "directors": ["Sam Mendes"],
        "cast": ["George MacKay", "Dean-Charles Chapman", "Mark Strong"],
        "genres": ["War", "Drama"],
        "score": 8.2,
        "verdict": "Recommended",
        "verdict_text": "A war film staged as one unbroken shot through the trenches of "
        "the First World War.",
        "body": "Two young British lance corporals are ordered to cross no man's land and "
        "deliver a message that will call off an attack, or sixteen hundred men will walk "
        "into a trap. The camera never seems to cut, following them through barbed wire, "
        "a collapsing German dugout, a burning town at night and a river in flood. The "
        "technique could have been a stunt, but it makes the distance physical and every "
        "minute count. The cinematography is astonishing, even if the characters are "
        "thinner than the journey.",
    },
    {
        "title": "Groundhog Day",
        "year": 1993,
        "tagline": "A weatherman wakes up to the same day, again and again",
        "directors": ["Harold Ramis"],
        "cast": ["Bill Murray", "Andie MacDowell", "Chris Elliott"],
        "genres": ["Comedy", "Romance", "Fantasy"],
        "score": 8.7,
        "verdict": "Essential",
        "verdict_text": "The time loop comedy every other time loop borrows from, funny and "
        "wise in equal measure.",
        "body": "Phil Connors, a sour television weatherman, is sent to Punxsutawney to "
        "cover the groundhog festival, and wakes the next morning to the same song on the "
        "clock radio. The day repeats, and repeats. He robs a van, seduces strangers, "
        "tries to die in every way he can think of, and finally starts learning the piano "
        "and the names of everyone in town. Bill Murray's deadpan carries the film from "
        "cruelty to grace without a false step. It is a comedy that turns out to be about "
        "how to live.",
    },
    {
        "title": "12 Angry Men",
        "year": 1957,
        "tagline": "One room, twelve jurors, one doubt",
        "directors": ["Sidney Lumet"],
        "cast": ["Henry Fonda", "Lee J. Cobb", "Ed Begley"],
        "genres": ["Drama", "Crime"],
        "score": 9.0,
        "verdict": "Essential",
        "verdict_text": "A courtroom drama that never enters the courtroom: all argument, "
        "all tension, in a hot jury room.",
        "body": "A teenager is on trial for murder, and eleven of the jurors want to vote "
        "guilty and go home. Juror number eight is not sure. Over one sweltering afternoon "
        "the evidence is taken apart piece by piece, the switchblade, the old man's "
        "testimony, the woman across the tracks who needed glasses. Lumet slowly lowers the "
        "camera and tightens the lenses until the walls seem to close in. Henry Fonda is "
        "decency itself, and Lee J. Cobb's final outburst reveals what he was really "
        "arguing about.",
    },
    {
        "title": "Rocky",
        "year": 1976,
        "tagline": "A small-time boxer gets a shot at the title",
        "directors": ["John G. Avildsen"],
        "cast": ["Sylvester Stallone", "Talia Shire", "Burgess Meredith"],
        "genres": ["Sports", "Drama"],
        "score": 8.1,
        "verdict": "Recommended",
        "verdict_text": "The underdog sports film at its most sincere, and far gentler than "
        "its sequels.",
        "body": "Rocky Balboa collects debts for a loan shark in Philadelphia and fights "
        "in clubs for pocket money. When the heavyweight champion needs a publicity stunt "
        "opponent, he picks him from a list because of his nickname. The boxing is almost "
        "the least of it: the film is about a shy courtship with Adrian in the pet shop, "
        "an ice rink after closing, and a man who only wants to go the distance. The "
        "training montage up the museum steps earned its fame. Stallone wrote a modest, "
        "warm film about dignity.",
    },
    {
        "title": "Lady Bird",
        "year": 2017,
        "tagline": "A senior year in Sacramento, and a mother who knows her too well",
        "directors": ["Greta Gerwig"],
        "cast": ["Saoirse Ronan", "Laurie Metcalf", "Lucas Hedges"],
        "genres": ["Comedy", "Drama"],
        "score": 8.5,
        "verdict": "Recommended",
        "verdict_text": "A coming of age comedy whose real love story is between a mother "
        "and daughter.",
        "body": "Christine, who insists on being called Lady Bird, is in her last year at a "
        "Catholic school in Sacramento and wants to go to college in New York, anywhere "
        "with culture. Her mother, a nurse working double shifts, wants her to be "
        "realistic. They fight in the car, in the thrift store and at the dress fitting, "
        "and can't stop loving each other. Gerwig fills the year with first boyfriends, a "
        "school musical and a prom, but the sharpest scenes are between Saoirse Ronan and "
        "Laurie Metcalf, both superb.",
    },
    {
        "title": "Chinatown",
        "year": 1974,
        "tagline": "A private eye takes a case about adultery and finds a city built on water",
        "directors": ["Roman Polanski"],
        "cast": ["Jack Nicholson", "Faye Dunaway", "John Huston"],
        "genres": ["Crime", "Mystery", "Noir"],
        "score": 9.1,
        "verdict": "Masterpiece",
        "verdict_text": "The great seventies noir: a detective story about water rights "
        "that becomes a story about power.",
        "body": "J.J. Gittes makes a comfortable living photographing cheating husbands in "
        "1930s Los Angeles. A woman hires him to follow the chief engineer of the water "
        "department, and soon the engineer is found drowned in a reservoir during a "
        "drought. Nicholson's cocky detective keeps getting his nose cut, literally, as "
        "he uncovers a scheme to divert water and buy up the valley. Faye Dunaway's "
        "Evelyn Mulwray hides a secret that the film reveals with terrible calm. The "
        "ending is one of the bleakest in Hollywood.",
    },
    {
        "title": "Parasite",
        "year": 2019,
        "tagline": "A poor family works its way, one by one, into a rich household",
        "directors": ["Bong Joon-ho"],
        "cast": ["Song Kang-ho", "Cho Yeo-jeong", "Choi Woo-shik", "Park So-dam"],
        "genres": ["Thriller", "Comedy", "Drama"],
        "score": 9.3,
        "verdict": "Masterpiece",
        "verdict_text": "A class satire that turns into a thriller and then into a "
        "tragedy, all under one architect's roof.",
        "body": "The Kims live in a half-basement in Seoul, folding pizza boxes for cash. "
        "When the son is hired to tutor the daughter of the wealthy Park family, he finds "
        "ways to get his sister, father and mother hired too, each under a false identity. "
        "The con is hilarious until a stormy night reveals that the beautiful house has "
        "another secret below its basement. Bong moves between comedy and horror with "
        "total control, and the flood that washes the poor family's home away while the "
        "rich enjoy the clean air after the rain says everything about smell, stairs and "
        "class.",
    },
    {
        "title": "Sunrise",
        "year": 1927,
        "tagline": "A song of two humans",
        "directors": ["F. W. Murnau"],
        "cast": ["George O'Brien", "Janet Gaynor"],
        "genres": ["Drama", "Romance"],
        "score": 9.0,
        "verdict": "Essential",
        "verdict_text": "The summit of silent film: a simple fable told with images so "
        "expressive that words would only get in the way.",
        "body": "A farmer, bewitched by a woman from the city, plans to drown his wife on a "
        "trip across the lake. He cannot do it, she flees from him in terror, and the two "
        "of them end up in the city, where over one long day they fall in love again at a "
        "wedding, a barber's shop and a fairground. Murnau's camera glides through "
        "marshes and crowded streets as if it had no weight, with superimpositions that "
        "show what the characters feel. Janet Gaynor's performance is luminous. The storm "
        "on the way home is still frightening.",
    },
    {
        "title": "Crouching Tiger, Hidden Dragon",
        "year": 2000,
        "tagline": "A stolen sword, two warriors who never said what they felt, and a "
        "young noblewoman who wants freedom",
        "directors": ["Ang Lee"],
        "cast": ["Chow Yun-fat", "Michelle Yeoh", "Zhang Ziyi"],
        "genres": ["Martial Arts", "Romance", "Action"],
        "score": 8.9,
        "verdict": "Essential",
        "verdict_text": "A martial arts romance of rare grace, where fighting is a form of "
        "longing.",
        "body": "When the legendary Green Destiny sword is stolen in Beijing, the warrior Li "
        "Mu Bai and the security chief Yu Shu Lien, who have loved each other silently for "
        "years, follow the trail to a governor's daughter, Jen, who has secretly trained "
        "in forbidden techniques. The fights, choreographed by Yuen Woo-ping, seem to "
        "float: across rooftops, up walls, and on the swaying tops of a bamboo forest. "
        "Michelle Yeoh brings weight and sorrow to every scene, and Zhang Ziyi is "
        "thrilling as a girl who will not be owned.",
    },
    {
        "title": "Gravity",
        "year": 2013,
        "tagline": "Adrift above the earth, with the air running out",
        "directors": ["Alfonso Cuarón"],
        "cast": ["Sandra Bullock", "George Clooney"],
        "genres": ["Science Fiction", "Thriller"],
        "score": 8.0,
        "verdict": "Recommended",
        "verdict_text": "A survival thriller in orbit, made for the biggest screen you can find.",
        "body": "A medical engineer on her first space mission is repairing a telescope "
        "when a cloud of debris tears the shuttle apart. Untethered, tumbling and short of "
        "oxygen, she and a veteran astronaut must get to the space station, and then to "
        "another. Cuarón's long, weightless takes make the vastness dizzying and the "
        "silence terrifying. Sandra Bullock carries most of the film alone, and the story "
        "of the daughter she lost gives the struggle to survive its meaning. The dialogue "
        "is thin, the spectacle overwhelming.",
    },
    {
        "title": "Children of Men",
        "year": 2006,
        "tagline": "No child has been born for eighteen years",
        "directors": ["Alfonso Cuarón"],
        "cast": ["Clive Owen", "Julianne Moore", "Michael Caine"],
        "genres": ["Science Fiction", "Thriller", "Drama"],
        "score": 9.0,
        "verdict": "Essential",
        "verdict_text": "The most convincing dystopia on film, shot in long takes through "
        "a London falling apart.",
        "body": "In 2027 humanity has become infertile, and Britain, the last country "
        "still functioning, has turned into a police state that cages refugees. Theo, a "
        "burned-out civil servant, is paid by his former wife to escort a young woman "
        "across the country, and discovers that she is pregnant. Cuarón stages the chaos "
        "in astonishing unbroken shots: an ambush on a country road, a birth, a battle in "
        "a refugee camp where blood spatters the lens. The grey, rubbish-strewn London "
        "looks uncomfortably close to the real one. Michael Caine is a delight as an old "
        "hippie.",
    },
    {
        "title": "Amadeus",
        "year": 1984,
        "tagline": "The man who murdered Mozart, or says he did",
        "directors": ["Miloš Forman"],
        "cast": ["F. Murray Abraham", "Tom Hulce", "Elizabeth Berridge"],
        "genres": ["Drama", "Music", "Biography"],
        "score": 8.9,
        "verdict": "Essential",
        "verdict_text": "A costume drama about genius and envy, told by the composer who "
        "could hear exactly how much better Mozart was.",
        "body": "Antonio Salieri, old and confined to an asylum, confesses to a young priest "
        "how he destroyed Wolfgang Amadeus Mozart. As court composer in Vienna he had "
        "everything he prayed for until a giggling, vulgar young man arrived whose music "
        "sounded like the voice of God. His jealousy turns into a war against heaven. F. "
        "Murray Abraham makes Salieri funny, pitiable and monstrous, and the scene of "
        "Mozart dictating the Requiem from his sickbed while Salieri struggles to keep up "
        "is the best depiction of composition on screen.",
    },
    {
        "title": "Ratatouille",
        "year": 2007,
        "tagline": "A rat with a gift for cooking, in the finest kitchen in Paris",
        "directors": ["Brad Bird"],
        "cast": ["Patton Oswalt", "Lou Romano", "Peter O'Toole"],
        "genres": ["Animation", "Family", "Comedy"],
        "score": 8.8,
        "verdict": "Essential",
        "verdict_text": "Pixar's love letter to food, craft and criticism, as delicious as "
        "the dish it is named for.",
        "body": "Remy is a rat with an exquisite sense of smell who dreams of cooking like "
        "his hero, the late chef Gusteau. Washed into the sewers of Paris, he ends up in "
        "Gusteau's restaurant, steering a clumsy garbage boy named Linguini by pulling "
        "his hair under his toque. The kitchen scenes are a ballet of knives and steam. "
        "The finest moment belongs to the feared critic Anton Ego, whose first bite of a "
        "humble peasant stew sends him back to his childhood, and whose final review is a "
        "moving defence of new talent.",
    },
    {
        "title": "Paris, Texas",
        "year": 1984,
        "tagline": "A man walks out of the desert after four years",
        "directors": ["Wim Wenders"],
        "cast": ["Harry Dean Stanton", "Nastassja Kinski", "Dean Stockwell"],
        "genres": ["Drama", "Road Movie"],
        "score": 8.9,
        "verdict": "Essential",
        "verdict_text": "A road movie across the American southwest that ends in one of "
        "the great monologues.",
        "body": "Travis wanders out of the Texas desert, silent and half dead, and his "
        "brother drives from Los Angeles to collect him. Slowly he reconnects with the son "
        "he abandoned, and the two of them set off on the highway to find the boy's "
        "mother, Jane. Robby Müller photographs the motels, freeways and neon in colours "
        "that feel both beautiful and lonely, and Ry Cooder's slide guitar aches under "
        "everything. The long scene in a peep show booth, where Travis tells Jane their "
        "story through a one-way mirror, is almost unbearably sad.",
    },
    {
        "title": "Jaws",
        "year": 1975,
        "tagline": "A beach town, a summer season, and a great white shark",
        "directors": ["Steven Spielberg"],
        "cast": ["Roy Scheider", "Robert Shaw", "Richard Dreyfuss"],
        "genres": ["Thriller", "Adventure", "Horror"],
        "score": 9.0,
        "verdict": "Masterpiece",
        "verdict_text": "The first summer blockbuster and still the best monster movie on "
        "the water.",
        "body": "A police chief who is afraid of the water has to close the beaches of "
        "Amity Island when a swimmer is killed, and the mayor refuses because it is the "
        "Fourth of July. After more deaths he goes to sea with a young oceanographer and a "
        "grizzled fisherman to hunt the animal. Spielberg keeps the mechanical creature "
        "hidden for most of the film, and the music does the work. The second half, "
        "three men on a small boat drinking and comparing scars, is great cinema, and "
        "Robert Shaw's speech about the Indianapolis is unforgettable.",
    },
    {
        "title": "All the President's Men",
        "year": 1976,
        "tagline": "Two reporters follow the money from a burglary to the White House",
        "directors": ["Alan J. Pakula"],
        "cast": ["Robert Redford", "Dustin Hoffman", "Jason Robards"],
        "genres": ["Drama", "Thriller", "History"],
        "score": 8.8,
        "verdict": "Essential",
        "verdict_text": "The finest film about journalism: a political thriller made of "
        "phone calls, notebooks and doorsteps.",
        "body": "Bob Woodward and Carl Bernstein, two junior reporters at the Washington "
        "Post, are assigned a minor break-in at the Watergate building and begin pulling "
        "at a thread that leads to the re-election committee and finally to the president. "
        "Pakula makes the legwork gripping: hundreds of index cards at the Library of "
        "Congress, sources who hang up, an informant in an underground car park who only "
        "says to follow the money. Redford and Hoffman are perfectly matched, and the "
        "newsroom, vast and bright, hums with tension.",
    },
    {
        "title": "Searching for Bobby Fischer",
        "year": 1993,
        "tagline": "A seven-year-old chess prodigy, and the adults who want him to win",
        "directors": ["Steven Zaillian"],
        "cast": ["Max Pomeranc", "Joe Mantegna", "Ben Kingsley", "Laurence Fishburne"],
        "genres": ["Drama", "Family"],
        "score": 8.3,
        "verdict": "Recommended",
        "verdict_text": "A gentle drama about a gifted child, and about whether winning is "
        "worth becoming someone unkind.",
        "body": "Josh Waitzkin learns chess by watching the hustlers play speed games in "
        "Washington Square Park, and turns out to be a prodigy. His father hires a strict "
        "teacher who wants him to study the classics and despise his opponents, while "
        "the park's best player, Vinnie, teaches him to attack and enjoy it. The "
        "tournaments, full of anxious parents pacing outside, are filmed like sporting "
        "events. The film's heart is Josh's decency: in the final game he offers a draw to "
        "a rival, and his mother's fierce protection of his childhood is moving.",
    },
]

# (what a member types, the title that should come first)
QUERIES: list[tuple[str, str]] = [
    ("anything about grief that isn't a weepie", "Manchester by the Sea"),
    ("a ghost story set in London", "All of Us Strangers"),
    ("what did we say about Andrew Scott?", "All of Us Strangers"),
    ("kindness", "Paddington 2"),
    ("los angeles", "Heat"),
    ("aliens language", "Arrival"),
    ("lingiust", "Arrival"),  # a typo
    ("climbing without a rope", "Free Solo"),
    ("haunted house", "The Others"),
    ("painter on an island", "Portrait of a Lady on Fire"),
    ("celine sciamma", "Portrait of a Lady on Fire"),
    ("grief horror", "The Babadook"),
    ("pop-up book", "The Babadook"),
    ("musical about the arrival of sound", "Singin' in the Rain"),
    ("rain", "Singin' in the Rain"),
    ("old gunslinger", "Unforgiven"),
    ("war film", "1917"),
    ("time loop", "Groundhog Day"),
    ("same day over and over", "Groundhog Day"),
    ("courtroom drama", "12 Angry Men"),
    ("boxing underdog", "Rocky"),
    ("mother and daughter in sacramento", "Lady Bird"),
    ("water", "Chinatown"),
    ("rich family basement", "Parasite"),
    ("silent film", "Sunrise"),
    ("martial arts in a bamboo forest", "Crouching Tiger, Hidden Dragon"),
    ("michelle yeoh", "Crouching Tiger, Hidden Dragon"),
    ("cuaron long takes", "Children of Men"),
    ("dystopia london", "Children of Men"),
    ("astronaut adrift in space", "Gravity"),
    ("jealousy", "Amadeus"),
    ("road movie across america", "Paris, Texas"),
    ("rat who cooks", "Ratatouille"),
    ("food critic", "Ratatouille"),
    ("sea", "Manchester by the Sea"),
    ("shark", "Jaws"),
    ("watergate reporters", "All the President's Men"),
    ("chess prodigy", "Searching for Bobby Fischer"),
    ("father and daughter on holiday", "Aftersun"),
    ("miyazaki bathhouse", "Spirited Away"),
]


@dataclass(frozen=True, slots=True)
class Ranked:
    query: str
    expected: str
    top: tuple[str, ...]  # the first three titles found

    @property
    def first(self) -> bool:
        return self.top[:1] == (self.expected,)

    @property
    def in_top3(self) -> bool:
        return self.expected in self.top


async def evaluate(store: Store) -> list[Ranked]:
    """Load the set into the empty ``store`` and rank every query."""
    await store.writes.import_reviews(
        [review_from_fields(fields) for fields in REVIEWS], actor_id=None
    )
    ranked = []
    for query, expected in QUERIES:
        page = await store.search.search(query, guild_id=None, page_size=3)
        ranked.append(Ranked(query, expected, tuple(hit.review.title for hit in page.hits)))
    return ranked


def summary(engine: str, ranked: list[Ranked]) -> str:
    first = sum(result.first for result in ranked)
    top3 = sum(result.in_top3 for result in ranked)
    return f"{engine}: {first}/{len(ranked)} first, {top3}/{len(ranked)} in the top 3"
