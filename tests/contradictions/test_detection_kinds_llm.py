"""The calibrated judge with the real local model (slow), on fresh invented pairs: a real conflict ranks
above its look-alikes (a paraphrase, the same words with other actors, a compatible statement), and the
look-alikes are not flagged. Relative checks: the confidence is calibrated on the dev set, and these
pairs are not in it."""
import pytest

from retrieval.contradictions.judge import Judge
from retrieval.models import Claim

pytestmark = pytest.mark.slow


def claim(text, speaker, date="2025-05-02"):
    return Claim(id=f"{speaker}:{hash(text) & 0xffffff}", passage_id="p", doc=f"{speaker}.md", source=speaker,
                 speaker=speaker, title="T", start=0, end=len(text), text=text, date=date)


@pytest.fixture(scope="module")
def judge(local_llm_url, tmp_path_factory):
    from retrieval.llm.client import LLMClient
    from retrieval.settings import Settings

    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("d"), llm="remote",
                        llm_base_url=local_llm_url, llm_timeout_s=300, llm_queue_timeout_s=300)
    llm = LLMClient(settings, local_llm_url, settings.llm_model)
    names = {"port": "Port authority", "union": "Dockers' union", "wire": "Wire", "northland": "Northland",
             "southland": "Southland", "board": "Board", "staff": "Staff council"}
    yield Judge(llm, names=lambda s: names.get(s, s), aliases=[("Northland", "northland"), ("Southland", "southland")])
    llm.close()


def test_conflict_outranks_paraphrase_and_paraphrase_is_not_flagged(judge):
    a = claim("The port authority said all cranes at the east terminal were working normally on Friday.", "port")
    conflict = claim("Every crane at the east terminal stood idle on Friday after a power failure.", "union")
    paraphrase = claim("On Friday the east terminal's cranes were all operating as usual, the wire reported.", "wire")
    vc = judge.judge(a, conflict, similarity=0.7)
    vp = judge.judge(a, paraphrase, similarity=0.85)
    assert vc.score > vp.score
    assert vp.label != "contradiction"


def test_different_actors_are_not_flagged(judge):
    a = claim("Northland shelled Southland's border posts on Sunday night.", "wire")
    b = claim("Southland denies shelling Northland's border posts on Sunday night.", "southland")
    assert judge.judge(a, b, similarity=0.9).label != "contradiction"


def test_compatible_statements_are_not_flagged(judge):
    a = claim("The board turned down the full merger, settling instead for a partial alliance.", "board")
    b = claim("Ahead of the merger vote, the staff council raised questions about the cost of integration.", "staff")
    assert judge.judge(a, b, similarity=0.62).label != "contradiction"
