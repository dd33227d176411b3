/*
 * SEND assistant: the chat widget for a council's Local Offer page. Embed with ONE script tag:
 *
 *   <script src="https://ASSISTANT/widget.js" data-tenant="derby"
 *           data-title="Ask about SEND disagreements" data-accent="#1d70b8" defer></script>
 *
 * data-tenant  the council (a file in knowledge/tenants/); the assistant's default when left out
 * data-title   the button's text and the panel's heading
 * data-accent  a #rrggbb colour for the button and the person's messages; ignored (with a console
 *              warning) unless white text on it has a contrast of at least 4.5:1
 * data-avatar  the assistant's picture (an https address, or one on the page's own site), or up
 *              to three letters shown instead
 *
 * Everything comes from the assistant's own server: this script, widget.css, the Web Chat
 * bundle and chat-extras.js (loaded when the chat is first opened). The chat keeps going across reloads in the same
 * tab: the conversation id and its token stay in sessionStorage, and a reload resumes with a
 * refreshed token. No inline scripts or styles are added; see the README for the page's CSP.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  if (!script || !script.src || window.sendAssistantWidget) return;

  var ORIGIN = new URL(script.src, document.baseURI).origin;
  var DEFAULT_ACCENT = '#1d70b8';
  var NOTICE = 'This is an automated assistant, not a person. It can tell you how to reach a person if you need one.';
  var SEND_BOX = 'input[data-id="webchat-sendbox-input"], textarea[data-id="webchat-sendbox-input"]';
  // Direct Line connection states (botframework-directlinejs).
  var ONLINE = 2;
  var EXPIRED_TOKEN = 3;
  var FAILED_TO_CONNECT = 4;
  var ENDED = 5;

  var settings = {
    tenant: attribute('data-tenant'),
    title: attribute('data-title') || 'Ask about SEND disagreements',
    accent: accentColour(attribute('data-accent')),
    avatar: attribute('data-avatar'),
    // Handed to Web Chat for its <style> elements, for pages whose CSP uses nonces.
    nonce: script.nonce || undefined,
  };
  var storageKey = 'send-assistant:' + ORIGIN + ':' + (settings.tenant || '');

  var ui;
  var chat = { started: false, directLine: undefined, saveTimer: undefined };
  window.sendAssistantWidget = {
    open: function () {
      if (ui) open(true);
    },
    close: function () {
      if (ui) close();
    },
  };

  // With `defer` (or at the end of the body) the page is there; without, wait for it.
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', install);
  else install();

  function install() {
    ui = buildInterface();
    // Styles first, so the button never shows unstyled; if the stylesheet cannot load, show it anyway.
    var stylesheet = document.createElement('link');
    stylesheet.rel = 'stylesheet';
    stylesheet.href = ORIGIN + '/widget.css';
    if (settings.nonce) stylesheet.nonce = settings.nonce;
    stylesheet.onload = stylesheet.onerror = function () {
      ui.root.hidden = false;
    };
    document.head.appendChild(stylesheet);
    document.body.appendChild(ui.root);
    window.addEventListener('pagehide', saveToken);

    // A chat that was open before a reload opens again, without taking the focus.
    if ((readSession() || {}).open) open(false);
  }

  // ---- Interface -----------------------------------------------------------------------------

  function buildInterface() {
    var root = element('aside', 'send-assistant');
    root.hidden = true;
    root.setAttribute('aria-label', 'Chat assistant');
    root.style.setProperty('--send-assistant-accent', settings.accent);

    var launcher = element('button', 'send-assistant__launcher');
    launcher.type = 'button';
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-controls', 'send-assistant-panel');
    launcher.appendChild(chatIcon());
    launcher.appendChild(element('span', 'send-assistant__launcher-text', settings.title));

    var panel = element('div', 'send-assistant__panel');
    panel.id = 'send-assistant-panel';
    panel.hidden = true;
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-modal', 'false');
    panel.setAttribute('aria-labelledby', 'send-assistant-title');
    panel.setAttribute('aria-describedby', 'send-assistant-notice');

    var header = element('div', 'send-assistant__header');
    var title = element('h2', 'send-assistant__title', settings.title);
    title.id = 'send-assistant-title';
    title.tabIndex = -1;
    var closeButton = element('button', 'send-assistant__close');
    closeButton.type = 'button';
    closeButton.appendChild(document.createTextNode('Close'));
    closeButton.appendChild(element('span', 'send-assistant__visually-hidden', ' chat'));
    header.appendChild(title);
    header.appendChild(closeButton);

    var notice = element('p', 'send-assistant__notice', NOTICE);
    notice.id = 'send-assistant-notice';
    var status = element('p', 'send-assistant__status');
    status.setAttribute('role', 'status');
    var restart = element('button', 'send-assistant__restart', 'Start a new chat');
    restart.type = 'button';
    restart.hidden = true;
    var webchat = element('div', 'send-assistant__webchat');
    // Under the send box: the character count near the limit, and why a message was not sent.
    var count = element('p', 'send-assistant__count');
    count.id = 'send-assistant-count';
    var alert = element('p', 'send-assistant__alert');
    alert.setAttribute('role', 'alert');

    panel.appendChild(header);
    panel.appendChild(notice);
    panel.appendChild(status);
    panel.appendChild(restart);
    panel.appendChild(webchat);
    panel.appendChild(count);
    panel.appendChild(alert);
    root.appendChild(launcher);
    root.appendChild(panel);

    launcher.addEventListener('click', function () {
      if (panel.hidden) open(true);
      else close();
    });
    closeButton.addEventListener('click', close);
    restart.addEventListener('click', function () {
      clearSession();
      restart.hidden = true;
      startChat(true);
    });
    // Web Chat uses Escape itself (leaving a message, the keyboard help) and then marks the event
    // handled: only an Escape nobody else used closes the panel. Checked once the event is over,
    // as Web Chat's React may stop it before it reaches the panel.
    panel.addEventListener(
      'keydown',
      function (event) {
        if (event.key !== 'Escape' && event.key !== 'Esc') return;
        setTimeout(function () {
          if (!event.defaultPrevented && !panel.hidden) close();
        }, 0);
      },
      true,
    );

    return {
      root: root,
      launcher: launcher,
      panel: panel,
      title: title,
      status: status,
      restart: restart,
      webchat: webchat,
      count: count,
      alert: alert,
    };
  }

  function open(moveFocus) {
    ui.panel.hidden = false;
    ui.launcher.setAttribute('aria-expanded', 'true');
    ui.root.classList.add('send-assistant--open');
    updateSession({ open: true });
    if (!chat.started) startChat(false);
    if (moveFocus) focusInPanel();
  }

  function close() {
    ui.panel.hidden = true;
    ui.launcher.setAttribute('aria-expanded', 'false');
    ui.root.classList.remove('send-assistant--open');
    updateSession({ open: false });
    ui.launcher.focus();
  }

  /** The send box when Web Chat is there; until then the heading, moving on once it appears. */
  function focusInPanel() {
    var input = ui.panel.querySelector(SEND_BOX);
    if (input) {
      input.focus();
      return;
    }
    ui.title.focus();
    waitForSendBox(15000, function (found) {
      if (document.activeElement === ui.title) found.focus();
    });
  }

  function waitForSendBox(timeoutMs, then) {
    var deadline = Date.now() + timeoutMs;
    (function check() {
      var input = ui.panel.querySelector(SEND_BOX);
      if (input) then(input);
      else if (Date.now() < deadline && !ui.panel.hidden) setTimeout(check, 100);
    })();
  }

  function showStatus(text) {
    ui.status.textContent = text || '';
  }

  // ---- Chat ----------------------------------------------------------------------------------

  function startChat(moveFocus) {
    chat.started = true;
    showStatus('Starting the chat…');
    loadWebChat()
      .then(connect)
      .then(function (session) {
        render(session);
        showStatus('');
        if (moveFocus) focusInPanel();
      })
      .catch(function (error) {
        chat.started = false;
        showStatus((error && error.userMessage) || 'Sorry, the chat could not start. Please try again later.');
      });
  }

  /** Web Chat's bundle, and chat-extras.js (phone links, the send box's limit, refused messages). */
  function loadWebChat() {
    return Promise.all([
      loadScript('/webchat/webchat.js', function () {
        return window.WebChat;
      }),
      loadScript('/chat-extras.js', function () {
        return window.sendAssistantChatExtras;
      }),
    ]).then(function () {
      return window.WebChat;
    });
  }

  function loadScript(path, loaded) {
    if (loaded()) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      var script = document.createElement('script');
      script.src = ORIGIN + path;
      script.async = true;
      if (settings.nonce) script.nonce = settings.nonce;
      script.onload = function () {
        if (loaded()) resolve();
        else reject(new Error(path + ' did not load'));
      };
      script.onerror = function () {
        reject(new Error(path + ' did not load'));
      };
      document.head.appendChild(script);
    });
  }

  /** Resumes this tab's conversation with a refreshed token, or starts a new one. */
  function connect() {
    var saved = readSession();
    if (!saved || !saved.conversationId || !saved.token) return startConversation();
    return request('/v3/directline/tokens/refresh', saved.token, undefined).then(function (reply) {
      if (reply.status === 200 && reply.body.conversationId === saved.conversationId && typeof reply.body.token === 'string') {
        return updateSession({ token: reply.body.token, resumed: true });
      }
      if (reply.status === 401 || reply.status === 403 || reply.status === 404) {
        // Expired, ended or unknown here: the conversation cannot go on, so begin another.
        clearSession();
        return startConversation();
      }
      throw failure(reply);
    });
  }

  function startConversation() {
    var body = settings.tenant ? { tenant: settings.tenant } : {};
    return request('/api/webchat/token', undefined, body).then(function (reply) {
      if (reply.status !== 200 || typeof reply.body.token !== 'string') throw failure(reply);
      var session = {
        conversationId: reply.body.conversationId,
        token: reply.body.token,
        webSocket: reply.body.webSocket === true,
        userId: 'r_' + randomId(),
        open: !ui.panel.hidden,
        resumed: false,
      };
      writeSession(session);
      return session;
    });
  }

  function render(session) {
    var options = {
      domain: ORIGIN + '/v3/directline',
      token: session.token,
      webSocket: session.webSocket === true && typeof WebSocket === 'function',
    };
    // With the id, Direct Line reconnects (GET /conversations/:id) and gets the whole history.
    if (session.resumed) options.conversationId = session.conversationId;
    if (chat.directLine) {
      try {
        chat.directLine.end();
      } catch (error) {
        // already ended
      }
    }
    ui.alert.textContent = '';
    var extras = window.sendAssistantChatExtras.create({ notice: ui.alert, counter: ui.count });
    var directLine = extras.watchDirectLine(window.WebChat.createDirectLine(options));
    chat.directLine = directLine;

    directLine.connectionStatus$.subscribe(function (state) {
      if (chat.directLine !== directLine) return;
      if (state === ONLINE) saveToken();
      // This server answers 403 only for an expired token and 404 for a conversation that has gone
      // (deleted after the retention period): neither chat can go on.
      if (state === ENDED || state === FAILED_TO_CONNECT || state === EXPIRED_TOKEN) {
        clearSession();
        showStatus(
          state === ENDED ? 'This chat has ended.' : state === EXPIRED_TOKEN ? 'This chat has timed out.' : 'Sorry, the chat lost its connection.',
        );
        ui.restart.hidden = false;
      }
    });
    // Direct Line refreshes its token every 15 minutes: keep the latest for the next reload.
    clearInterval(chat.saveTimer);
    chat.saveTimer = setInterval(saveToken, 60000);

    // A fresh element: a restarted chat must not share the old one's React tree.
    var container = element('div', 'send-assistant__webchat');
    ui.panel.replaceChild(container, ui.webchat);
    ui.webchat = container;

    window.WebChat.renderWebChat(
      {
        directLine: directLine,
        store: extras.store,
        activityStatusMiddleware: extras.activityStatusMiddleware,
        userID: session.userId,
        locale: 'en-GB',
        role: 'region',
        nonce: settings.nonce,
        styleOptions: styleOptions(),
      },
      container,
    );
    extras.attach(container);
  }

  function saveToken() {
    var directLine = chat.directLine;
    if (directLine && typeof directLine.token === 'string' && readSession()) updateSession({ token: directLine.token });
  }

  function styleOptions() {
    var options = {
      primaryFont: 'Arial, Helvetica, sans-serif',
      accent: settings.accent,
      subtle: '#505a5f',
      backgroundColor: '#ffffff',
      bubbleBackground: '#f3f2f1',
      bubbleBorderColor: '#505a5f',
      bubbleBorderRadius: 8,
      bubbleTextColor: '#0b0c0c',
      bubbleFromUserBackground: settings.accent,
      bubbleFromUserBorderColor: settings.accent,
      bubbleFromUserBorderRadius: 8,
      bubbleFromUserTextColor: '#ffffff',
      bubbleMinHeight: 44,
      timestampColor: '#505a5f',
      notificationText: '#0b0c0c',
      sendBoxHeight: 56,
      sendBoxTextColor: '#0b0c0c',
      sendBoxPlaceholderColor: '#505a5f',
      sendBoxBorderTop: 'solid 2px #0b0c0c',
      suggestedActionHeight: 44,
      suggestedActionTextColor: '#0b0c0c',
      suggestedActionBorderColor: '#0b0c0c',
      suggestedActionLayout: 'flow',
      // Several messages at once: stop scrolling when the first new one reaches the top (see chat.js).
      autoScrollSnapOnPage: true,
      hideUploadButton: true,
      // Never turn what people type (echoed back to the page) into HTML.
      markdownRenderHTML: false,
    };
    var avatar = avatarOption(settings.avatar);
    if (avatar.image) options.botAvatarImage = avatar.image;
    if (avatar.initials) options.botAvatarInitials = avatar.initials;
    return options;
  }

  // ---- Server --------------------------------------------------------------------------------

  function request(path, token, body) {
    var headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    return fetch(ORIGIN + path, {
      method: 'POST',
      mode: 'cors',
      credentials: 'omit',
      headers: headers,
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (json) {
          return { status: response.status, body: json || {} };
        });
    });
  }

  function failure(reply) {
    var code = reply.body && reply.body.error && reply.body.error.code;
    if (code === 'unknown_tenant') return { userMessage: 'This chat is not set up for this council yet.' };
    if (reply.status === 429) {
      return { userMessage: 'Too many chats have been started from your network. Please try again in a few minutes.' };
    }
    return { userMessage: 'Sorry, the chat could not start. Please try again later.' };
  }

  // ---- This tab's conversation (sessionStorage) ----------------------------------------------

  function readSession() {
    try {
      var value = JSON.parse(window.sessionStorage.getItem(storageKey) || 'null');
      return value && typeof value === 'object' ? value : undefined;
    } catch (error) {
      return undefined;
    }
  }

  function writeSession(session) {
    try {
      window.sessionStorage.setItem(storageKey, JSON.stringify(session));
    } catch (error) {
      // Storage may be full or turned off: the chat still works, it just won't survive a reload.
    }
    return session;
  }

  function updateSession(changes) {
    var session = readSession() || {};
    for (var key in changes) session[key] = changes[key];
    return writeSession(session);
  }

  function clearSession() {
    var open = !ui.panel.hidden;
    try {
      window.sessionStorage.removeItem(storageKey);
    } catch (error) {
      // See writeSession.
    }
    if (open) updateSession({ open: true });
  }

  // ---- Helpers -------------------------------------------------------------------------------

  function attribute(name) {
    var value = script.getAttribute(name);
    return value ? value.trim() : '';
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function chatIcon() {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '24');
    svg.setAttribute('height', '24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    var path = document.createElementNS(ns, 'path');
    path.setAttribute('fill', 'currentColor');
    path.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z');
    svg.appendChild(path);
    return svg;
  }

  function randomId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (byte) {
        return ('0' + byte.toString(16)).slice(-2);
      })
      .join('');
  }

  /** The council's colour, if white text on it is readable (WCAG contrast at least 4.5:1). */
  function accentColour(value) {
    if (!value) return DEFAULT_ACCENT;
    if (!/^#[0-9a-fA-F]{6}$/.test(value) || contrastWithWhite(value) < 4.5) {
      console.warn('SEND assistant widget: data-accent must be a #rrggbb colour that white text can be read on (contrast 4.5:1); using ' + DEFAULT_ACCENT);
      return DEFAULT_ACCENT;
    }
    return value.toLowerCase();
  }

  function contrastWithWhite(hex) {
    var channels = [1, 3, 5].map(function (start) {
      var c = parseInt(hex.slice(start, start + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
    return 1.05 / (luminance + 0.05);
  }

  /** An image address (https, or the page's own site) or up to three letters. */
  function avatarOption(value) {
    if (!value) return {};
    if (/^[A-Za-z]{1,3}$/.test(value)) return { initials: value.toUpperCase() };
    try {
      var url = new URL(value, document.baseURI);
      if (url.protocol === 'https:' || url.origin === window.location.origin) return { image: url.href };
    } catch (error) {
      // fall through
    }
    console.warn('SEND assistant widget: data-avatar must be an https image address or up to three letters; ignored');
    return {};
  }
})();
