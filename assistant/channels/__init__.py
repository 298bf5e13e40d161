"""Input channels of the Rasa server (registered in credentials.yml)."""
