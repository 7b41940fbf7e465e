"""Paging through a `/compare` briefing: Previous / Next buttons that edit the message to the page
asked for, and a menu that opens one row's full quotes privately (ephemeral). The briefing is kept in
the view (in memory) for `TIMEOUT` seconds; after that the buttons are removed."""
from __future__ import annotations

import discord

from bot.discord.render import fit
from bot.discord.render_compare import compare_page_embed, compare_pages, row_quotes_embeds
from retrieval.compare.models import CompareResult

NONE = discord.AllowedMentions.none()
TIMEOUT = 900.0
MENU_OPTIONS = 25


class ComparePager(discord.ui.View):
    def __init__(self, result: CompareResult, names: dict[str, str], owner_id: int | None = None) -> None:
        super().__init__(timeout=TIMEOUT)
        self.result, self.names, self.page = result, names, 0
        self.pages = compare_pages(result)
        self.message: discord.Message | None = None
        self.prev = discord.ui.Button(label="Previous", style=discord.ButtonStyle.secondary,
                                      custom_id="compare:prev")
        self.next = discord.ui.Button(label="More", style=discord.ButtonStyle.primary, custom_id="compare:next")
        self.menu = discord.ui.Select(placeholder="Full quotes of a row…", custom_id="compare:quotes",
                                      min_values=1, max_values=1)
        self.prev.callback, self.next.callback, self.menu.callback = self.on_prev, self.on_next, self.on_quotes
        for item in (self.prev, self.next, self.menu):
            self.add_item(item)
        self._refresh()

    def _refresh(self) -> None:
        self.prev.disabled = self.page == 0
        self.next.disabled = self.page >= len(self.pages) - 1
        start, end = self.pages[self.page]
        self.menu.options = [
            discord.SelectOption(label=fit(f"{i + 1}. {self.result.rows[i].topic_label or 'row'}", 100),
                                 value=str(i), description=fit(self.result.rows[i].relation, 100))
            for i in range(start, min(end, start + MENU_OPTIONS))]

    def embed(self) -> discord.Embed:
        return compare_page_embed(self.result, self.names, self.page)

    async def _show(self, interaction: discord.Interaction, page: int) -> None:
        self.page = max(0, min(page, len(self.pages) - 1))
        self._refresh()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    async def on_prev(self, interaction: discord.Interaction) -> None:
        await self._show(interaction, self.page - 1)

    async def on_next(self, interaction: discord.Interaction) -> None:
        await self._show(interaction, self.page + 1)

    async def on_quotes(self, interaction: discord.Interaction) -> None:
        index = int(self.menu.values[0])
        embeds = row_quotes_embeds(self.result, self.names, index)[:10]
        await interaction.response.send_message(embeds=embeds, ephemeral=True, allowed_mentions=NONE)

    async def on_timeout(self) -> None:
        if self.message is not None:
            try:
                await self.message.edit(view=None)
            except discord.HTTPException:
                pass
