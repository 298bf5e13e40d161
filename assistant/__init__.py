"""Bilingual assistant for international visitors of the Land Berlin (Senatskanzlei, Abteilung II)."""
