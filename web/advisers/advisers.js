// The adviser console (/advisers): sign in, the live queue, my conversations, call-back requests,
// and one conversation at a time with its summary and transcript.
//
// Everything from the API that a member of the public typed (and anything else from the API) is
// put in the page as text: textContent and text nodes only, never as HTML.
(function () {
  'use strict';

  var API = '/advisers/api';
  var MAX_REPLY = 2000;
  var REASONS = {
    safeguarding: 'Safeguarding: someone may be at risk',
    asked: 'Asked for a person',
    'not-confident': 'The assistant was not sure',
  };
  var CHANNELS = { directline: 'Web chat', webchat: 'Web chat', sms: 'SMS', msteams: 'Teams', emulator: 'Emulator', test: 'Test' };

  var state = {
    me: null,
    queue: [],
    mine: [],
    callbacks: [],
    current: null, // the id of the conversation shown
    view: null, // { handoff, lines }
    lastSeq: {}, // handoff id -> highest transcript seq seen
    unread: {}, // handoff id -> new messages not yet seen
    drafts: {}, // handoff id -> reply being written
    urgentSeen: {}, // urgent queued ids already announced
    events: null,
    reconnectDelay: 2000,
    reconnectTimer: null,
    refreshTimer: null,
    tick: null,
    pending: { lists: false, view: false },
  };

  function $(id) {
    return document.getElementById(id);
  }

  // ---- Building the DOM from text only -------------------------------------------------------

  var page = window.AdviserPage;
  var el = page.el;
  var append = page.append;
  var clear = page.clear;
  var setText = page.setText;


  function show(node, visible) {
    node.hidden = !visible;
  }

  /** A string from untrusted JSON, or '' for anything else. */
  function str(value) {
    return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
  }

  function visuallyHidden(text) {
    return el('span', { className: 'visually-hidden' }, text);
  }

  // ---- Words -----------------------------------------------------------------------------------

  function councilName(tenant) {
    var id = str(tenant);
    if (!id) return 'Unknown council';
    return id
      .split('-')
      .map(function (part) {
        return part ? part.charAt(0).toUpperCase() + part.slice(1) : part;
      })
      .join(' ');
  }

  function channelName(channel) {
    var id = str(channel);
    return Object.prototype.hasOwnProperty.call(CHANNELS, id) ? CHANNELS[id] : id || 'Unknown channel';
  }

  function reasonText(reason) {
    var id = str(reason);
    return Object.prototype.hasOwnProperty.call(REASONS, id) ? REASONS[id] : id || 'Not given';
  }

  function minutesText(minutes) {
    var n = typeof minutes === 'number' && isFinite(minutes) ? Math.max(0, Math.floor(minutes)) : 0;
    if (n < 1) return 'less than a minute';
    if (n < 60) return n + (n === 1 ? ' minute' : ' minutes');
    var hours = Math.floor(n / 60);
    var rest = n % 60;
    return hours + (hours === 1 ? ' hour' : ' hours') + (rest ? ' ' + rest + ' min' : '');
  }

  function timeText(iso) {
    var date = new Date(str(iso));
    if (isNaN(date.getTime())) return '';
    var sameDay = new Date().toDateString() === date.toDateString();
    return sameDay
      ? date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
      : date.toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  }

  function dateText(value) {
    var text = str(value);
    if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
      var date = new Date(text + 'T00:00:00Z');
      if (!isNaN(date.getTime())) {
        // "Friday 2 January 2026", as the assistant writes dates (no comma after the weekday).
        return (
          date.toLocaleDateString('en-GB', { weekday: 'long', timeZone: 'UTC' }) +
          ' ' +
          date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
        );
      }
    }
    return text;
  }

  function summaryOf(handoff) {
    return handoff && handoff.summary && typeof handoff.summary === 'object' ? handoff.summary : {};
  }

  function topicTitle(handoff) {
    var topic = summaryOf(handoff).topic;
    return topic && typeof topic === 'object' ? str(topic.title) : '';
  }

  function shorten(text, max) {
    return text.length > max ? text.slice(0, max - 1) + '…' : text;
  }

  // ---- Talking to the server -----------------------------------------------------------------

  function api(method, path, body) {
    var init = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (method !== 'GET') {
      // JSON on every change: the server refuses anything else (its defence against forged requests).
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body || {});
    }
    return page.request(API + path, init);
  }

  function errorMessage(result, fallback) {
    var error = result && result.data && result.data.error;
    if (error && typeof error.message === 'string') return error.message;
    if (result && result.status === 0) return 'The console cannot reach the server. Check your connection and try again.';
    return fallback;
  }

  /** A 401 after signing in means the session ended: back to the sign-in form. */
  function signedOutIf(result) {
    if (result.status !== 401 || !state.me) return false;
    signedOut(errorMessage(result, 'Your sign-in has ended. Sign in again.'));
    return true;
  }

  // ---- Signing in and out --------------------------------------------------------------------

  function start() {
    $('sign-in-form').addEventListener('submit', onSignIn);
    $('sign-out').addEventListener('click', onSignOut);
    $('claim').addEventListener('click', onClaim);
    $('reply-form').addEventListener('submit', onReply);
    $('reply-text').addEventListener('input', onReplyInput);
    $('reply-text').addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        onReply(event);
      }
    });
    $('transfer-form').addEventListener('submit', onTransfer);
    $('close').addEventListener('click', function () {
      show($('close-confirm'), true);
      show($('close'), false);
      $('close-yes').focus();
    });
    $('close-no').addEventListener('click', hideCloseConfirm);
    $('close-yes').addEventListener('click', onClose);
    document.addEventListener('visibilitychange', function () {
      if (!document.hidden && state.current && state.unread[state.current]) {
        delete state.unread[state.current];
        renderMine();
      }
    });
    api('GET', '/me').then(function (result) {
      show($('loading'), false);
      if (result.ok && result.data) signedIn(result.data, false);
      else showSignIn(result);
    });
  }

  function showSignIn(result) {
    show($('console'), false);
    show($('account'), false);
    show($('sign-in'), true);
    var signIn = result && result.data && result.data.signIn;
    var unavailable = signIn && signIn.available === false;
    show($('sign-in-unavailable'), !!unavailable);
    setText($('sign-in-unavailable-text'), unavailable ? str(signIn.message) || 'No one can sign in yet.' : '');
    show($('sign-in-form'), !unavailable);
  }

  function onSignIn(event) {
    event.preventDefault();
    var username = $('username').value.trim();
    var password = $('password').value;
    var errorBox = $('sign-in-error');
    if (!username || !password) {
      showError(errorBox, !username ? 'Enter your username.' : 'Enter your password.');
      (!username ? $('username') : $('password')).focus();
      return;
    }
    var button = $('sign-in-button');
    button.disabled = true;
    setText(button, 'Signing in…');
    api('POST', '/session', { username: username, password: password })
      .then(function (result) {
        if (!result.ok) {
          $('password').value = '';
          showError(errorBox, errorMessage(result, 'Signing in did not work. Try again.'));
          errorBox.focus();
          return undefined;
        }
        $('password').value = '';
        show(errorBox, false);
        return api('GET', '/me').then(function (me) {
          if (me.ok && me.data) signedIn(me.data, true);
          else showError(errorBox, errorMessage(me, 'Signing in did not work. Try again.'));
        });
      })
      .then(function () {
        button.disabled = false;
        setText(button, 'Sign in');
      });
  }

  function onSignOut() {
    api('DELETE', '/session').then(function () {
      signedOut('You have signed out.');
    });
  }

  function signedIn(me, moveFocus) {
    state.me = me;
    setText($('account-name'), str(me.name) + (me.role === 'manager' ? ' (manager)' : ''));
    show($('sign-in'), false);
    show($('account'), true);
    show($('console'), true);
    setText($('page-title'), 'Adviser console');
    document.title = 'Adviser console: SEND assistant';
    refreshLists();
    connectEvents();
    // A link to one conversation (from a Teams card): /advisers/#/handoffs/<id>
    var linked = handoffFromHash();
    if (linked) {
      openConversation(linked);
      moveFocus = false;
    }
    if (state.tick) clearInterval(state.tick);
    // Waiting times move on even when nothing else happens.
    state.tick = setInterval(function () {
      scheduleRefresh(false);
    }, 60000);
    if (moveFocus) $('queue-title').focus();
  }

  function signedOut(message) {
    state.me = null;
    state.current = null;
    state.view = null;
    state.queue = [];
    state.mine = [];
    state.callbacks = [];
    state.unread = {};
    state.drafts = {};
    state.lastSeq = {};
    state.urgentSeen = {};
    if (state.events) state.events.close();
    state.events = null;
    if (state.reconnectTimer) clearTimeout(state.reconnectTimer);
    if (state.tick) clearInterval(state.tick);
    clear($('queue-list'));
    clear($('mine-list'));
    clear($('callbacks-list'));
    clear($('transcript'));
    clear($('summary'));
    showConversation(null);
    showSignIn(null);
    var box = $('sign-in-error');
    if (message) {
      box.className = 'notice';
      setText(box, message);
      show(box, true);
    }
    $('username').focus();
  }

  function showError(box, message) {
    box.className = 'error';
    setText(box, message);
    show(box, true);
  }

  // ---- Live updates ------------------------------------------------------------------------------

  function connectEvents() {
    if (state.events) state.events.close();
    if (state.reconnectTimer) clearTimeout(state.reconnectTimer);
    var source = new EventSource(API + '/events');
    state.events = source;
    source.addEventListener('open', function () {
      state.reconnectDelay = 2000;
      setText($('connection'), 'Live updates on');
      // Catch up on anything missed while disconnected.
      scheduleRefresh(true);
    });
    ['queue', 'handoff', 'message', 'callbacks'].forEach(function (type) {
      source.addEventListener(type, function (event) {
        var data = null;
        try {
          data = JSON.parse(event.data);
        } catch (error) {
          data = null;
        }
        onDeskEvent(type, data || {});
      });
    });
    source.addEventListener('error', function () {
      if (state.events !== source) return;
      if (source.readyState === EventSource.CONNECTING) {
        setText($('connection'), 'Reconnecting live updates…');
        return;
      }
      // Closed for good (the server refused: the sign-in may have ended). Check, then try again.
      source.close();
      state.events = null;
      setText($('connection'), 'Live updates stopped. Reconnecting…');
      api('GET', '/me').then(function (result) {
        if (result.status === 401) {
          if (state.me) signedOut(errorMessage(result, 'Your sign-in has ended. Sign in again.'));
          return;
        }
        if (!state.me) return;
        state.reconnectTimer = setTimeout(connectEvents, state.reconnectDelay);
        state.reconnectDelay = Math.min(state.reconnectDelay * 2, 60000);
      });
    });
  }

  function onDeskEvent(type, data) {
    var id = str(data.handoffId);
    if (type === 'message' && id) {
      if (id !== state.current || document.hidden) state.unread[id] = (state.unread[id] || 0) + 1;
    }
    var touchesView = state.current && (!id || id === state.current);
    scheduleRefresh(type !== 'callbacks' && touchesView);
  }

  /** Coalesces bursts of events into one round of requests. */
  function scheduleRefresh(includeView) {
    state.pending.lists = true;
    if (includeView) state.pending.view = true;
    if (state.refreshTimer) return;
    state.refreshTimer = setTimeout(function () {
      state.refreshTimer = null;
      var view = state.pending.view;
      state.pending.lists = false;
      state.pending.view = false;
      refreshLists();
      if (view && state.current) loadConversation(state.current, false);
    }, 150);
  }

  // ---- The lists ---------------------------------------------------------------------------------

  function refreshLists() {
    return Promise.all([api('GET', '/queue'), api('GET', '/mine'), api('GET', '/callbacks')]).then(function (results) {
      if (results.some(signedOutIf)) return;
      if (results[0].ok && results[0].data && Array.isArray(results[0].data.items)) {
        state.queue = results[0].data.items;
        renderQueue();
      }
      if (results[1].ok && results[1].data && Array.isArray(results[1].data.handoffs)) {
        state.mine = results[1].data.handoffs;
        renderMine();
      }
      if (results[2].ok && results[2].data && Array.isArray(results[2].data.callbacks)) {
        state.callbacks = results[2].data.callbacks;
        renderCallbacks();
      }
    });
  }

  function renderQueue() {
    var list = $('queue-list');
    var focusedId = focusedItemId(list);
    clear(list);
    var items = state.queue.slice().sort(function (a, b) {
      var ua = a.handoff && a.handoff.urgent ? 0 : 1;
      var ub = b.handoff && b.handoff.urgent ? 0 : 1;
      return ua - ub || (a.position || 0) - (b.position || 0);
    });
    var urgentNew = 0;
    items.forEach(function (item) {
      var handoff = item.handoff || {};
      var id = str(handoff.id);
      var summary = summaryOf(handoff);
      var where = councilName(handoff.tenant) + ', ' + channelName(handoff.channel);
      var asked = str(summary.asked);
      var topic = topicTitle(handoff);
      if (handoff.urgent && !state.urgentSeen[id]) {
        state.urgentSeen[id] = true;
        urgentNew += 1;
      }
      var li = el('li', { className: 'item' + (handoff.urgent ? ' item--urgent' : ''), 'data-id': id }, [
        handoff.urgent ? el('p', { className: 'badge badge--urgent' }, 'Urgent: safeguarding') : null,
        el('p', { className: 'item__title' }, [
          el('span', { className: 'item__position' }, 'No. ' + (item.position || '?')),
          ' ',
          where,
        ]),
        el('p', { className: 'item__meta' }, 'Waiting ' + minutesText(item.waitingMinutes) + '. ' + reasonText(handoff.reason) + '.'),
        topic ? el('p', { className: 'item__meta' }, 'About: ' + topic) : null,
        asked ? el('p', { className: 'item__quote' }, shorten(asked, 160)) : null,
        el('div', { className: 'item__actions' }, [
          el('button', { type: 'button', className: 'button button--secondary button--small', 'data-action': 'view', 'data-id': id }, [
            'View',
            visuallyHidden(' conversation ' + (item.position || '') + ' from ' + where),
          ]),
          el('button', { type: 'button', className: 'button button--small', 'data-action': 'claim', 'data-id': id }, [
            'Claim',
            visuallyHidden(' conversation ' + (item.position || '') + ' from ' + where),
          ]),
        ]),
      ]);
      list.appendChild(li);
    });
    setText($('queue-count'), '(' + items.length + ')');
    show($('queue-empty'), items.length === 0);
    restoreFocus(list, focusedId);
    if (urgentNew > 0) {
      announce('urgent', urgentNew === 1 ? 'An urgent safeguarding conversation is waiting in the queue.' : urgentNew + ' urgent safeguarding conversations are waiting in the queue.');
    }
  }

  function renderMine() {
    var list = $('mine-list');
    var focusedId = focusedItemId(list);
    clear(list);
    state.mine.forEach(function (handoff) {
      var id = str(handoff.id);
      var where = councilName(handoff.tenant) + ', ' + channelName(handoff.channel);
      var unread = state.unread[id] || 0;
      var topic = topicTitle(handoff);
      var current = id === state.current;
      list.appendChild(
        el('li', { className: 'item' + (handoff.urgent ? ' item--urgent' : '') + (current ? ' item--current' : ''), 'data-id': id }, [
          handoff.urgent ? el('p', { className: 'badge badge--urgent' }, 'Urgent: safeguarding') : null,
          el('button', { type: 'button', className: 'item__open', 'data-action': 'view', 'data-id': id, 'aria-current': current ? 'true' : null }, [
            el('span', { className: 'item__title' }, where),
            topic ? el('span', { className: 'item__meta' }, 'About: ' + topic) : null,
            el('span', { className: 'item__meta' }, 'Claimed ' + timeText(handoff.claimedAt)),
            unread ? el('span', { className: 'badge badge--new' }, unread + (unread === 1 ? ' new message' : ' new messages')) : null,
          ]),
        ]),
      );
    });
    setText($('mine-count'), '(' + state.mine.length + ')');
    show($('mine-empty'), state.mine.length === 0);
    restoreFocus(list, focusedId);
  }

  function renderCallbacks() {
    var list = $('callbacks-list');
    var focusedId = focusedItemId(list);
    clear(list);
    state.callbacks.forEach(function (callback) {
      var id = str(callback.id);
      var name = str(callback.name) || 'No name given';
      list.appendChild(
        el('li', { className: 'item', 'data-id': id }, [
          el('p', { className: 'item__title' }, name),
          el('dl', { className: 'pairs' }, [
            el('dt', null, 'Contact'),
            el('dd', null, str(callback.contact) || 'Not given'),
            el('dt', null, 'Best time'),
            el('dd', null, str(callback.bestTime) || 'Any time'),
            el('dt', null, 'Council'),
            el('dd', null, councilName(callback.tenant) + ', ' + channelName(callback.channel)),
            el('dt', null, 'Asked'),
            el('dd', null, timeText(callback.createdAt)),
          ]),
          el('button', { type: 'button', className: 'button button--secondary button--small', 'data-action': 'done', 'data-id': id }, [
            'Mark done',
            visuallyHidden(': call back ' + name),
          ]),
        ]),
      );
    });
    setText($('callbacks-count'), '(' + state.callbacks.length + ')');
    show($('callbacks-empty'), state.callbacks.length === 0);
    restoreFocus(list, focusedId);
  }

  /** Keeps keyboard focus on the same button when a list is drawn again. */
  function focusedItemId(list) {
    var active = document.activeElement;
    if (!active || !list.contains(active)) return null;
    return { id: active.getAttribute('data-id'), action: active.getAttribute('data-action') };
  }

  function restoreFocus(list, focused) {
    if (!focused) return;
    var buttons = list.querySelectorAll('button[data-action]');
    for (var i = 0; i < buttons.length; i += 1) {
      if (buttons[i].getAttribute('data-id') === focused.id && buttons[i].getAttribute('data-action') === focused.action) {
        buttons[i].focus();
        return;
      }
    }
    // The item went away (claimed by someone, closed): keep focus in the list's section.
    var heading = list.parentNode && list.parentNode.querySelector('h2');
    if (heading) heading.focus();
  }

  document.addEventListener('click', function (event) {
    var target = event.target instanceof Element ? event.target.closest('button[data-action]') : null;
    if (!target) return;
    var id = target.getAttribute('data-id');
    var action = target.getAttribute('data-action');
    if (!id) return;
    if (action === 'view') openConversation(id);
    else if (action === 'claim') claim(id, target);
    else if (action === 'done') callbackDone(id, target);
  });

  function callbackDone(id, button) {
    button.disabled = true;
    api('POST', '/callbacks/' + encodeURIComponent(id) + '/done').then(function (result) {
      if (signedOutIf(result)) return;
      var box = $('callbacks-error');
      if (!result.ok) {
        button.disabled = false;
        showError(box, errorMessage(result, 'That call-back could not be marked done.'));
        return;
      }
      show(box, false);
      announce('polite', 'Call-back marked done.');
      state.callbacks = state.callbacks.filter(function (c) {
        return c.id !== id;
      });
      renderCallbacks();
      $('callbacks-title').focus();
      refreshLists();
    });
  }

  // ---- One conversation ------------------------------------------------------------------------

  function handoffFromHash() {
    var match = /^#\/handoffs\/([^/?#]+)$/.exec(window.location.hash);
    if (!match) return null;
    try {
      return decodeURIComponent(match[1]);
    } catch (error) {
      return null;
    }
  }

  function setHash(id) {
    var url = window.location.pathname + window.location.search + (id ? '#/handoffs/' + encodeURIComponent(id) : '');
    window.history.replaceState(null, '', url);
  }

  window.addEventListener('hashchange', function () {
    var id = handoffFromHash();
    if (id && state.me && id !== state.current) openConversation(id);
  });

  function openConversation(id) {
    saveDraft();
    setHash(id);
    state.current = id;
    delete state.unread[id];
    hideCloseConfirm();
    show($('action-error'), false);
    loadConversation(id, true);
    renderMine();
  }

  function loadConversation(id, moveFocus) {
    return api('GET', '/handoffs/' + encodeURIComponent(id)).then(function (result) {
      if (signedOutIf(result)) return;
      if (state.current !== id) return;
      if (!result.ok || !result.data) {
        showConversation(null);
        state.current = null;
        setHash(null);
        setText($('conversation-empty'), errorMessage(result, 'That conversation could not be opened.'));
        if (moveFocus) $('conversation-title').focus();
        return;
      }
      var firstLoad = !state.view || !state.view.handoff || state.view.handoff.id !== id;
      state.view = result.data;
      showConversation(result.data, firstLoad);
      if (moveFocus) $('conversation-title').focus();
    });
  }

  function isMine(handoff) {
    return !!(state.me && handoff && handoff.status === 'claimed' && handoff.claimedBy === state.me.id);
  }

  function showConversation(view, firstLoad) {
    var body = $('conversation-body');
    if (!view || !view.handoff) {
      setText($('conversation-title'), 'Conversation');
      setText($('conversation-empty'), 'Choose a conversation from the queue or from My conversations.');
      show($('conversation-empty'), true);
      show(body, false);
      return;
    }
    var handoff = view.handoff;
    var where = councilName(handoff.tenant) + ', ' + channelName(handoff.channel);
    setText($('conversation-title'), (handoff.urgent ? 'Urgent: ' : '') + 'Conversation from ' + where);
    show($('conversation-empty'), false);
    show(body, true);

    var mine = isMine(handoff);
    var stateText =
      handoff.status === 'closed'
        ? 'This conversation has ended.'
        : mine
          ? 'You have this conversation. The person sees your replies as they are sent.'
          : handoff.status === 'claimed'
            ? 'Another adviser has this conversation.'
            : 'Waiting in the queue. Claim it to reply.';
    setText($('conversation-state'), stateText);
    $('conversation-state').className = 'state' + (handoff.urgent ? ' state--urgent' : '');
    show($('claim-area'), handoff.status === 'queued');
    show($('reply-form'), mine);
    show($('manage'), mine);
    if (firstLoad) {
      $('reply-text').value = state.drafts[handoff.id] || '';
      onReplyInput();
      $('transfer-to').value = '';
    }
    renderSummary(handoff);
    renderTranscript(handoff, Array.isArray(view.lines) ? view.lines : [], firstLoad);
  }

  function renderSummary(handoff) {
    var summary = summaryOf(handoff);
    var dl = $('summary');
    clear(dl);
    function pair(label, value) {
      if (value === null || value === undefined || value === '') return;
      dl.appendChild(el('dt', null, label));
      dl.appendChild(el('dd', null, value));
    }
    pair('Reason', (handoff.urgent ? 'URGENT. ' : '') + reasonText(handoff.reason || summary.reason));
    pair('Topic', topicTitle(handoff) || 'Not known');
    pair('What was asked', str(summary.asked) ? el('q', { className: 'quote' }, str(summary.asked)) : summary.consent === false ? 'Not shared: the person did not agree to pass on what they typed before the hand-off.' : 'Not given');
    pair('Dates given', datesList(summary.dates, false));
    pair('Deadlines', datesList(summary.deadlines, true));
    pair('Council', councilName(handoff.tenant));
    pair('Channel', channelName(handoff.channel));
    pair('Waiting since', timeText(handoff.createdAt));
    if (handoff.claimedAt) pair('Claimed', timeText(handoff.claimedAt));
    var transcript = summary.transcript && typeof summary.transcript === 'object' ? str(summary.transcript.conversationId) : '';
    pair('Conversation id', transcript ? el('code', null, transcript) : '');
  }

  function datesList(items, deadlines) {
    if (!Array.isArray(items) || items.length === 0) return '';
    var list = el('ul', { className: 'dates' });
    items.forEach(function (item) {
      if (!item || typeof item !== 'object') return;
      var text = str(item.label) + ': ' + dateText(item.date);
      var rule = deadlines ? str(item.rule) : '';
      list.appendChild(el('li', null, [text, rule ? el('span', { className: 'hint' }, ' (' + rule + ')') : null]));
    });
    return list.childNodes.length ? list : '';
  }

  function renderTranscript(handoff, lines, firstLoad) {
    var list = $('transcript');
    var nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    var previous = state.lastSeq[handoff.id];
    clear(list);
    var newFromPerson = [];
    var highest = previous || 0;
    lines.forEach(function (line) {
      var from = line.from === 'adviser' || line.from === 'assistant' ? line.from : 'person';
      var who = from === 'adviser' ? 'Adviser' + (str(line.name) ? ' (' + str(line.name) + ')' : '') : from === 'assistant' ? 'Assistant' : 'Person';
      var seq = typeof line.seq === 'number' ? line.seq : 0;
      list.appendChild(
        el('li', { className: 'line line--' + from }, [
          el('p', { className: 'line__who' }, [who, el('span', { className: 'line__time' }, ' ' + timeText(line.at))]),
          el('p', { className: 'line__text' }, str(line.text)),
        ]),
      );
      if (previous !== undefined && seq > previous && from === 'person') newFromPerson.push(str(line.text));
      if (seq > highest) highest = seq;
    });
    if (lines.length === 0) list.appendChild(el('li', { className: 'line line--empty' }, 'No messages you can see yet.'));
    state.lastSeq[handoff.id] = highest;
    if (firstLoad || nearBottom) list.scrollTop = list.scrollHeight;
    if (newFromPerson.length > 0) {
      announce('polite', 'New message from the person: ' + shorten(newFromPerson[newFromPerson.length - 1], 300));
    }
  }

  function onClaim() {
    if (state.current) claim(state.current, $('claim'));
  }

  function claim(id, button) {
    button.disabled = true;
    api('POST', '/handoffs/' + encodeURIComponent(id) + '/claim').then(function (result) {
      button.disabled = false;
      if (signedOutIf(result)) return;
      if (!result.ok) {
        if (state.current !== id) {
          setHash(id);
          state.current = id;
          loadConversation(id, false);
        }
        showActionError(errorMessage(result, 'This conversation could not be claimed.'));
        refreshLists();
        return;
      }
      announce('polite', 'Conversation claimed. It is now in My conversations.');
      if (state.current !== id) setHash(id);
      state.current = id;
      delete state.unread[id];
      refreshLists();
      loadConversation(id, false).then(function () {
        if (state.current === id && !$('reply-form').hidden) $('reply-text').focus();
      });
    });
  }

  function onReplyInput() {
    var left = MAX_REPLY - $('reply-text').value.length;
    setText($('reply-count'), left >= 0 ? left + (left === 1 ? ' character left.' : ' characters left.') : -left + ' characters too many.');
  }

  function saveDraft() {
    if (state.current && !$('reply-form').hidden) state.drafts[state.current] = $('reply-text').value;
  }

  function onReply(event) {
    if (event) event.preventDefault();
    var id = state.current;
    var box = $('reply-text');
    var text = box.value;
    if (!id) return;
    if (!text.trim()) {
      showActionError('Write a reply first.');
      box.focus();
      return;
    }
    var send = $('reply-send');
    if (send.disabled) return;
    send.disabled = true;
    api('POST', '/handoffs/' + encodeURIComponent(id) + '/reply', { text: text }).then(function (result) {
      send.disabled = false;
      if (signedOutIf(result)) return;
      if (!result.ok) {
        showActionError(errorMessage(result, 'Your reply was not sent.'));
        // The person's STOP is in the conversation: show it next to the message. The draft stays.
        if (result.data && result.data.error && result.data.error.code === 'OptedOut' && state.current === id) loadConversation(id, false);
        return;
      }
      show($('action-error'), false);
      if (state.current === id) {
        box.value = '';
        onReplyInput();
        box.focus();
      }
      delete state.drafts[id];
      announce('polite', 'Reply sent.');
      loadConversation(id, false);
    });
  }

  function onTransfer(event) {
    event.preventDefault();
    var id = state.current;
    var to = $('transfer-to').value.trim();
    if (!id) return;
    if (!to) {
      showActionError('Enter the username of the adviser to transfer to.');
      $('transfer-to').focus();
      return;
    }
    api('POST', '/handoffs/' + encodeURIComponent(id) + '/transfer', { to: to }).then(function (result) {
      if (signedOutIf(result)) return;
      if (!result.ok) {
        showActionError(errorMessage(result, 'The conversation was not transferred.'));
        return;
      }
      delete state.drafts[id];
      announce('polite', 'Conversation transferred.');
      leaveConversation();
    });
  }

  function hideCloseConfirm() {
    show($('close-confirm'), false);
    show($('close'), true);
  }

  function onClose() {
    var id = state.current;
    if (!id) return;
    api('POST', '/handoffs/' + encodeURIComponent(id) + '/close').then(function (result) {
      if (signedOutIf(result)) return;
      hideCloseConfirm();
      if (!result.ok) {
        showActionError(errorMessage(result, 'The conversation was not closed.'));
        return;
      }
      delete state.drafts[id];
      announce('polite', 'Conversation closed. The assistant has taken over again.');
      leaveConversation();
    });
  }

  function leaveConversation() {
    setHash(null);
    state.current = null;
    state.view = null;
    showConversation(null);
    refreshLists().then(function () {
      $('mine-title').focus();
    });
  }

  function showActionError(message) {
    var box = $('action-error');
    showError(box, message);
    box.focus();
  }

  function announce(kind, text) {
    var region = $(kind === 'urgent' ? 'announce-urgent' : 'announce-polite');
    setText(region, '');
    // A fresh text node after a moment, so the same words are read again when they repeat.
    setTimeout(function () {
      setText(region, text);
    }, 50);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
