"""The prompt templates, one file per prompt (package data; loaded by retrieval.llm.prompts)."""
