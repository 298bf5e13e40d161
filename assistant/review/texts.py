"""Every text of the console in German and English, side by side."""

from __future__ import annotations

from assistant.lang import Lang

TEXTS: dict[str, tuple[str, str]] = {
    # key: (German, English)
    "console": ("Auswertungskonsole", "Review console"),
    "unit": ("Senatskanzlei Berlin, Abteilung II", "Senate Chancellery Berlin, Department II"),
    "skip": ("Zum Inhalt springen", "Skip to content"),
    "main_nav": ("Hauptnavigation", "Main navigation"),
    "conversations": ("Gespräche", "Conversations"),
    "overview": ("Überblick", "Overview"),
    "users": ("Benutzer", "Users"),
    "sign_in": ("Anmelden", "Sign in"),
    "sign_out": ("Abmelden", "Sign out"),
    "signed_in_as": ("Angemeldet als", "Signed in as"),
    "name": ("Benutzername", "User name"),
    "password": ("Passwort", "Password"),
    "sign_in_failed": ("Name oder Passwort ist falsch.", "Wrong name or password."),
    "sign_in_limited": (
        "Zu viele Fehlversuche. Bitte in {seconds} Sekunden erneut versuchen.",
        "Too many failed attempts. Please try again in {seconds} seconds.",
    ),
    "other_language": ("English", "Deutsch"),
    "language_nav": ("Sprache", "Language"),
    "filters": ("Filter", "Filters"),
    "date_from": ("Von (Datum)", "From (date)"),
    "date_to": ("Bis (Datum)", "To (date)"),
    "channel": ("Kanal", "Channel"),
    "language": ("Sprache", "Language"),
    "intent": ("Intent", "Intent"),
    "uncertain": ("Rückfall oder unsicher", "Fell back or low confidence"),
    "thumbs_down": ("Negative Bewertung", "Thumbs down"),
    "tag": ("Schlagwort", "Tag"),
    "status": ("Prüfstatus", "Review status"),
    "search": ("Suche in Besuchernachrichten", "Search visitors' messages"),
    "apply": ("Filtern", "Apply filters"),
    "reset": ("Zurücksetzen", "Reset"),
    "any": ("alle", "any"),
    "ch_web": ("Web-Chat", "Web chat"),
    "ch_telegram": ("Telegram", "Telegram"),
    "ch_rest": ("REST", "REST"),
    "ch_other": ("andere", "other"),
    "lang_de": ("Deutsch", "German"),
    "lang_en": ("Englisch", "English"),
    "st_new": ("neu", "new"),
    "st_reviewed": ("geprüft", "reviewed"),
    "st_needs_work": ("Nacharbeit nötig", "needs work"),
    "found": ("{count} Gespräche gefunden", "{count} conversations found"),
    "found_more": ("Mehr als {count} Gespräche gefunden", "More than {count} conversations found"),
    "page_of": ("Seite {page} von {pages}", "Page {page} of {pages}"),
    "previous": ("Vorherige Seite", "Previous page"),
    "next": ("Nächste Seite", "Next page"),
    "pagination": ("Seiten", "Pages"),
    "started": ("Beginn", "Started"),
    "first_question": ("Erste Frage", "First question"),
    "turns": ("Nachrichten", "Messages"),
    "markers": ("Hinweise", "Markers"),
    "m_fallback": ("Rückfall/unsicher", "fallback/uncertain"),
    "m_down": ("Daumen runter", "thumbs down"),
    "m_up": ("Daumen hoch", "thumbs up"),
    "export": ("Export", "Export"),
    "export_csv": ("Liste als CSV", "List as CSV"),
    "export_jsonl": ("Liste als JSON Lines", "List as JSON Lines"),
    "export_nlu": ("Korrekturen als NLU-YAML", "Corrections as NLU YAML"),
    "export_story": ("Als Test-Story exportieren", "Export as test story"),
    "none_found": ("Keine Gespräche für diese Filter.", "No conversations match these filters."),
    "filter_error": ("Filter „{field}“: {message}", "Filter “{field}”: {message}"),
    "transcript": ("Verlauf", "Transcript"),
    "conversation": ("Gespräch", "Conversation"),
    "visitor": ("Besucher/in", "Visitor"),
    "assistant": ("Assistent", "Assistant"),
    "confidence": ("Konfidenz", "confidence"),
    "entities": ("Entitäten", "Entities"),
    "detected_language": ("Sprache", "Language"),
    "reason": ("Grund", "reason"),
    "detected": ("erkannt", "detected"),
    "action": ("Aktion", "action"),
    "rating": ("Bewertung", "Rating"),
    "correction": ("Korrektur", "Correction"),
    "correct": ("Intent korrigieren", "Correct the intent"),
    "city_as_written": ("Stadt (wie geschrieben, optional)", "City (as written, optional)"),
    "city": ("Stadt", "city"),
    "save": ("Speichern", "Save"),
    "remove": ("Entfernen", "Remove"),
    "corrected_to": ("Korrigiert zu", "Corrected to"),
    "conflict": (
        "Achtung: {file} führt diesen Text als Beispiel für {intent}. Der NLU-Export lässt "
        "die Korrektur aus, bis entschieden ist, welcher Intent stimmt.",
        "Note: {file} has this text as an example of {intent}. The NLU export leaves the "
        "correction out until someone decides which intent is right.",
    ),
    "tags": ("Schlagwörter", "Tags"),
    "add_tag": ("Schlagwort hinzufügen", "Add tag"),
    "notes": ("Notizen", "Notes"),
    "add_note": ("Notiz speichern", "Save note"),
    "note": ("Notiz", "Note"),
    "set_status": ("Status setzen", "Set status"),
    "delete_conversation": (
        "Gespräch löschen (Löschantrag, Art. 17 DSGVO)",
        "Delete conversation (erasure request, GDPR Art. 17)",
    ),
    "delete_confirm": (
        "Ja, dieses Gespräch endgültig löschen",
        "Yes, delete this conversation for good",
    ),
    "deleted": ("Das Gespräch wurde gelöscht.", "The conversation was deleted."),
    "back": ("Zurück zur Liste", "Back to the list"),
    "not_found": (
        "Dieses Gespräch gibt es nicht (mehr).",
        "This conversation does not exist (any more).",
    ),
    "opening": ("Vor der ersten Nachricht", "Before the first message"),
    "error_tag": (
        "Ein Schlagwort hat 1 bis 64 Zeichen: Buchstaben, Ziffern, Leerzeichen, . : + -",
        "A tag has 1 to 64 characters: letters, digits, spaces, . : + -",
    ),
    "error_status": ("Unbekannter Status.", "Unknown status."),
    "error_note": ("Eine Notiz hat 1 bis 4000 Zeichen.", "A note has 1 to 4000 characters."),
    "error_intent": ("Diesen Intent gibt es nicht.", "There is no such intent."),
    "error_city": (
        "Die Stadt muss genau so in der Nachricht stehen.",
        "The city must appear in the message exactly as written.",
    ),
    "error_message": ("Diese Nachricht gibt es nicht.", "There is no such message."),
    "saved": ("Gespeichert.", "Saved."),
    "period": ("Zeitraum", "Period"),
    "per_day": ("Gespräche pro Tag", "Conversations per day"),
    "by_language": ("Anteil nach Sprache", "Share by language"),
    "by_channel": ("Anteil nach Kanal", "Share by channel"),
    "top_intents": ("Häufigste Intents", "Top intents"),
    "fallback_rate": ("Rückfall- und Unsicherheitsquote", "Fallback and low-confidence rate"),
    "fallback_rate_text": (
        "{uncertain} von {messages} Nachrichten ({rate})",
        "{uncertain} of {messages} messages ({rate})",
    ),
    "thumbs": ("Bewertungen: hoch und runter", "Ratings: thumbs up and down"),
    "unanswered": ("Unbeantwortete Fragen der Woche", "Unanswered questions of the week"),
    "unanswered_hint": (
        "Rückfälle, unsichere und negativ bewertete Antworten, nach ähnlichem Text gruppiert",
        "Fallbacks, uncertain and thumbs-down answers, grouped by similar text",
    ),
    "times": ("mal", "times"),
    "none": ("keine", "none"),
    "total_conversations": ("{count} Gespräche im Zeitraum", "{count} conversations in the period"),
    "role": ("Rolle", "Role"),
    "role_reviewer": ("Prüfer/in", "reviewer"),
    "role_admin": ("Administrator/in", "admin"),
    "users_hint": (
        "Konten anlegen und Passwörter setzen: python -m assistant.cli users …",
        "Create accounts and set passwords: python -m assistant.cli users …",
    ),
    "remove_user": ("Konto löschen", "Delete account"),
    "end_sessions": ("Überall abmelden", "Sign out everywhere"),
    "account_actions": ("Aktionen", "Actions"),
    "sign_out_everywhere": ("Überall abmelden", "Sign out everywhere"),
    "forbidden": ("Dafür fehlt Ihnen die Berechtigung.", "You are not allowed to do this."),
    "bad_request": ("Die Anfrage war fehlerhaft.", "The request was malformed."),
    # Plain-text answers to requests that cannot be served.
    "sign_in_required": ("Bitte melden Sie sich an.", "Sign-in required."),
    "bad_form": ("Das Formular war fehlerhaft.", "Malformed form."),
    "csrf_failed": (
        "Das Formular ist abgelaufen oder stammt nicht von dieser Seite (CSRF-Token fehlt oder "
        "ist falsch). Bitte die Seite neu laden.",
        "The form has expired or did not come from this page (missing or wrong CSRF token). "
        "Please reload the page.",
    ),
    "too_large": ("Die Anfrage ist zu groß.", "The request is too large."),
    "page_not_found": ("Diese Seite gibt es nicht.", "There is no such page."),
    "method_not_allowed": (
        "Diese Seite nimmt solche Anfragen nicht an.",
        "This page does not take such requests.",
    ),
    "id_required": ("Die Gesprächs-ID fehlt.", "A conversation id is required."),
    "period_dates": ("Daten werden JJJJ-MM-TT geschrieben.", "Dates are written YYYY-MM-DD."),
    "period_length": (
        "Der Zeitraum umfasst einen Tag bis ein Jahr.",
        "The period is one day to one year.",
    ),
    "remove_self": (
        "Das eigene Konto kann hier nicht gelöscht werden.",
        "You cannot delete your own account here.",
    ),
    "no_such_user": ("Dieses Konto gibt es nicht.", "There is no such account."),
    # Filter mistakes: "Filter „Kanal“: einer der Werte web, telegram, rest, other".
    "filter_too_long": ("höchstens {limit} Zeichen", "at most {limit} characters"),
    "filter_one_of": ("einer der Werte {allowed}", "one of {allowed}"),
    "filter_date": ("ein Datum als JJJJ-MM-TT", "a date as YYYY-MM-DD"),
    "filter_date_order": ("nicht vor dem ersten Tag", "not before the first day"),
    # Why the reply language was chosen (assistant.lang.decide_with_reason, nlu/language.py).
    "reason_requested": ("ausdrücklich gewünscht", "asked for explicitly"),
    "reason_requested_earlier": (
        "früher im Gespräch ausdrücklich gewünscht",
        "asked for earlier in the conversation",
    ),
    "reason_words": ("die Wörter der Nachricht", "the words of the message"),
    "reason_place_name": ("die Schreibweise eines Ortsnamens", "the spelling of a place name"),
    "reason_channel_hint": (
        "Hinweis des Kanals (Sprache der Webseite oder des Telefons)",
        "the channel's hint (the web page's or the phone's language)",
    ),
    "reason_kept": ("Sprache des Gesprächs beibehalten", "the conversation's language, kept"),
    "reason_default": ("Standardsprache", "the default language"),
    "foreign": ("in anderer Sprache geschrieben: {code}", "written in another language: {code}"),
    "lang_und": ("unbestimmt", "undetermined"),
}


def text(key: str, lang: Lang, **values: object) -> str:
    """The text `key` in `lang`, with `{placeholders}` filled from `values`."""
    german, english = TEXTS[key]
    chosen = german if lang == "de" else english
    return chosen.format(**values) if values else chosen


def label(prefix: str, code: object, lang: Lang) -> str:
    """The text for a code (`label("reason_", "words", "de")`), or the code itself when there
    is none (a code of a newer version, say)."""
    key = f"{prefix}{code}"
    return text(key, lang) if key in TEXTS else str(code)
