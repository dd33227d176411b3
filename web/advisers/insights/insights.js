// Insight for the SEND service (/advisers/insights): charts (Chart.js, served from this server)
// with a table beside each, over a period, council and channel; and groups of unanswered
// questions that an editor can mark as added to the knowledge or out of scope.
//
// Everything from the API is put in the page as text (textContent and text nodes), never as HTML.
// Counts the server suppressed arrive as null with a status, and are shown as words.
(function () {
  'use strict';

  var DATA = '/advisers/insights.json';
  var CSV = '/advisers/insights.csv';
  var MARK = '/advisers/insights/unanswered';
  var BLUE = '#1d70b8';
  var GREEN = '#00703c';
  var RED = '#aa2a16';
  var GREY = '#505a5f';
  var charts = {};
  var state = { data: null, loading: false };

  function $(id) {
    return document.getElementById(id);
  }

  // ---- Building the DOM from text only ------------------------------------------------------

  var page = window.AdviserPage;
  var el = page.el;
  var clear = page.clear;
  var setText = page.setText;


  function str(value) {
    return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
  }

  function isCount(value) {
    return typeof value === 'number' && isFinite(value);
  }

  // ---- Words ---------------------------------------------------------------------------------

  function number(n) {
    return isCount(n) ? n.toLocaleString('en-GB') : '';
  }

  /** A published count as words: the number, or why it is not shown. */
  function countText(c) {
    if (c && isCount(c.value)) return number(c.value);
    if (c && c.status === 'hidden') return 'hidden';
    return 'fewer than 5';
  }

  function shown(c) {
    return !!c && isCount(c.value);
  }

  function plural(n, one, many) {
    return number(n) + ' ' + (n === 1 ? one : many);
  }

  function dateOf(iso) {
    var d = new Date(str(iso) + 'T12:00:00Z');
    return isNaN(d.getTime()) ? null : d;
  }

  function longDate(iso) {
    var d = dateOf(iso);
    return d ? d.toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }) : str(iso);
  }

  function shortDate(iso) {
    var d = dateOf(iso);
    return d ? d.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }) : str(iso);
  }

  function periodText(from, to) {
    return from === to ? longDate(from) : longDate(from) + ' to ' + longDate(to);
  }

  function durationText(seconds) {
    if (!isCount(seconds)) return 'fewer than 5 people';
    if (seconds < 60) return plural(Math.round(seconds), 'second', 'seconds');
    var minutes = Math.round(seconds / 60);
    if (minutes < 60) return plural(minutes, 'minute', 'minutes');
    var hours = Math.floor(minutes / 60);
    var rest = minutes % 60;
    if (hours < 48) return plural(hours, 'hour', 'hours') + (rest ? ' ' + plural(rest, 'minute', 'minutes') : '');
    var days = Math.floor(hours / 24);
    var restHours = hours % 24;
    return plural(days, 'day', 'days') + (restHours ? ' ' + plural(restHours, 'hour', 'hours') : '');
  }

  function optionName(list, id, fallback) {
    for (var i = 0; i < list.length; i++) if (list[i] && list[i].id === id) return str(list[i].name);
    return id ? id : fallback;
  }

  // ---- Talking to the server -----------------------------------------------------------------

  function query() {
    var params = new URLSearchParams();
    ['from', 'to', 'tenant', 'channel'].forEach(function (name) {
      var value = $(name).value;
      if (value) params.set(name, value);
    });
    return params.toString();
  }

  function getJson(url) {
    return page.request(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  }

  function postJson(url, body) {
    return page.request(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  function errorMessage(result, fallback) {
    var error = result && result.data && result.data.error;
    if (result && result.status === 401) return 'Your sign-in has ended. Go back to the adviser console to sign in again.';
    if (error && typeof error.message === 'string') return error.message;
    if (result && result.status === 0) return 'The page cannot reach the server. Check your connection and try again.';
    return fallback;
  }

  function showError(message) {
    var box = $('error');
    setText(box, message);
    box.hidden = !message;
  }

  // ---- Loading -------------------------------------------------------------------------------

  function load(initial) {
    if (state.loading) return;
    state.loading = true;
    $('apply').disabled = true;
    setText($('status'), 'Loading the figures…');
    var q = initial ? location.search.replace(/^\?/, '') : query();
    getJson(DATA + (q ? '?' + q : '')).then(function (result) {
      state.loading = false;
      $('apply').disabled = false;
      if (!result.ok || !result.data) {
        setText($('status'), '');
        showError(errorMessage(result, 'The figures could not be loaded. Try again.'));
        $('error').focus();
        return;
      }
      showError('');
      render(result.data);
      var now = query();
      if (history.replaceState) history.replaceState(null, '', location.pathname + (now ? '?' + now : ''));
    });
  }

  function fillFilters(data) {
    var filters = data.filters || {};
    var options = data.options || {};
    $('from').value = str(filters.from);
    $('to').value = str(filters.to);
    var tenants = Array.isArray(options.tenants) ? options.tenants : [];
    var channels = Array.isArray(options.channels) ? options.channels : [];
    var tenantSelect = $('tenant');
    clear(tenantSelect);
    if (options.allTenants) tenantSelect.appendChild(el('option', { value: '' }, Array.isArray(filters.tenants) ? 'All my councils' : 'All councils'));
    tenants.forEach(function (t) {
      tenantSelect.appendChild(el('option', { value: str(t.id) }, str(t.name)));
    });
    tenantSelect.value = str(filters.tenant);
    if (!options.allTenants && !filters.tenant && tenants[0]) tenantSelect.value = str(tenants[0].id);
    var channelSelect = $('channel');
    clear(channelSelect);
    channelSelect.appendChild(el('option', { value: '' }, 'All channels'));
    channels.forEach(function (c) {
      channelSelect.appendChild(el('option', { value: str(c.id) }, str(c.name)));
    });
    channelSelect.value = str(filters.channel);
    $('csv').setAttribute('href', CSV + (query() ? '?' + query() : ''));
  }

  function scopeText(data) {
    var filters = data.filters || {};
    var options = data.options || {};
    var council = filters.tenant
      ? optionName(options.tenants || [], filters.tenant, filters.tenant)
      : Array.isArray(filters.tenants)
        ? filters.tenants.length === 1
          ? optionName(options.tenants || [], filters.tenants[0], filters.tenants[0])
          : 'your councils'
        : 'all councils';
    var channel = filters.channel ? optionName(options.channels || [], filters.channel, filters.channel) : 'all channels';
    return periodText(filters.from, filters.to) + ', ' + council + ', ' + channel;
  }

  function render(data) {
    state.data = data;
    if (data.viewer) {
      setText($('viewer-name'), str(data.viewer.name) + (data.viewer.role === 'manager' ? ' (manager)' : ''));
      $('viewer').hidden = false;
    }
    fillFilters(data);
    $('figures').hidden = false;
    setText($('status'), 'Showing ' + scopeText(data) + '.');
    renderSummary(data);
    renderDays(data);
    renderTopics(data);
    renderOutcomes(data);
    renderFeedback(data);
    renderHandoffs(data);
    renderTimes(data);
    renderCallbacks(data);
    renderUnanswered(data);
  }

  // ---- Tables --------------------------------------------------------------------------------

  function row(cells) {
    return el(
      'tr',
      null,
      cells.map(function (c, i) {
        if (i === 0) return el('th', { scope: 'row' }, c.text);
        return el('td', { className: 'num' + (c.suppressed ? ' suppressed' : '') }, c.text);
      }),
    );
  }

  function countCell(c) {
    return { text: countText(c), suppressed: !shown(c) };
  }

  function fillTable(id, rows) {
    var body = $(id).querySelector('tbody');
    clear(body);
    rows.forEach(function (r) {
      body.appendChild(row(r));
    });
  }

  // ---- Charts --------------------------------------------------------------------------------

  function chartAvailable() {
    return typeof window.Chart === 'function';
  }

  /** A bar chart (drawn once, then its data replaced); null values are left out of the drawing. */
  function barChart(id, labels, datasets, options) {
    var canvas = $(id);
    if (!chartAvailable()) return;
    var horizontal = options && options.horizontal;
    if (charts[id]) {
      charts[id].data.labels = labels;
      charts[id].data.datasets = datasets;
      charts[id].update('none');
      return;
    }
    var valueAxis = {
      beginAtZero: true,
      ticks: { precision: 0, color: '#0b0c0c' },
      grid: { color: '#dbdad9' },
      title: options && options.valueTitle ? { display: true, text: options.valueTitle, color: '#0b0c0c' } : undefined,
    };
    var labelAxis = { ticks: { color: '#0b0c0c', autoSkip: !horizontal, maxRotation: 60 }, grid: { display: false } };
    charts[id] = new window.Chart(canvas, {
      type: 'bar',
      data: { labels: labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: datasets.length > 1, labels: { color: '#0b0c0c' } },
          tooltip: { enabled: true },
        },
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
      },
    });
  }

  function values(cells) {
    return cells.map(function (c) {
      return shown(c) ? c.value : null;
    });
  }

  function describe(id, text) {
    $(id).setAttribute('aria-label', text + ' The same figures are in the table below.');
  }

  function suppressedNote(cells) {
    var n = cells.filter(function (c) {
      return !shown(c);
    }).length;
    return n ? ' ' + plural(n, 'bar is', 'bars are') + ' not drawn because the figure is fewer than 5 or hidden.' : '';
  }

  // ---- Sections ------------------------------------------------------------------------------

  function renderSummary(data) {
    var list = $('summary');
    clear(list);
    var items = [
      ['Conversations', data.conversations && data.conversations.total],
      ['Hand-offs to a person', data.handoffs && data.handoffs.total],
      ['Safeguarding hand-offs', data.handoffs && data.handoffs.safeguarding, 'urgent'],
      ['Call-back requests', data.callbacks && data.callbacks.total],
    ];
    items.forEach(function (item) {
      list.appendChild(
        el('div', { className: item[2] || null }, [el('dt', null, item[0]), el('dd', { className: shown(item[1]) ? null : 'suppressed' }, countText(item[1]))]),
      );
    });
  }

  function renderDays(data) {
    var days = (data.conversations && data.conversations.perDay) || [];
    fillTable(
      'table-days',
      days.map(function (d) {
        return [{ text: longDate(d.date) }, countCell(d)];
      }),
    );
    barChart(
      'chart-days',
      days.map(function (d) {
        return shortDate(d.date);
      }),
      [{ label: 'Conversations', data: values(days), backgroundColor: BLUE }],
      { valueTitle: 'Conversations' },
    );
    var busiest = null;
    days.forEach(function (d) {
      if (shown(d) && (!busiest || d.value > busiest.value)) busiest = d;
    });
    var total = data.conversations && data.conversations.total;
    describe(
      'chart-days',
      'Bar chart of conversations per day, ' +
        periodText(data.filters.from, data.filters.to) +
        ': ' +
        (shown(total) ? number(total.value) + ' in all.' : 'fewer than 5 in all.') +
        (busiest ? ' The busiest day was ' + longDate(busiest.date) + ' with ' + number(busiest.value) + '.' : '') +
        suppressedNote(days),
    );
  }

  function renderTopics(data) {
    var topics = (data.topics && data.topics.top) || [];
    var hidden = data.topics && isCount(data.topics.hiddenTopics) ? data.topics.hiddenTopics : 0;
    var rows = topics.map(function (t) {
      return [{ text: str(t.title) }, countCell(t)];
    });
    if (hidden > 0) rows.push([{ text: plural(hidden, 'other topic', 'other topics') }, { text: 'fewer than 5 each', suppressed: true }]);
    if (rows.length === 0) rows.push([{ text: 'No topic was asked about 5 times or more' }, { text: '', suppressed: true }]);
    fillTable('table-topics', rows);
    barChart(
      'chart-topics',
      topics.map(function (t) {
        return str(t.title);
      }),
      [{ label: 'Times asked', data: values(topics), backgroundColor: BLUE }],
      { horizontal: true, valueTitle: 'Times asked' },
    );
    describe(
      'chart-topics',
      topics.length
        ? 'Bar chart of the ' +
            plural(topics.length, 'topic', 'topics') +
            ' asked most. The most asked was ' +
            str(topics[0].title) +
            ', ' +
            number(topics[0].value) +
            ' times.'
        : 'Bar chart of the topics asked: no topic was asked 5 times or more.',
    );
  }

  function renderOutcomes(data) {
    var outcomes = data.outcomes || [];
    fillTable(
      'table-outcomes',
      outcomes.map(function (o) {
        return [{ text: str(o.label) }, countCell(o)];
      }),
    );
    barChart(
      'chart-outcomes',
      outcomes.map(function (o) {
        return str(o.label);
      }),
      [{ label: 'Messages', data: values(outcomes), backgroundColor: GREY }],
      { horizontal: true, valueTitle: 'Messages' },
    );
    var parts = outcomes
      .filter(function (o) {
        return ['answered', 'clarified', 'handed-off', 'out-of-scope'].indexOf(o.outcome) >= 0;
      })
      .map(function (o) {
        return str(o.label) + ' ' + countText(o);
      });
    describe('chart-outcomes', 'Bar chart of messages by the kind of reply: ' + parts.join(', ') + '.' + suppressedNote(outcomes));
  }

  function renderFeedback(data) {
    var f = data.feedback || {};
    var answers = f.answers || {};
    var handoffs = f.handoffs || {};
    fillTable('table-feedback', [
      [{ text: 'An answer from the assistant' }, countCell(answers.yes), countCell(answers.no)],
      [{ text: 'Talking to an adviser' }, countCell(handoffs.yes), countCell(handoffs.no)],
    ]);
    barChart(
      'chart-feedback',
      ['After an answer', 'After an adviser'],
      [
        { label: 'Yes, it helped', data: values([answers.yes, handoffs.yes]), backgroundColor: GREEN },
        { label: 'No', data: values([answers.no, handoffs.no]), backgroundColor: RED },
      ],
      { valueTitle: 'Answers' },
    );
    describe(
      'chart-feedback',
      'Bar chart of the answers to Did this help? After an answer from the assistant: yes ' +
        countText(answers.yes) +
        ', no ' +
        countText(answers.no) +
        '. After talking to an adviser: yes ' +
        countText(handoffs.yes) +
        ', no ' +
        countText(handoffs.no) +
        '.',
    );
  }

  function renderHandoffs(data) {
    var h = data.handoffs || {};
    var fates = h.fates || [];
    fillTable(
      'table-handoffs',
      [[{ text: 'All hand-offs' }, countCell(h.total)]]
        .concat(
          fates.map(function (f) {
            return [{ text: str(f.label) }, countCell(f)];
          }),
        )
        .concat([[{ text: 'Safeguarding (urgent) hand-offs' }, countCell(h.safeguarding)]]),
    );
    barChart(
      'chart-handoffs',
      fates.map(function (f) {
        return str(f.label);
      }),
      [{ label: 'Hand-offs', data: values(fates), backgroundColor: BLUE }],
      { horizontal: true, valueTitle: 'Hand-offs' },
    );
    describe(
      'chart-handoffs',
      'Bar chart of what became of ' +
        (shown(h.total) ? number(h.total.value) : 'fewer than 5') +
        ' hand-offs: ' +
        fates
          .map(function (f) {
            return str(f.label) + ' ' + countText(f);
          })
          .join(', ') +
        '.',
    );
  }

  function renderTimes(data) {
    var h = data.handoffs || {};
    var rows = [
      ['An adviser to take the conversation', 'Adviser took it', h.waitToClaim],
      ['The conversation with an adviser to end (from the request)', 'Conversation ended', h.timeToClose],
    ];
    fillTable('table-times', rows.map(timeRow));
    function minutes(seconds) {
      return isCount(seconds) ? Math.round((seconds / 60) * 10) / 10 : null;
    }
    barChart(
      'chart-times',
      rows.map(function (r) {
        return r[1];
      }),
      [
        {
          label: 'Median',
          data: rows.map(function (r) {
            return minutes(r[2] && r[2].medianSeconds);
          }),
          backgroundColor: BLUE,
        },
        {
          label: '90th percentile',
          data: rows.map(function (r) {
            return minutes(r[2] && r[2].p90Seconds);
          }),
          backgroundColor: GREY,
        },
      ],
      { valueTitle: 'Minutes' },
    );
    describe(
      'chart-times',
      'Bar chart of waiting times for hand-offs, in minutes. ' +
        rows
          .map(function (r) {
            var d = r[2] || {};
            return isCount(d.medianSeconds)
              ? r[0] + ': median ' + durationText(d.medianSeconds) + ', 90th percentile ' + durationText(d.p90Seconds) + '.'
              : r[0] + ': not shown, fewer than 5 people.';
          })
          .join(' '),
    );
  }

  function timeRow(r) {
    var d = r[2] || {};
    return [
      { text: r[0] },
      { text: durationText(d.medianSeconds), suppressed: !isCount(d.medianSeconds) },
      { text: durationText(d.p90Seconds), suppressed: !isCount(d.p90Seconds) },
    ];
  }

  function renderCallbacks(data) {
    var c = data.callbacks || {};
    fillTable('table-callbacks', [
      [{ text: 'All call-back requests' }, countCell(c.total)],
      [{ text: 'Done' }, countCell(c.done)],
      [{ text: 'Still open' }, countCell(c.open)],
    ]);
    fillTable('table-callback-times', [timeRow(['Until it was done', '', c.timeToDone])]);
    barChart('chart-callbacks', ['Done', 'Still open'], [{ label: 'Call-backs', data: values([c.done, c.open]), backgroundColor: [GREEN, GREY] }], {
      valueTitle: 'Call-backs',
    });
    var t = c.timeToDone || {};
    describe(
      'chart-callbacks',
      'Bar chart of ' +
        countText(c.total) +
        ' call-back requests: done ' +
        countText(c.done) +
        ', still open ' +
        countText(c.open) +
        '.' +
        (isCount(t.medianSeconds)
          ? ' Half were done within ' + durationText(t.medianSeconds) + ', 9 in 10 within ' + durationText(t.p90Seconds) + '.'
          : ''),
    );
  }

  // ---- Unanswered questions ------------------------------------------------------------------

  function renderUnanswered(data) {
    var u = data.unanswered || {};
    var groups = Array.isArray(u.groups) ? u.groups : [];
    var list = $('unanswered-list');
    var more = $('unanswered-more-list');
    clear(list);
    clear(more);
    groups.forEach(function (group, index) {
      (index < 5 ? list : more).appendChild(groupItem(group, index));
    });
    $('unanswered-empty').hidden = groups.length > 0;
    $('unanswered-more').hidden = groups.length <= 5;
    setText($('unanswered-more-summary'), plural(Math.max(0, groups.length - 5), 'more group', 'more groups'));
    var hidden = isCount(u.hiddenGroups) ? u.hiddenGroups : 0;
    setText(
      $('unanswered-hidden'),
      (hidden > 0 ? plural(hidden, 'smaller group', 'smaller groups') + ' (fewer than 5 questions each) not shown.' : '') +
        (u.limited ? ' Only the newest questions were grouped: choose a shorter period to see older ones.' : ''),
    );
  }

  function groupItem(group, index) {
    var exampleId = 'group-' + (index + 1) + '-example';
    var others = Array.isArray(group.others) ? group.others : [];
    var item = el('li', { className: 'group', 'data-key': str(group.key) }, [
      el('p', { className: 'group__count' }, plural(group.value, 'question', 'questions')),
      el('p', { className: 'group__example quote', id: exampleId }, '“' + str(group.example) + '”'),
      others.length ? el('p', null, 'Also asked:') : null,
      others.length
        ? el(
            'ul',
            { className: 'group__others' },
            others.map(function (text) {
              return el('li', null, str(text));
            }),
          )
        : null,
    ]);
    var actions = el('div', { className: 'group__actions' }, [
      el('button', { type: 'button', className: 'button button--small', 'data-status': 'added', 'aria-describedby': exampleId }, 'Added to knowledge'),
      el('button', { type: 'button', className: 'button button--secondary button--small', 'data-status': 'out-of-scope', 'aria-describedby': exampleId }, 'Out of scope'),
    ]);
    actions.addEventListener('click', function (event) {
      var button = event.target && event.target.closest ? event.target.closest('button') : null;
      if (!button) return;
      mark(group, button.getAttribute('data-status'), actions);
    });
    item.appendChild(actions);
    return item;
  }

  function mark(group, status, actions) {
    var buttons = actions.querySelectorAll('button');
    Array.prototype.forEach.call(buttons, function (b) {
      b.disabled = true;
    });
    postJson(MARK, { ids: group.ids, status: status }).then(function (result) {
      if (!result.ok) {
        Array.prototype.forEach.call(buttons, function (b) {
          b.disabled = false;
        });
        setText($('unanswered-status'), errorMessage(result, 'The group could not be marked. Try again.'));
        return;
      }
      var n = result.data && isCount(result.data.marked) ? result.data.marked : 0;
      setText(
        $('unanswered-status'),
        'Marked ' + plural(n, 'question', 'questions') + (status === 'added' ? ' as added to the knowledge.' : ' as out of scope.'),
      );
      $('unanswered-title').focus();
      load(false);
    });
  }

  // ---- Start -----------------------------------------------------------------------------------

  function start() {
    if (chartAvailable()) {
      window.Chart.defaults.font.family = 'Arial, Helvetica, sans-serif';
      window.Chart.defaults.color = '#0b0c0c';
    } else {
      // Without the charts, the tables are the figures: open them.
      Array.prototype.forEach.call(document.querySelectorAll('.table-alt'), function (d) {
        d.open = true;
      });
    }
    $('filters').addEventListener('submit', function (event) {
      event.preventDefault();
      showError('');
      if ($('from').value && $('to').value && $('from').value > $('to').value) {
        showError('The "From" date must be on or before the "To" date.');
        $('error').focus();
        return;
      }
      load(false);
    });
    ['from', 'to', 'tenant', 'channel'].forEach(function (id) {
      $(id).addEventListener('change', function () {
        $('csv').setAttribute('href', CSV + (query() ? '?' + query() : ''));
      });
    });
    load(true);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
