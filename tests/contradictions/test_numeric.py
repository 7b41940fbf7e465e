"""Deterministic quantity and date conflict checks: no model involved."""
import pytest

from retrieval.contradictions.numeric import find_conflict
from retrieval.contradictions.quantities import extract_quantities

CONFLICTS = [
    ("Additionally, 23 injured Ukrainian servicemen will be handed over.",
     "Russia will hand over 22 wounded Ukrainian soldiers."),
    ("Russia will hand over twenty two wounded soldiers.",
     "Additionally, 23 injured Ukrainian servicemen will be handed over."),
    ("Putin spoke after the frank 90-minute phone call ended.", "The phone call lasted two and a half hours."),
    ("The call took place on March 18.", "The call took place on 25 March."),
    ("Slovyansk, a city of 100,000 people, lost power.", "Slovyansk, a city of fifty thousand residents, lost power."),
    ("The exchange will take place on Wednesday.", "The prisoner exchange took place on Thursday."),
    ("The ferry left port shortly after 7 a.m.", "The ferry left port at 09:40."),
    ("The train left 35 minutes behind schedule.", "The train departed two hours behind schedule."),
    # a qualified part larger than its whole cannot both hold
    ("All 40 passengers on the ferry died when it sank.", "Among the dead were 55 foreign passengers, the ferry "
     "company said."),
    # a part of a group ("five of its fishermen") counted under the same condition as a plain count
    ("Two fishermen from the trawler were injured in the collision, the coastguard said.",
     "The owner said five of its fishermen had been hurt when the tanker struck the trawler."),
    ("Four police officers were wounded in the clashes, the ministry said.",
     "Half a dozen of our officers were injured in the clashes, the police union said."),
    # a time of day with p.m. against the 24-hour clock
    ("The fire alarm at the plant sounded at 3:40 p.m.", "The fire alarm at the plant sounded at 17:05."),
    # a death toll against a count of the killed; a vague count; a share in words
    ("The death toll from the mudslide in Ostrava Gorge stands at 21, the governor said.",
     "Sixteen people were killed by the mudslide in Ostrava Gorge, the army said."),
    ("Dozens of miners were trapped underground at the Selk colliery, the union said.",
     "Nine miners were trapped underground at the Selk colliery, the company said."),
    ("A third of the ballots in Lorn district were spoiled, monitors said.",
     "Ten percent of the ballots in Lorn district were spoiled, the commission said."),
    # a time with a dot, and midnight; money in words; a distance in nautical miles
    ("The tanker ran aground at 4.15 a.m. off the Tarsk lighthouse.", "The tanker ran aground just after midnight "
     "off the Tarsk lighthouse."),
    ("The insurers put the claim for the warehouse fire at $2 million, the broker said.",
     "The claim for the warehouse fire was put at eight million dollars by the insurers."),
    # a value one side denies that the other states
    ("The council denied that 400 homes had been flooded in Varna, saying only 90 were affected.",
     "Some 400 homes were flooded in Varna, the relief agency said."),
]
CONSISTENT = [
    ("Additionally, 23 injured Ukrainian servicemen will be handed over.",
     "Russia will return twenty-three wounded Ukrainian soldiers."),
    ("Putin spoke after the frank 90-minute phone call ended.", "The phone call lasted an hour and a half."),
    ("Putin made Trump wait for more than an hour to talk.", "The call lasted 90 minutes."),
    ("The call took place on March 18, 2025.", "On 18 March the two leaders spoke by phone."),
    ("A prisoner exchange will take place on Wednesday, through which 175 Russians and 175 Ukrainians "
     "will be released.", "Additionally, 23 injured Ukrainian servicemen will be handed over."),
    ("Putin agreed to a 30-day pause in attacks on energy.", "The frank 90-minute phone call ended."),
    ("Slovyansk, a city of 100,000 people.", "Slovyansk, home to about 105,000 residents."),
    # a qualifier widens a fraction as it does a number
    ("The second shell landed 20 seconds after the first.", "The second shell hit the bridge less than half a "
     "minute after the first."),
    # a time of day, not a count of "a.m." or "12 local time"; "shortly after" widens it
    ("The ferry left port shortly after 7 a.m. local time.", "The ferry sailed at 07:20 local time."),
    # "passengers and crew" is a total, not a count of passengers
    ("The bus was carrying 41 passengers and two drivers.", "All 43 passengers and crew on the bus survived."),
    # counts of one noun about different groups: nothing else in common
    ("In all, 90 people on the train had been travelling to the coast.",
     "Among the 120 people who were injured were 12 children."),
    # a delay and a time elapsed are different durations
    ("The train left the station 35 minutes behind schedule.",
     "The brakes of the train failed about four minutes into the journey."),
    # a qualified part of a whole, no larger than it, is a second figure, not another count of the whole
    ("All 212 passengers on the ferry died when it sank near the island.",
     "Among the dead were 35 foreign passengers, the ferry company said."),
    # a day shared only through one word: not known to be the same event
    ("The envoy arrived in Vienna on Friday for talks.", "The talks will resume on Monday in Geneva."),
    # one moment on two clocks, or in two time zones
    ("The fire alarm at the plant sounded at 3:40 p.m.", "The fire alarm at the plant sounded at 15:40."),
    ("The blast at the depot was recorded at 21:22 local time.", "The blast at the depot was recorded at 18:22 GMT."),
    # the same unit of different cargoes; one length in two units, rounded
    ("The tanker Nordvik was carrying 80,000 tonnes of crude oil.", "The tanker Sea Lark was carrying 30,000 tonnes "
     "of diesel."),
    ("The tower, a 300-foot landmark, was evacuated.", "The 91-metre tower was evacuated."),
    # groups set apart by what happened to them, or as a part of a larger count
    ("Five Georgian border guards were injured in the exchange of fire.",
     "The 17 Georgian border guards detained at the crossing were released on Friday."),
    ("Norway will expel 12 Belarusian diplomats, the foreign minister said.",
     "Among them were 40 Belarusian diplomats ordered out by Poland."),
    # the day a statement was made, or a period's bound, is not the day of the event
    ("The reactor at the plant was shut down, inspectors said on Friday.",
     "The reactor at the plant was shut down, the operator said on Sunday."),
    ("Russian strikes on energy facilities have continued since Tuesday.",
     "A Russian strike hit energy facilities on Thursday."),
    # a span a superlative is measured over; times since one event to two others
    ("It was the largest evacuation of the city in forty years.",
     "Residents were told the evacuation of the city would last three weeks."),
    ("The ministry admitted responsibility two days after the explosion.",
     "The inquiry published its findings eleven months after the explosion."),
    # a toll that rose over the day; a superseded first figure; a range holding the other value
    ("By noon, eight people had been killed in the Ostrava Gorge mudslide, the governor said.",
     "By evening the governor had raised the death toll from the Ostrava Gorge mudslide to 21."),
    ("Officials corrected the initial figure of 60 dead, saying 21 people had died in the mudslide.",
     "Twenty-one people died in the Ostrava Gorge mudslide, officials said."),
    ("Between 30 and 50 miners were trapped underground at the Selk colliery, the union said.",
     "Forty-two miners were trapped underground at the Selk colliery, the company said."),
    # two vague counts; a half in words; counts of two named groups
    ("Dozens of people were hurt in the crush at the Varna stadium gates.",
     "Hundreds of people were hurt in the crush at the Varna stadium gates, fans said."),
    ("The ransom demanded for the engineers was half a million euros.",
     "The kidnappers demanded a ransom of 500,000 euros for the engineers."),
    ("Moscow expelled 60 Estonian diplomats in retaliation for the expulsions.",
     "Tallinn's expulsion of 25 Russian diplomats was the largest in years."),
]


@pytest.mark.parametrize("a,b", CONFLICTS)
def test_conflicts_are_caught(a, b):
    c = find_conflict(a, b)
    assert c is not None, (a, b)
    assert c.a in a and c.b in b
    assert find_conflict(b, a) is not None


@pytest.mark.parametrize("a,b", CONSISTENT)
def test_consistent_statements_pass(a, b):
    assert find_conflict(a, b) is None


def test_number_words_and_units():
    qs = {q.surface: q for q in extract_quantities(
        "two and a half hours, twenty-three wounded, 1.5 million people, 45 percent, a dozen drones")}
    assert qs["two and a half hours"].low == 150
    assert qs["twenty-three wounded"].low == 23
    assert qs["1.5 million people"].low == 1_500_000
    assert qs["45 percent"].kind == "percent"
    assert qs["a dozen drones"].low == 12


def test_a_part_of_them_is_no_count_of_its_own():
    assert [q.surface for q in extract_quantities("Six of its sailors were wounded, two of them seriously.")] == \
        ["Six of its sailors"]
    assert find_conflict("At least 58 people, including 11 children, were killed.",
                         "Nine civilians, four of them children, were killed.") is None


def test_years_are_not_counts():
    assert find_conflict("In 2024 the talks failed.", "In 2025 the talks failed.") is None


def test_date_followed_by_comma():
    assert find_conflict("They spoke by telephone on March 18.",
                         "They spoke by telephone on March 25, according to the agency.") is not None
