"""Custom actions: thin adapters from dialogue to `assistant.knowledge`, one module per topic."""

from actions.common import knowledge

# Fail at start-up, not on a visitor's question, when a knowledge file is broken.
knowledge()
