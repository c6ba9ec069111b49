"""Skill verification: quiz, code challenge (sandboxed), evidence upload, GitHub proof; reviewer queue."""
