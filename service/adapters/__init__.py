"""Adapters for outside services behind the use cases' ports: hashing, tokens, message senders."""
