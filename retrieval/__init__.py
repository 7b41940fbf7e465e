"""Analyst's analysis core: loading, attribution, index, hybrid search, LLM, cited answers,
claims, contradiction judge, ledger and compare. Never imports `bot` or `discord`."""
