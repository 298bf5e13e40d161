"""Bilingual assistant for international visitors of the Land Berlin (Senatskanzlei, Abt. II)."""
