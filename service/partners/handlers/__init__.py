"""The partners context's use cases: outcomes and the feed, webhooks and their delivery."""
