"""Analyst's fronts over the `retrieval.service.Analyst` service: CLI, console channel, Discord bot, digest."""
