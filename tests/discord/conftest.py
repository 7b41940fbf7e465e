"""Fixtures for driving the real bot through simcord (an in-process fake of Discord's API and
gateway; discord.py itself runs unmodified) against the real service: a temp data dir, a copy of
the seed corpus indexed once per session into real Chroma with the real embedder, ANALYST_LLM=none
(extractive answers) unless a test asks for the local model."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest
import pytest_asyncio
import simcord

from bot.discord.app import AnalystBot
from retrieval.models import Claim
from retrieval.service import Analyst
from retrieval.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEV_GUILD_ID = 1_111_111_111_111_111_111
ADMIN_ROLE = "Analyst Admin"


def bot_settings_for(base: Path, **overrides) -> Settings:
    values = dict(data_dir=base / "data", corpus_dir=base / "corpus", llm="none", cooldown_s=0,
                  dev_guild_id=DEV_GUILD_ID, admin_role=ADMIN_ROLE, timezone="UTC")
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
def seed_template(tmp_path_factory) -> Path:
    """A data dir with the seed corpus indexed (real Chroma, real MiniLM), built once."""
    base = tmp_path_factory.mktemp("seed")
    shutil.copytree(ROOT / "corpus", base / "corpus")
    service = Analyst(bot_settings_for(base))
    service.index()
    service.close()
    return base


@pytest.fixture
def workdir(seed_template, tmp_path) -> Path:
    shutil.copytree(seed_template / "corpus", tmp_path / "corpus")
    shutil.copytree(seed_template / "data", tmp_path / "data")
    return tmp_path


@pytest.fixture
def discord_settings(workdir) -> Settings:
    return bot_settings_for(workdir)


@pytest.fixture
def settle_timeout() -> float:
    """How long simcord waits for the bot to finish reacting (model calls need more)."""
    return 60.0


@pytest.fixture
def bot_scheduler() -> bool:
    """Whether the bot starts its APScheduler jobs (digest, feeds). simcord's settle advances to the
    bot's pending real-time timers up to `settle_timeout`, so a test with a long bound and the
    scheduler on can wait for (and race with) a job's first run: such tests turn it off."""
    return True


@pytest.fixture
def discord_service(discord_settings):
    service = Analyst(discord_settings)
    yield service
    service.close()


@dataclass
class World:
    env: simcord.Env
    bot: AnalystBot
    guild: simcord.GuildHandle
    channel: simcord.ChannelHandle
    digest: simcord.ChannelHandle
    alice: simcord.MemberActor  # plain member
    admin: simcord.MemberActor  # holds the configured admin role


@pytest_asyncio.fixture
async def env(discord_service, discord_settings, settle_timeout, bot_scheduler):
    bot = AnalystBot(discord_service, discord_settings, scheduler=bot_scheduler)
    env = simcord.Env(bot, settle_timeout=settle_timeout)
    # The guild exists before the bot starts, so the dev-guild sync in setup_hook reaches it and
    # strict_sync (invoking an unsynced command fails the test) can stay on.
    guild = env.create_guild("Analysts", id=DEV_GUILD_ID)
    env._test_channels = (guild.create_text_channel("analysis"), guild.create_text_channel("digest"))
    discord_settings.digest_channel_id = env._test_channels[1].id
    await env.start()
    try:
        yield env
    finally:
        from bot import scheduler as jobs

        jobs.stop(env.bot.scheduler, env.bot)  # the loop ends with the test; so must the scheduler
        await env.shutdown()
        env._raise_errors_since(env._errors_acknowledged)  # unexpected bot errors fail the test


@pytest.fixture
def world(env) -> World:
    guild = env.guild
    role = guild.create_role(ADMIN_ROLE)
    alice = guild.add_member(env.create_user("alice"))
    admin = guild.add_member(env.create_user("boss"), roles=[role])
    channel, digest = env._test_channels
    return World(env, env.bot, guild, channel, digest, alice, admin)


def embed_limits_ok(message) -> None:
    """Assert one sent message is within Discord's limits (simcord enforces them as well)."""
    assert len(message.content or "") <= 2000
    assert len(message.embeds) <= 10
    assert sum(len(e) for e in message.embeds) <= 6000
    for e in message.embeds:
        assert len(e.title or "") <= 256 and len(e.description or "") <= 4096
        assert len(e.fields) <= 25
        for f in e.fields:
            assert len(f.name) <= 256 and len(f.value) <= 1024


def claims_from_passages(service, n: int = 2) -> list[tuple[Claim, Claim]]:
    """Pairs of real claims (verbatim sentences of indexed passages) by different speakers."""
    passages = [p for p in service.store.all_passages() if len(p.text) > 40]
    by_speaker: dict[str, list] = {}
    for p in passages:
        by_speaker.setdefault(p.speaker, []).append(p)
    speakers = sorted(by_speaker, key=lambda s: -len(by_speaker[s]))
    a_list, b_list = by_speaker[speakers[0]], by_speaker[speakers[1]]
    pairs = []
    for i in range(n):
        pairs.append((_claim(a_list[i]), _claim(b_list[i])))
    return pairs


def _claim(p) -> Claim:
    end = min(len(p.text), 160)
    return Claim(id=f"{p.id}:0", passage_id=p.id, doc=p.doc, source=p.source, speaker=p.speaker,
                 title=p.title, start=p.start, end=p.start + end, text=p.text[:end], date=p.date)


def record_contradictions(service, n: int = 2) -> list[str]:
    """Record `n` contradictions in the real ledger; returns their ids."""
    from retrieval.contradictions.ledger import pair_id

    ids = []
    for a, b in claims_from_passages(service, n):
        service.ledger.record(a, b, 0.9, f"{a.speaker} and {b.speaker} give different accounts.")
        ids.append(pair_id(a, b))
    return ids


def public_messages(channel) -> list[discord.Message]:
    return [m for m in channel.history() if not m.flags.ephemeral]


# Claims on three different points (the same two speakers), for digests of several disputes.
# Three points, each with two independent pairs (no claim shared), so each dispute is corroborated and
# clears the digest's default bar; a single pair would be listed as `possible` only.
POINTS = [
    (("Russia will hand over 175 Ukrainian prisoners of war in the exchange on Wednesday.",
      "Only 120 of our prisoners of war came home in Wednesday's exchange."),
     ("The Kremlin said 175 Ukrainian prisoners of war would be handed over on Wednesday.",
      "Just 120 Ukrainian prisoners of war were returned in the Wednesday exchange.")),
    (("Putin ordered the army to stop all strikes on Ukrainian energy facilities from 18 March.",
      "Russian drones hit a power station in Sloviansk on the night of 19 March."),
     ("Russian forces stopped striking Ukrainian energy facilities after the order of 18 March.",
      "Russian missiles struck a power plant in the Dnipro region on 19 March.")),
    (("Russia agreed to a ceasefire for merchant shipping in the Black Sea.",
      "Moscow has turned down every proposal for a maritime truce in the Black Sea."),
     ("Moscow accepted a truce for merchant ships in the Black Sea.",
      "Russia has rejected a ceasefire for shipping in the Black Sea.")),
]


def _claims(k: int, j: int, a_text: str, b_text: str) -> tuple[Claim, Claim]:
    a = Claim(id=f"k{k}{j}", passage_id=f"pk{k}{j}", doc=f"kremlin-{k}-{j}.md", source="kremlin",
              speaker="kremlin", title=f"Kremlin statement {k}", start=0, end=len(a_text), text=a_text,
              date="2025-03-19")
    b = Claim(id=f"z{k}{j}", passage_id=f"pz{k}{j}", doc=f"zelenskyy-{k}-{j}.md", source="zelenskyy",
              speaker="zelenskyy", title=f"Zelenskyy address {k}", start=0, end=len(b_text), text=b_text,
              date="2025-03-20")
    return a, b


def record_disputes(service, n: int = 2, score: float = 0.9) -> list[str]:
    """Record two independent pairs on each of `n` different points and group them: the dispute ids, in
    order (each corroborated: over the digest's default bar)."""
    from retrieval.contradictions.ledger import pair_id

    pairs = []
    for k, point in enumerate(POINTS[:n]):
        for j, (a_text, b_text) in enumerate(point):
            a, b = _claims(k, j, a_text, b_text)
            service.ledger.record(a, b, score, "The Kremlin and Zelenskyy give different accounts.")
            pairs.append(pair_id(a, b))
    service.group_disputes()
    of = service.dispute_book.dispute_of(pairs)
    ids = [of[p] for p in pairs[::2]]
    assert [of[p] for p in pairs[1::2]] == ids, "both pairs of a point are one dispute"
    assert len(set(ids)) == n, "each point is its own dispute"
    return ids
