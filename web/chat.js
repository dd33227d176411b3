// Starts the web chat: gets a conversation token for this page's council (?tenant=...) and
// renders Microsoft Bot Framework Web Chat against this server's Direct Line endpoints (over a
// WebSocket when the server offers one, else by polling).
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
    hideUploadButton: true,
    // Never turn what people type (echoed back to the page) into HTML.
    markdownRenderHTML: false,
    // The server accepts up to 5,000 characters.
    maxMessageLength: 5000,
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

  async function requestToken() {
    var tenant = new URLSearchParams(window.location.search).get('tenant');
    var response = await fetch('/api/webchat/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(tenant ? { tenant: tenant } : {}),
      credentials: 'same-origin',
    });
    var body = await response.json().catch(function () {
      return {};
    });
    if (!response.ok || typeof body.token !== 'string') {
      throw { userMessage: messageFor(body && body.error && body.error.code) };
    }
    return body;
  }

  async function start() {
    if (!window.WebChat) {
      showStatus(messageFor());
      return;
    }
    var issued;
    try {
      issued = await requestToken();
    } catch (error) {
      // A network failure is a TypeError without a userMessage: show the general apology.
      showStatus((error && error.userMessage) || messageFor());
      return;
    }

    var directLine = window.WebChat.createDirectLine({
      token: issued.token,
      domain: window.location.origin + '/v3/directline',
      webSocket: issued.webSocket === true && typeof WebSocket === 'function',
    });
    window.WebChat.renderWebChat(
      { directLine: directLine, locale: 'en-GB', styleOptions: styleOptions },
      document.getElementById('webchat'),
    );
    showStatus('');
  }

  start();
})();
