// Starts the web chat: gets a conversation token for this page's council (?tenant=...), or picks
// up this tab's conversation after a reload, and renders Microsoft Bot Framework Web Chat against
// this server's Direct Line endpoints (over a WebSocket when the server offers one, else polling).
(function () {
  'use strict';

  var statusElement = document.getElementById('chat-status');

  function showStatus(text) {
    statusElement.textContent = text;
  }

  var styleOptions = {
    primaryFont: 'Arial, Helvetica, sans-serif',
    accent: '#1d70b8',
    subtle: '#505a5f',
    backgroundColor: '#ffffff',
    bubbleBackground: '#f3f2f1',
    bubbleBorderColor: '#505a5f',
    bubbleBorderRadius: 8,
    bubbleTextColor: '#0b0c0c',
    bubbleFromUserBackground: '#1d70b8',
    bubbleFromUserBorderColor: '#1d70b8',
    bubbleFromUserBorderRadius: 8,
    bubbleFromUserTextColor: '#ffffff',
    bubbleMinHeight: 44,
    bubbleMaxWidth: 600,
    fontSizeSmall: '90%',
    timestampColor: '#505a5f',
    notificationText: '#0b0c0c',
    sendBoxHeight: 56,
    sendBoxTextColor: '#0b0c0c',
    sendBoxPlaceholderColor: '#505a5f',
    sendBoxBorderTop: 'solid 2px #0b0c0c',
    suggestedActionHeight: 44,
    suggestedActionTextColor: '#1d70b8',
    suggestedActionBorderColor: '#1d70b8',
    suggestedActionLayout: 'flow',
    // When several messages arrive together, stop scrolling once the first new one reaches the top,
    // so it is never scrolled out of view (a safety message followed by another, on a phone).
    // Web Chat then offers its "New messages" button; its live region still reads them all.
    autoScrollSnapOnPage: true,
    hideUploadButton: true,
    // Never turn what people type (echoed back to the page) into HTML.
    markdownRenderHTML: false,
  };

  function messageFor(errorCode) {
    if (errorCode === 'unknown_tenant') {
      return "This chat link is not set up for that council. Please check the link on your council's website.";
    }
    if (errorCode === 'too_many_requests') {
      return 'Too many chats have been started from your network. Please try again in a few minutes.';
    }
    return 'Sorry, the chat could not start. Please try again later.';
  }

  var tenant = new URLSearchParams(window.location.search).get('tenant');

  async function post(path, token, body) {
    var headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    var response = await fetch(path, {
      method: 'POST',
      headers: headers,
      body: JSON.stringify(body || {}),
      credentials: 'same-origin',
    });
    var json = await response.json().catch(function () {
      return {};
    });
    return { status: response.status, body: json || {} };
  }

  async function newConversation() {
    var reply = await post('/api/webchat/token', undefined, tenant ? { tenant: tenant } : {});
    if (reply.status !== 200 || typeof reply.body.token !== 'string') {
      throw { userMessage: messageFor(reply.body.error && reply.body.error.code) };
    }
    return remember({
      conversationId: reply.body.conversationId,
      token: reply.body.token,
      webSocket: reply.body.webSocket === true,
      userId: 'r_' + Math.random().toString(36).slice(2, 12),
      resumed: false,
    });
  }

  /**
   * A reload (or a phone bringing a discarded tab back) carries on with this tab's conversation:
   * its id and latest token are kept in sessionStorage, never beyond the tab.
   */
  async function thisTabsConversation() {
    var saved = recalled();
    if (!saved) return newConversation();
    var reply = await post('/v3/directline/tokens/refresh', saved.token);
    if (reply.status === 200 && reply.body.conversationId === saved.conversationId && typeof reply.body.token === 'string') {
      saved.token = reply.body.token;
      saved.resumed = true;
      return remember(saved);
    }
    // Timed out, ended, or deleted after the retention period: a new chat.
    return newConversation();
  }

  var storageKey = 'send-assistant-page:' + (tenant || '');

  function recalled() {
    try {
      var value = JSON.parse(window.sessionStorage.getItem(storageKey) || 'null');
      return value && typeof value.conversationId === 'string' && typeof value.token === 'string' ? value : undefined;
    } catch (error) {
      return undefined;
    }
  }

  function remember(conversation) {
    try {
      window.sessionStorage.setItem(storageKey, JSON.stringify(conversation));
    } catch (error) {
      // Storage full or turned off: the chat works, it just starts again after a reload.
    }
    return conversation;
  }

  async function start() {
    if (!window.WebChat || !window.sendAssistantChatExtras) {
      showStatus(messageFor());
      return;
    }
    var conversation;
    try {
      conversation = await thisTabsConversation();
    } catch (error) {
      // A network failure is a TypeError without a userMessage: show the general apology.
      showStatus((error && error.userMessage) || messageFor());
      return;
    }

    var options = {
      token: conversation.token,
      domain: window.location.origin + '/v3/directline',
      webSocket: conversation.webSocket === true && typeof WebSocket === 'function',
    };
    // With the id, Direct Line reconnects to the conversation and shows what was said before.
    if (conversation.resumed) options.conversationId = conversation.conversationId;
    // Phone numbers as links, the 5,000-character send box, refused messages explained (chat-extras.js).
    var extras = window.sendAssistantChatExtras.create({
      notice: document.getElementById('chat-alert'),
      counter: document.getElementById('chat-count'),
    });
    var directLine = extras.watchDirectLine(window.WebChat.createDirectLine(options));
    // Direct Line refreshes its token every 15 minutes: the latest is kept for the next reload.
    function keepToken() {
      if (typeof directLine.token === 'string') {
        conversation.token = directLine.token;
        remember(conversation);
      }
    }
    setInterval(keepToken, 60000);
    window.addEventListener('pagehide', keepToken);
    var container = document.getElementById('webchat');
    window.WebChat.renderWebChat(
      {
        directLine: directLine,
        store: extras.store,
        activityStatusMiddleware: extras.activityStatusMiddleware,
        userID: conversation.userId,
        locale: 'en-GB',
        styleOptions: styleOptions,
      },
      container,
    );
    extras.attach(container);
    showStatus('');
  }

  start();
})();
