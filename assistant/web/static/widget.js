/*
 * Berlin International Assistant: website chat widget.
 *
 * Embedding: one script tag, no build step, no dependencies.
 *   <script src="https://HOST/static/widget.js" data-server="https://RASA-HOST" defer></script>
 * Options come from data-* attributes of that tag or from window.BerlinAssistantConfig
 * (set before the tag; it wins): server, language, defaultLanguage, title, privacyUrl,
 * retentionDays, timeout. defaultLanguage is the assistant's ASSISTANT_DEFAULT_LANGUAGE, which
 * the web app writes into its pages; "en" only when an embedding page gives none.
 * title and privacyUrl take a string or {de: ..., en: ...}.
 *
 * Everything from the server or the visitor is rendered with textContent / createElement,
 * never as HTML. Talks to the Rasa channel assistant.channels.webchat.WebchatInput.
 */
(function () {
  "use strict";

  if (window.__berlinAssistantWidget) {
    return;
  }
  window.__berlinAssistantWidget = true;

  var LANGS = ["de", "en"];
  var STORAGE_KEY = "berlin-assistant-widget";
  var SLOW_AFTER_MS = 6000;

  var TEXTS = {
    de: {
      launcher: "Chat",
      launcherLabel: "Chat mit dem Assistenten öffnen",
      title: "Chat-Assistent",
      close: "Chat schließen",
      newConversation: "Neues Gespräch",
      newStarted: "Ein neues Gespräch hat begonnen.",
      privacy:
        "Bitte geben Sie keine personenbezogenen Daten ein, etwa Ihren Namen, Ihre Anschrift " +
        "oder Telefonnummer. Gespeichert werden nur Ihre Fragen, die Antworten und Ihre " +
        "Bewertungen – ohne Namen und ohne Cookies – für {days} Tage.",
      privacyLink: "Datenschutzerklärung",
      log: "Gesprächsverlauf",
      you: "Sie:",
      bot: "Assistent:",
      inputLabel: "Ihre Frage",
      placeholder: "Frage eingeben …",
      send: "Senden",
      typing: "Der Assistent schreibt …",
      slow: "Das dauert länger als üblich …",
      errorUnreachable:
        "Der Assistent ist gerade nicht erreichbar. Ihre Nachricht wurde nicht gesendet – " +
        "bitte versuchen Sie es gleich noch einmal.",
      errorTimeout:
        "Der Assistent antwortet gerade nicht rechtzeitig. Bitte versuchen Sie es gleich " +
        "noch einmal.",
      errorServer:
        "Beim Assistenten ist ein Fehler aufgetreten. Bitte versuchen Sie es noch einmal.",
      errorRateLimited:
        "Sie haben sehr viele Nachrichten in kurzer Zeit geschickt. Bitte warten Sie einen " +
        "Moment und senden Sie Ihre Frage dann noch einmal.",
      errorTooLong:
        "Ihre Nachricht ist zu lang. Bitte stellen Sie Ihre Frage kürzer (höchstens 1000 " +
        "Zeichen).",
      retry: "Erneut senden",
      suggestions: "Vorschläge",
      feedback: "War diese Antwort hilfreich?",
      helpful: "Hilfreich",
      notHelpful: "Nicht hilfreich",
      feedbackThanks: "Danke für Ihre Rückmeldung.",
      feedbackFailed: "Die Rückmeldung konnte nicht gesendet werden.",
      newWindow: "(öffnet in neuem Fenster)",
      call: "(anrufen)",
      welcome:
        "Guten Tag! Ich beantworte Fragen zu Berlins Partnerstädten, zu den Zuständigkeiten " +
        "der Abteilung Protokoll und Internationales und zum Service für internationale " +
        "Gäste – auf Deutsch und auf Englisch. Womit kann ich helfen?",
      starters: [
        ["Partnerstädte", "/list_partner_cities"],
        ["Wer ist zuständig?", "/ask_department"],
        ["Service für Gäste", "/ask_guest_services"],
        ["Kontakt", "/request_contact"]
      ]
    },
    en: {
      launcher: "Chat",
      launcherLabel: "Open chat with the assistant",
      title: "Chat assistant",
      close: "Close chat",
      newConversation: "New conversation",
      newStarted: "A new conversation has started.",
      privacy:
        "Please do not enter personal data such as your name, address or phone number. " +
        "Only your questions, the answers and your ratings are stored – without your name " +
        "and without cookies – for {days} days.",
      privacyLink: "Privacy notice",
      log: "Conversation",
      you: "You:",
      bot: "Assistant:",
      inputLabel: "Your question",
      placeholder: "Type your question …",
      send: "Send",
      typing: "The assistant is typing …",
      slow: "This is taking longer than usual …",
      errorUnreachable:
        "The assistant cannot be reached right now. Your message was not sent – please " +
        "try again in a moment.",
      errorTimeout:
        "The assistant is not answering in time. Please try again in a moment.",
      errorServer: "Something went wrong on the assistant's side. Please try again.",
      errorRateLimited:
        "You have sent a lot of messages in a short time. Please wait a moment and then " +
        "send your question again.",
      errorTooLong:
        "Your message is too long. Please ask your question in fewer words (at most 1,000 " +
        "characters).",
      retry: "Send again",
      suggestions: "Suggestions",
      feedback: "Was this answer helpful?",
      helpful: "Helpful",
      notHelpful: "Not helpful",
      feedbackThanks: "Thank you for your feedback.",
      feedbackFailed: "Your feedback could not be sent.",
      newWindow: "(opens in a new window)",
      call: "(call)",
      welcome:
        "Hello! I answer questions about Berlin's partner cities, about who in the " +
        "Protocol and International Affairs department does what, and about the service for " +
        "international guests – in English and in German. How can I help?",
      starters: [
        ["Partner cities", "/list_partner_cities"],
        ["Who is responsible?", "/ask_department"],
        ["Service for guests", "/ask_guest_services"],
        ["Contact", "/request_contact"]
      ]
    }
  };

  // Icons: fixed path data of this file (Material Icons, Apache License 2.0), drawn with
  // createElementNS.
  var ICONS = {
    chat: "M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2z",
    close: "M6 6l12 12M18 6L6 18",
    up:
      "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06" +
      "L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22" +
      "l3.02-7.05c.09-.23.14-.47.14-.73v-2z",
    down:
      "M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2" +
      "h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41" +
      "V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z",
    send: "M2.01 21L23 12 2.01 3 2 10l15 2-15 2z"
  };

  // ---------------------------------------------------------------- configuration

  var script =
    document.currentScript || document.querySelector("script[src*='widget.js']");

  function normaliseLang(value) {
    if (typeof value !== "string") {
      return null;
    }
    var primary = value.trim().toLowerCase().replace("_", "-").split("-")[0];
    return LANGS.indexOf(primary) >= 0 ? primary : null;
  }

  function perLanguage(value, dataset, name) {
    var result = { de: null, en: null };
    if (value && typeof value === "object") {
      result.de = value.de || value.en || null;
      result.en = value.en || value.de || null;
      return result;
    }
    var single = typeof value === "string" ? value : dataset[name];
    result.de = dataset[name + "De"] || single || null;
    result.en = dataset[name + "En"] || single || null;
    return result;
  }

  function readConfig() {
    var dataset = (script && script.dataset) || {};
    var given = window.BerlinAssistantConfig || {};
    var base = script && script.src ? script.src : window.location.href;
    var title = perLanguage(given.title, dataset, "title");
    var privacy = perLanguage(given.privacyUrl, dataset, "privacyUrl");
    var days = parseInt(given.retentionDays || dataset.retentionDays || "90", 10);
    var timeout = parseInt(given.timeout || dataset.timeout || "20000", 10);
    return {
      server: String(given.server || dataset.server || "http://127.0.0.1:5005").replace(/\/+$/, ""),
      language: normaliseLang(given.language || dataset.language),
      defaultLanguage: normaliseLang(given.defaultLanguage || dataset.defaultLanguage) || "en",
      title: title,
      privacyUrl: {
        de: new URL(privacy.de || "/de/datenschutz/", base).href,
        en: new URL(privacy.en || "/en/privacy/", base).href
      },
      retentionDays: isFinite(days) && days > 0 ? days : 90,
      timeout: isFinite(timeout) && timeout > 0 ? timeout : 20000,
      stylesheet: new URL("widget.css", base).href
    };
  }

  var config = readConfig();

  function pageLanguage() {
    return (
      config.language ||
      normaliseLang(document.documentElement.getAttribute("lang")) ||
      normaliseLang(navigator.language) ||
      config.defaultLanguage
    );
  }

  // ---------------------------------------------------------------- state (sessionStorage)

  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function freshState(language) {
    return {
      sessionId: randomId(),
      language: language,
      open: false,
      draft: "",
      answers: 0,
      messages: []
    };
  }

  function loadState() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
      if (saved && /^[0-9a-f]{32}$/.test(saved.sessionId) && Array.isArray(saved.messages)) {
        if (!saved.messages.length) {
          saved.language = pageLanguage();
        }
        saved.language = normaliseLang(saved.language) || pageLanguage();
        return saved;
      }
    } catch (error) {
      // Storage switched off or unreadable: start fresh, in memory only.
    }
    return freshState(pageLanguage());
  }

  var state = loadState();

  function saveState() {
    try {
      window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (error) {
      // Storage full or switched off: the conversation lives until the page is left.
    }
  }

  function t(key) {
    return TEXTS[state.language][key];
  }

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === false || value === null || value === undefined) {
        return;
      }
      if (name === "text") {
        node.textContent = value;
      } else if (name === "className") {
        node.className = value;
      } else {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function icon(name) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "bia-icon bia-icon--" + name);
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  // A UI text that follows the widget language: data-t for textContent (data-t-space adds a
  // space before or after it), data-t-label for aria-label (and title); applyTexts() refreshes
  // them when the language changes.
  function uiText(tag, key, attrs, space) {
    var node = el(tag, attrs);
    node.setAttribute("data-t", key);
    if (space) {
      node.setAttribute("data-t-space", space);
    }
    fillText(node);
    return node;
  }

  function fillText(node) {
    var space = node.getAttribute("data-t-space");
    var text = t(node.getAttribute("data-t"));
    node.textContent = space === "before" ? " " + text : space === "after" ? text + " " : text;
    node.setAttribute("lang", state.language);
  }

  function uiLabel(node, key) {
    node.setAttribute("data-t-label", key);
    return node;
  }

  var URL_PATTERN = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;
  // International numbers as the knowledge writes them: "+49 30 9026-0".
  var PHONE_PATTERN = /\+\d{1,3}(?:[ \-\/]?\(?\d+\)?)+/g;
  var LINKABLE = new RegExp(URL_PATTERN.source + "|" + PHONE_PATTERN.source, "gi");
  var TRAILING = /[.,;:!?'")\]]+$/;

  // Link text that may break after a slash (and nowhere else inside a word).
  function breakableText(parent, url) {
    url.split(/(\/+)/).forEach(function (part) {
      if (!part) {
        return;
      }
      parent.appendChild(document.createTextNode(part));
      if (part.charAt(0) === "/") {
        parent.appendChild(document.createElement("wbr"));
      }
    });
  }

  // Appends text to `parent`, turning web addresses and telephone numbers into links; the rest
  // stays plain text.
  function appendLinkified(parent, text) {
    var last = 0;
    text.replace(LINKABLE, function (match, offset) {
      if (match.charAt(0) === "+") {
        var digits = match.replace(/[^\d]/g, "");
        if (digits.length < 6) {
          return match;
        }
        parent.appendChild(document.createTextNode(text.slice(last, offset)));
        var phone = el("a", { href: "tel:+" + digits, className: "bia-tel", text: match });
        phone.appendChild(uiText("span", "call", { className: "bia-visually-hidden" }, "before"));
        parent.appendChild(phone);
        last = offset + match.length;
        return match;
      }
      var url = match;
      var trailing = (url.match(TRAILING) || [""])[0];
      if (trailing && !(trailing.charAt(0) === ")" && url.indexOf("(") >= 0)) {
        url = url.slice(0, url.length - trailing.length);
      }
      var href = null;
      try {
        var parsed = new URL(/^www\./i.test(url) ? "https://" + url : url);
        href = parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
      } catch (error) {
        href = null;
      }
      if (!href) {
        return match;
      }
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var link = el("a", { href: href, target: "_blank", rel: "noopener noreferrer" });
      breakableText(link, url);
      link.appendChild(uiText("span", "newWindow", { className: "bia-visually-hidden" }, "before"));
      parent.appendChild(link);
      last = offset + url.length;
      return match;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // ---------------------------------------------------------------- building the widget

  var host = el("div", { id: "berlin-assistant-widget" });
  var shadow = host.attachShadow({ mode: "open" });
  var sheet = el("link", { rel: "stylesheet", href: config.stylesheet });

  var launcherText = uiText("span", "launcher", { className: "bia-launcher-text" });
  var launcher = uiLabel(
    el("button", {
      type: "button",
      className: "bia-launcher",
      "aria-expanded": "false",
      "aria-controls": "bia-dialog"
    }, [icon("chat"), launcherText]),
    "launcherLabel"
  );

  var title = el("h2", { id: "bia-title", className: "bia-title" });
  var newButton = uiText("button", "newConversation", { type: "button", className: "bia-new" });
  var closeButton = uiLabel(
    el("button", { type: "button", className: "bia-close" }, [icon("close")]),
    "close"
  );
  var privacyText = el("span", { className: "bia-privacy-text" });
  var privacyLink = uiText("a", "privacyLink", { className: "bia-privacy-link" });
  var privacy = el("p", { className: "bia-privacy", id: "bia-privacy" }, [
    privacyText,
    " ",
    privacyLink
  ]);
  var log = uiLabel(
    el("div", {
      className: "bia-log",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions"
    }),
    "log"
  );
  var typingText = el("span", { className: "bia-typing-text" });
  var typing = el("div", { className: "bia-typing", role: "status" });
  var body = el("div", { className: "bia-body" }, [privacy, log, typing]);
  var errorText = el("p", { className: "bia-error-text", role: "alert" });
  var retryButton = uiText("button", "retry", {
    type: "button",
    className: "bia-retry",
    hidden: true
  });
  var errorBox = el("div", { className: "bia-error" }, [errorText, retryButton]);
  var input = el("input", {
    id: "bia-input",
    className: "bia-input",
    type: "text",
    autocomplete: "off",
    maxlength: "1000",
    enterkeyhint: "send"
  });
  var inputLabel = uiText("label", "inputLabel", {
    for: "bia-input",
    className: "bia-visually-hidden"
  });
  var sendText = uiText("span", "send", { className: "bia-send-text" });
  var sendButton = el("button", { type: "submit", className: "bia-send" }, [
    icon("send"),
    sendText
  ]);
  var form = el("form", { className: "bia-form", novalidate: true }, [
    inputLabel,
    input,
    sendButton
  ]);
  var dialog = el(
    "section",
    {
      id: "bia-dialog",
      className: "bia-dialog",
      role: "dialog",
      "aria-modal": "false",
      "aria-labelledby": "bia-title",
      "aria-describedby": "bia-privacy",
      hidden: true
    },
    [
      el("div", { className: "bia-header" }, [title, newButton, closeButton]),
      body,
      errorBox,
      form
    ]
  );
  var root = el("div", { className: "bia-root" }, [launcher, dialog]);
  shadow.appendChild(sheet);
  shadow.appendChild(root);

  function applyTexts() {
    var lang = state.language;
    root.setAttribute("lang", lang);
    dialog.setAttribute("lang", lang);
    Array.prototype.forEach.call(root.querySelectorAll("[data-t]"), fillText);
    Array.prototype.forEach.call(root.querySelectorAll("[data-t-label]"), function (node) {
      var label = t(node.getAttribute("data-t-label"));
      node.setAttribute("aria-label", label);
      if (node.tagName === "BUTTON") {
        node.setAttribute("title", label);
      }
      node.setAttribute("lang", lang);
    });
    title.textContent = config.title[lang] || t("title");
    title.setAttribute("lang", lang);
    privacyText.textContent = t("privacy").replace("{days}", String(config.retentionDays));
    privacyLink.setAttribute("href", config.privacyUrl[lang]);
    input.setAttribute("placeholder", t("placeholder"));
    if (typing.classList.contains("bia-typing--on")) {
      typingText.textContent = t(typing.classList.contains("bia-typing--slow") ? "slow" : "typing");
    }
    if (errorBox.getAttribute("data-error")) {
      errorText.textContent = t(errorBox.getAttribute("data-error"));
    }
  }

  // ---------------------------------------------------------------- messages

  function renderMessage(message) {
    var own = message.role === "visitor";
    var node = el("div", {
      className: "bia-msg " + (own ? "bia-msg--visitor" : "bia-msg--bot"),
      lang: message.lang,
      "data-id": message.id,
      "data-answer": message.answer
    });
    var who = uiText("span", own ? "you" : "bot", { className: "bia-visually-hidden" }, "after");
    node.appendChild(who);
    var text = el("p", { className: "bia-text" });
    appendLinkified(text, String(message.text || ""));
    node.appendChild(text);
    if (!own && message.buttons && message.buttons.length && message.answer === state.answers) {
      node.appendChild(renderSuggestions(message));
    }
    return node;
  }

  function renderSuggestions(message) {
    var group = uiLabel(el("div", { className: "bia-suggestions", role: "group" }), "suggestions");
    group.setAttribute("aria-label", t("suggestions"));
    message.buttons.forEach(function (button) {
      var title = String(button.title || button.payload || "");
      var choice = el("button", { type: "button", className: "bia-suggestion", text: title });
      choice.addEventListener("click", function () {
        send(String(button.payload || title), title);
      });
      group.appendChild(choice);
    });
    return group;
  }

  // The thumbs under a bot message rate that very message (the last one of its answer).
  function renderFeedback(message) {
    var current = message.feedback || null;
    var group = uiLabel(el("div", { className: "bia-feedback", role: "group" }), "feedback");
    group.setAttribute("aria-label", t("feedback"));
    group.setAttribute("lang", state.language);
    var status = el("span", { className: "bia-feedback-status", role: "status" });
    [["up", "helpful"], ["down", "notHelpful"]].forEach(function (pair) {
      var button = uiLabel(
        el("button", {
          type: "button",
          className: "bia-rate bia-rate--" + pair[0],
          "aria-pressed": current === pair[0] ? "true" : "false",
          "aria-label": t(pair[1]),
          title: t(pair[1]),
          lang: state.language
        }, [icon(pair[0])]),
        pair[1]
      );
      button.addEventListener("click", function () {
        rate(message, pair[0], group, status);
      });
      group.appendChild(button);
    });
    group.appendChild(status);
    return group;
  }

  function addMessage(message) {
    message.id = message.id || randomId().slice(0, 12);
    state.messages.push(message);
    saveState();
    var node = renderMessage(message);
    log.appendChild(node);
    return node;
  }

  function addFeedbackControls(answer) {
    var messages = state.messages.filter(function (m) {
      return m.answer === answer && m.role === "bot";
    });
    var last = messages[messages.length - 1];
    var node = last && log.querySelector(".bia-msg[data-id='" + last.id + "']");
    if (node) {
      node.appendChild(renderFeedback(last));
    }
  }

  // The greeting and starter buttons, in the widget's language; shown, never stored or sent.
  function renderWelcome() {
    var node = el("div", { className: "bia-msg bia-msg--bot bia-welcome", lang: state.language });
    node.appendChild(uiText("span", "bot", { className: "bia-visually-hidden" }, "after"));
    node.appendChild(el("p", { className: "bia-text", text: t("welcome") }));
    if (!state.messages.length) {
      node.appendChild(
        renderSuggestions({
          buttons: TEXTS[state.language].starters.map(function (pair) {
            return { title: pair[0], payload: pair[1] };
          })
        })
      );
    }
    return node;
  }

  function renderAll() {
    while (log.firstChild) {
      log.removeChild(log.firstChild);
    }
    log.appendChild(renderWelcome());
    var answers = {};
    state.messages.forEach(function (message) {
      log.appendChild(renderMessage(message));
      if (message.role === "bot") {
        answers[message.answer] = true;
      }
    });
    Object.keys(answers).forEach(function (answer) {
      addFeedbackControls(Number(answer));
    });
  }

  // Suggestion buttons belong to the latest answer only; they go when the visitor sends
  // something and come back if that message could not be delivered.
  function dropSuggestions() {
    Array.prototype.forEach.call(log.querySelectorAll(".bia-suggestions"), function (node) {
      node.parentNode.removeChild(node);
    });
  }

  function restoreSuggestions() {
    state.messages.forEach(function (message) {
      var latest = message.role === "bot" && message.answer === state.answers;
      if (!latest || !(message.buttons || []).length) {
        return;
      }
      var node = log.querySelector(".bia-msg[data-id='" + message.id + "']");
      if (node && !node.querySelector(".bia-suggestions")) {
        node.insertBefore(renderSuggestions(message), node.querySelector(".bia-feedback"));
      }
    });
  }

  function scrollToEnd() {
    body.scrollTop = body.scrollHeight;
  }

  // Shows a new answer from its question on, so that a long answer is read from its start.
  function scrollToTurn(node) {
    var top = node.getBoundingClientRect().top - body.getBoundingClientRect().top;
    body.scrollTop = Math.max(0, body.scrollTop + top - 8);
  }

  // ---------------------------------------------------------------- talking to the server

  var busy = false;
  var pending = null;
  var generation = 0;
  var slowTimer = null;

  function setTyping(on) {
    window.clearTimeout(slowTimer);
    typing.classList.toggle("bia-typing--on", on);
    typing.classList.remove("bia-typing--slow");
    while (typing.firstChild) {
      typing.removeChild(typing.firstChild);
    }
    if (!on) {
      return;
    }
    typingText.textContent = t("typing");
    typing.appendChild(el("span", { className: "bia-dots", "aria-hidden": "true" }, [
      el("span"), el("span"), el("span")
    ]));
    typing.appendChild(typingText);
    slowTimer = window.setTimeout(function () {
      typing.classList.add("bia-typing--slow");
      typingText.textContent = t("slow");
    }, SLOW_AFTER_MS);
  }

  function showError(key, canRetry) {
    errorBox.setAttribute("data-error", key);
    errorText.textContent = t(key);
    retryButton.hidden = !canRetry;
  }

  function clearError() {
    errorBox.removeAttribute("data-error");
    errorText.textContent = "";
    retryButton.hidden = true;
  }

  function post(path, payload) {
    var controller = new AbortController();
    var timer = window.setTimeout(function () {
      controller.abort();
    }, config.timeout);
    return window
      .fetch(config.server + path, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
        signal: controller.signal
      })
      .then(
        function (response) {
          window.clearTimeout(timer);
          if (!response.ok) {
            var failure = new Error("HTTP " + response.status);
            failure.kind =
              response.status === 429
                ? "errorRateLimited"
                : response.status === 413
                  ? "errorTooLong"
                  : "errorServer";
            throw failure;
          }
          return response.json();
        },
        function (error) {
          window.clearTimeout(timer);
          error.kind = error.name === "AbortError" ? "errorTimeout" : "errorUnreachable";
          throw error;
        }
      );
  }

  function setLanguage(language) {
    var lang = normaliseLang(language);
    if (lang && lang !== state.language) {
      state.language = lang;
      applyTexts();
      var welcome = log.querySelector(".bia-welcome");
      if (welcome) {
        log.replaceChild(renderWelcome(), welcome);
      }
    }
  }

  function send(message, shown) {
    if (busy) {
      return;
    }
    var text = String(message || "").trim();
    if (!text) {
      input.focus();
      return;
    }
    var typed = shown === undefined;
    shown = typed ? text : shown;
    if (!typed) {
      input.focus(); // the chosen suggestion button is about to go
    }
    busy = true;
    pending = { message: text, shown: shown, typed: typed };
    clearError();
    dropSuggestions();
    var visitor = { role: "visitor", text: shown, lang: state.language };
    var node = addMessage(visitor);
    if (typed) {
      input.value = "";
      state.draft = "";
      saveState();
    }
    setTyping(true);
    scrollToEnd();
    var mine = generation;
    post("/webhooks/webchat/webhook", {
      sender: state.sessionId,
      message: text,
      metadata: { language: state.language }
    })
      .then(function (reply) {
        if (mine !== generation) {
          return;
        }
        var replies = (reply.messages || []).filter(function (m) {
          return typeof m.text === "string" || (m.buttons && m.buttons.length);
        });
        if (!replies.length) {
          // An empty reply is a failure too: keep the question and offer to send it again.
          var empty = new Error("empty reply");
          empty.kind = "errorServer";
          throw empty;
        }
        busy = false;
        pending = null;
        setTyping(false);
        visitor.lang =
          normaliseLang(reply.message_language) || normaliseLang(reply.language) || visitor.lang;
        node.setAttribute("lang", visitor.lang);
        setLanguage(reply.language);
        var answer = (state.answers = state.answers + 1);
        replies.forEach(function (m) {
          addMessage({
            role: "bot",
            text: typeof m.text === "string" ? m.text : "",
            lang: normaliseLang(m.lang) || state.language,
            buttons: Array.isArray(m.buttons) ? m.buttons : [],
            answer: answer
          });
        });
        addFeedbackControls(answer);
        saveState();
        scrollToTurn(node);
      })
      .catch(function (error) {
        if (mine !== generation) {
          return;
        }
        busy = false;
        setTyping(false);
        state.messages = state.messages.filter(function (m) {
          return m !== visitor;
        });
        if (node.parentNode) {
          node.parentNode.removeChild(node);
        }
        if (typed && !input.value) {
          input.value = shown;
          state.draft = shown;
        }
        saveState();
        restoreSuggestions();
        showError(error.kind || "errorServer", true);
        input.focus();
      });
  }

  function rate(message, rating, group, status) {
    status.textContent = "";
    post("/webhooks/webchat/feedback", {
      sender: state.sessionId,
      rating: rating,
      message: message.text
    })
      .then(function () {
        message.feedback = rating;
        saveState();
        Array.prototype.forEach.call(group.querySelectorAll(".bia-rate"), function (button) {
          var pressed = button.classList.contains("bia-rate--" + rating);
          button.setAttribute("aria-pressed", pressed ? "true" : "false");
        });
        status.setAttribute("lang", state.language);
        status.textContent = t("feedbackThanks");
      })
      .catch(function () {
        status.setAttribute("lang", state.language);
        status.textContent = t("feedbackFailed");
      });
  }

  function newConversation() {
    generation += 1;
    busy = false;
    pending = null;
    setTyping(false);
    clearError();
    state = freshState(pageLanguage());
    state.open = true;
    input.value = "";
    saveState();
    renderAll();
    applyTexts();
    typing.textContent = t("newStarted");
    input.focus();
  }

  // ---------------------------------------------------------------- opening and closing

  function open(moveFocus) {
    dialog.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    saveState();
    scrollToEnd();
    if (moveFocus) {
      input.focus();
    }
  }

  function close() {
    dialog.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    saveState();
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    open(true);
  });
  closeButton.addEventListener("click", close);
  newButton.addEventListener("click", newConversation);
  dialog.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !event.isComposing) {
      event.preventDefault();
      close();
    }
  });
  // A clicked suggestion button is removed, and focus falls back to the page: Escape must
  // still close the dialog then.
  document.addEventListener("keydown", function (event) {
    var focusLost = document.activeElement === document.body || document.activeElement === host;
    if (event.key === "Escape" && !event.isComposing && state.open && focusLost) {
      event.preventDefault();
      close();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(input.value);
  });
  retryButton.addEventListener("click", function () {
    if (pending && !pending.typed) {
      var again = pending;
      pending = null;
      send(again.message, again.shown);
    } else {
      send(input.value);
    }
  });
  input.addEventListener("input", function () {
    state.draft = input.value;
    saveState();
  });

  function start() {
    document.body.appendChild(host);
    input.value = state.draft || "";
    renderAll();
    applyTexts();
    if (state.open) {
      open(false);
    }
  }

  if (document.body) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
