/*
 * What the adviser console's pages share: building the DOM from text only (never from HTML), and
 * JSON requests that never reject. Loaded (deferred) before each page's own script.
 */
(function () {
  'use strict';

  /** Appends children; strings and numbers become text nodes. */
  function append(node, children) {
    if (children === undefined || children === null) return node;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (child) {
      if (child === undefined || child === null || child === false) return;
      if (typeof child === 'string' || typeof child === 'number') node.appendChild(document.createTextNode(String(child)));
      else node.appendChild(child);
    });
    return node;
  }

  /** An element with attributes (set as attributes, never as HTML) and children (strings become text nodes). */
  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    if (attributes) {
      Object.keys(attributes).forEach(function (name) {
        var value = attributes[name];
        if (value === undefined || value === null || value === false) return;
        if (name === 'className') node.className = String(value);
        else node.setAttribute(name, value === true ? '' : String(value));
      });
    }
    append(node, children);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function setText(node, text) {
    node.textContent = text === undefined || text === null ? '' : String(text);
  }

  /** A JSON request: resolves with { ok, status, data } and never rejects (status 0: no connection). */
  function request(url, init) {
    return fetch(url, init).then(
      function (response) {
        if (response.status === 204) return { ok: true, status: 204, data: null };
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            return { ok: response.ok, status: response.status, data: data };
          });
      },
      function () {
        return { ok: false, status: 0, data: null };
      },
    );
  }

  window.AdviserPage = { append: append, el: el, clear: clear, setText: setText, request: request };
})();
