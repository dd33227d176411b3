/*
 * What the web chat page (chat.js) and the widget (widget.js) add to Microsoft's Web Chat, in one
 * place (served from the assistant's own server, like everything else):
 *
 * - Phone numbers in the ASSISTANT's messages become tap-to-call links (tel:). Only in the
 *   assistant's rendered markdown, never in what the person typed; links are made with
 *   createElement and textContent, never HTML, so nothing in a message can become markup.
 * - Addresses that Web Chat's markdown finds in plain words ("GOV.UK", "www.ipsea.org.uk") and
 *   links as http:// are sent to https:// instead.
 * - The send box takes at most 5,000 characters (the server's limit), shows a count near it, and
 *   says when a paste did not fit.
 * - When the server refuses a message (4xx) the person is told its reason, in words. Refused for
 *   good (any 4xx but 408/429, e.g. 400 text_too_long): no "Retry", and what they typed is put
 *   back in the send box so nothing is lost. Other failures keep Web Chat's own Retry.
 *
 * Usage:
 *   var extras = window.sendAssistantChatExtras.create({ notice: element, counter: element });
 *   directLine = extras.watchDirectLine(directLine);
 *   WebChat.renderWebChat({ directLine, store: extras.store, activityStatusMiddleware:
 *     extras.activityStatusMiddleware, ... }, container);
 *   extras.attach(container);
 */
(function () {
  'use strict';
  if (window.sendAssistantChatExtras) return;

  var MAX_LENGTH = 5000;
  /** The count shows from here on. */
  var COUNT_FROM = 4500;

  /**
   * UK phone numbers as the knowledge writes them: 999, 116 123, 0800 1111, 01332 641414,
   * 0808 808 3555, +44 1332 641414. Group 1 is what comes before (start, or not a digit, letter,
   * £, point, comma or slash: so not 11.111, £999 or 2026/01/...), group 2 the number.
   */
  var PHONE = /(^|[^0-9A-Za-z£.,\/+])((?:\+44[ \u00a0]?(?:\(0\)[ \u00a0]?)?|0)[1-9](?:[ \u00a0-]?[0-9]){6,9}|116[ \u00a0]?[0-9]{3}|999)(?![0-9A-Za-z]|[.,][0-9])/g;

  /** `tel:` address for a number as written: digits only (and a leading +). */
  function telHref(number) {
    var digits = number.replace(/\(0\)/, '').replace(/[^0-9+]/g, '');
    return 'tel:' + digits;
  }

  /** The text nodes of `root` with a phone number in them, outside links. */
  function phoneTextNodes(root) {
    var found = [];
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement && node.parentElement.closest('a, button, code, pre')) continue;
      PHONE.lastIndex = 0;
      if (PHONE.test(node.nodeValue)) found.push(node);
    }
    return found;
  }

  function linkPhoneNumbers(root) {
    phoneTextNodes(root).forEach(function (node) {
      var text = node.nodeValue;
      var fragment = document.createDocumentFragment();
      var last = 0;
      var match;
      PHONE.lastIndex = 0;
      while ((match = PHONE.exec(text))) {
        var start = match.index + match[1].length;
        var number = match[2];
        if (start > last) fragment.appendChild(document.createTextNode(text.slice(last, start)));
        var link = document.createElement('a');
        link.href = telHref(number);
        link.className = 'send-assistant-tel';
        link.textContent = number;
        fragment.appendChild(link);
        last = start + number.length;
      }
      if (last < text.length) fragment.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(fragment, node);
    });
  }

  /** "GOV.UK" → http://GOV.UK from the markdown's linkify: an address written without a scheme goes to https. */
  function secureFoundLinks(root) {
    var links = root.querySelectorAll('a[href^="http://"]');
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      if (/^\s*http:\/\//i.test(link.textContent || '')) continue;
      link.href = 'https://' + link.getAttribute('href').slice('http://'.length);
    }
  }

  /** The assistant's messages as Web Chat has rendered their markdown (the person's never are). */
  var BOT_MARKDOWN = '.webchat__bubble:not(.webchat__bubble--from-user) .webchat__render-markdown';

  function enhanceMessages(container) {
    var rendered = container.querySelectorAll(BOT_MARKDOWN);
    for (var i = 0; i < rendered.length; i++) {
      if (rendered[i].closest('.ac-adaptiveCard')) continue;
      linkPhoneNumbers(rendered[i]);
      secureFoundLinks(rendered[i]);
    }
  }

  function formatNumber(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  /** 4xx other than "too soon"/"too many": sending the same again cannot succeed. */
  function isPermanent(status) {
    return status >= 400 && status < 500 && status !== 408 && status !== 429;
  }

  function serverReason(error) {
    var body = error && error.response;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch (parseError) {
        body = undefined;
      }
    }
    var message = body && body.error && body.error.message;
    return typeof message === 'string' && message.trim() ? message.trim() : '';
  }

  function clientId(activity) {
    return activity && activity.channelData && activity.channelData.clientActivityID;
  }

  function create(options) {
    var notice = options.notice;
    var counter = options.counter;
    var refused = {};
    var sendBox;
    var observer;

    var store = window.WebChat.createStore({});

    function say(text) {
      if (notice) notice.textContent = text || '';
    }

    function updateCount() {
      if (!counter || !sendBox) return;
      var length = sendBox.value.length;
      if (length < COUNT_FROM) {
        counter.textContent = '';
        return;
      }
      counter.textContent =
        formatNumber(length) + ' of ' + formatNumber(MAX_LENGTH) + ' characters' +
        (length >= MAX_LENGTH ? ". That's the most one message can have." : '');
    }

    function watchSendBox(container) {
      var input = container.querySelector('[data-id="webchat-sendbox-input"]');
      if (!input || input === sendBox) return;
      sendBox = input;
      input.maxLength = MAX_LENGTH;
      if (counter && counter.id) {
        var described = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
        if (described.indexOf(counter.id) < 0) described.push(counter.id);
        input.setAttribute('aria-describedby', described.join(' '));
      }
      input.addEventListener('input', updateCount);
      input.addEventListener('paste', function (event) {
        var pasted = event.clipboardData ? event.clipboardData.getData('text') : '';
        var kept = input.value.length - Math.abs((input.selectionEnd || 0) - (input.selectionStart || 0));
        if (kept + pasted.length > MAX_LENGTH) {
          say(
            'Only the first ' + formatNumber(MAX_LENGTH - kept) + ' characters of what you pasted fitted: a message can have up to ' +
              formatNumber(MAX_LENGTH) + ' characters. Send this part, then paste the rest in another message.',
          );
        }
      });
      // Web Chat empties the box after sending without an input event.
      store.subscribe(function () {
        updateCount();
      });
      updateCount();
    }

    function attach(container) {
      if (observer) observer.disconnect();
      var scheduled = false;
      function run() {
        scheduled = false;
        watchSendBox(container);
        enhanceMessages(container);
      }
      observer = new MutationObserver(function () {
        if (!scheduled) {
          scheduled = true;
          // After React's commit, before the next paint.
          window.requestAnimationFrame(run);
        }
      });
      observer.observe(container, { childList: true, subtree: true, characterData: true });
      run();
    }

    /**
     * A 4xx: the server's reason, in words. Refused for good: no Retry, and what they typed goes
     * back in the send box. Too soon or too many (408, 429): Web Chat's Retry can work later.
     */
    function refusedMessage(activity, error) {
      var reason = serverReason(error) || 'The chat could not take that message.';
      if (!isPermanent(error.status)) {
        say('Your message was not sent. ' + reason + ' You can press Retry on your message in a little while.');
        return;
      }
      var id = clientId(activity);
      if (id) refused[id] = reason;
      var text = typeof activity.text === 'string' ? activity.text : '';
      var state = store.getState();
      var restored = false;
      if (text && !(state.sendBoxValue || '').length) {
        store.dispatch({ type: 'WEB_CHAT/SET_SEND_BOX', payload: { text: text } });
        restored = true;
      }
      say('Your message was not sent. ' + reason + (restored ? ' What you typed is back in the message box, so you can change it and send it again.' : ''));
      if (restored && sendBox) sendBox.focus();
    }

    /** Direct Line throws a 4xx reply to a post (with the server's body); everything else goes on as before. */
    function watchDirectLine(directLine) {
      var post = directLine.postActivity.bind(directLine);
      directLine.postActivity = function (activity) {
        var sent = post(activity);
        // Web Chat only subscribes (with an observer object) and unsubscribes; everything else is the original's.
        var watched = Object.create(sent);
        watched.subscribe = function (observer) {
          var target = typeof observer === 'function' ? { next: observer, error: arguments[1], complete: arguments[2] } : observer || {};
          return sent.subscribe({
            next: function (value) {
              if (target.next) target.next(value);
            },
            error: function (error) {
              if (activity && activity.type === 'message' && error && error.status >= 400 && error.status < 500) refusedMessage(activity, error);
              if (target.error) target.error(error);
            },
            complete: function () {
              if (target.complete) target.complete();
            },
          });
        };
        return watched;
      };
      return directLine;
    }

    /** A refused message says "Not sent" instead of offering a Retry that cannot work. */
    function activityStatusMiddleware() {
      return function (next) {
        return function (args) {
          var id = clientId(args && args.activity);
          if (args && args.sendState === 'send failed' && id && refused[id]) return 'Not sent.';
          return next(args);
        };
      };
    }

    return {
      store: store,
      attach: attach,
      watchDirectLine: watchDirectLine,
      activityStatusMiddleware: activityStatusMiddleware,
    };
  }

  window.sendAssistantChatExtras = {
    create: create,
    MAX_LENGTH: MAX_LENGTH,
    // For the tests.
    linkPhoneNumbers: linkPhoneNumbers,
  };
})();
