"""Understanding and answering visitors' questions: structured queries over the knowledge."""
