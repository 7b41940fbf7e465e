"""Server mode: ANALYST_CHROMA_URL against a real `chroma run` process on loopback."""
import pytest

from retrieval.errors import StoreUnavailableError
from tests.conftest import free_port

pytestmark = pytest.mark.server


def test_index_and_search_against_chroma_server(make_settings, chroma_server):
    from retrieval.service import Analyst

    url, stop, start = chroma_server
    svc = Analyst(make_settings(chroma_url=url))
    r = svc.index()
    assert r.added == 1 and r.passages > 20
    assert not (svc.settings.data_dir / "chroma").exists()  # nothing embedded: it all went to the server
    assert "23 injured" in svc.search("injured servicemen handed over")[0].passage.text

    # data survives a server restart, and a new client reopens the collection
    stop()
    start()
    svc2 = Analyst(make_settings(chroma_url=url))
    assert svc2.store.count() == r.passages
    assert svc2.index().unchanged == 1


def test_unreachable_server_is_one_clear_error(make_settings):
    from retrieval.service import Analyst

    url = f"http://user:s3cret@127.0.0.1:{free_port()}"
    svc = Analyst(make_settings(chroma_url=url))
    with pytest.raises(StoreUnavailableError) as exc:
        svc.index()
    assert f"Chroma server at http://127.0.0.1:{url.rsplit(':', 1)[1]} is unreachable" in str(exc.value)
    assert "s3cret" not in str(exc.value)
