/*
 * Cyberbot chat widget: an embeddable, dependency-free chat widget for a Rasa 3.6
 * assistant. It speaks Rasa's socket.io channel directly over a browser WebSocket
 * (a minimal Engine.IO v4 / socket.io v5 client), renders inside a shadow root and
 * keeps the session id and the history in localStorage.
 *
 * Embed:
 *   <script src="https://example.org/widget.js" data-server="https://bot.example.org"
 *           data-title="Cyberverzekering-assistent" data-color="#0b5394" data-open="false"
 *           data-initial-payload="/greet" data-privacy-url="https://example.org/privacy"
 *           defer></script>
 *
 * Plain ES2019, no build step. Pure logic is exported for Node tests at the bottom;
 * the widget only boots in a browser.
 */
(function () {
  "use strict";

  // Captured synchronously: document.currentScript is null once this script has run.
  var CURRENT_SCRIPT = typeof document !== "undefined" ? document.currentScript : null;

  var MAX_HISTORY = 200;
  var MAX_CHARS = 2000;
  var COUNTER_FROM = 1800; // show the character counter from this length on
  var REPLY_TIMEOUT_MS = 30000;
  var BACKOFF_BASE_MS = 1000;
  var BACKOFF_MAX_MS = 30000;
  var BACKOFF_JITTER = 0.2;
  var MAX_INLINE_DEPTH = 4;

  // Everything a visitor reads (Dutch, formal "u").
  var T = {
    defaultTitle: "Cyberverzekering-assistent",
    open: "Chat openen",
    closeChat: "Chat sluiten",
    newMessages: function (n) {
      return n === 1 ? "1 nieuw bericht" : n + " nieuwe berichten";
    },
    close: "Sluiten",
    clear: "Gesprek wissen",
    clearQuestion: "Weet u het zeker?",
    clearYes: "Ja, wissen",
    clearNo: "Annuleren",
    privacyBefore: "Dit gesprek wordt opgeslagen om u te kunnen helpen. Lees onze ",
    privacyLink: "privacyverklaring",
    privacyAfter: ".",
    inputLabel: "Uw bericht",
    placeholder: "Typ uw bericht…",
    send: "Versturen",
    typing: "De assistent typt…",
    slow: "Het antwoord laat op zich wachten. Probeert u het zo nog eens?",
    offline: "Verbinding verbroken — opnieuw proberen",
    retry: "Nu opnieuw proberen",
    pending: "wordt verzonden zodra de verbinding terug is",
    image: "Afbeelding van de assistent",
    botSays: "Assistent: ",
    userSays: "U: ",
    options: "Antwoordopties",
    counter: function (n) {
      return n + " / " + MAX_CHARS + " tekens";
    },
  };

  // ---------------------------------------------------------------------------
  // URLs, time, colours
  // ---------------------------------------------------------------------------

  var LINK_PROTOCOLS = ["http", "https", "mailto"];
  var IMAGE_PROTOCOLS = ["http", "https"];

  /**
   * Return a normalised absolute URL if `raw` uses one of `protocols`
   * (default http, https, mailto), else null. Relative URLs are rejected.
   */
  function safeUrl(raw, protocols) {
    if (typeof raw !== "string") return null;
    var s = raw.trim();
    // No whitespace or control characters inside (defeats "java\tscript:" tricks).
    if (!s || s.length > 2048 || /[\u0000-\u0020\u007f-\u009f]/.test(s)) return null;
    var m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
    if (!m) return null;
    var protocol = m[1].toLowerCase();
    if ((protocols || LINK_PROTOCOLS).indexOf(protocol) < 0) return null;
    if (protocol === "http" || protocol === "https") {
      if (!/^https?:\/\/[^/?#@\\]+/i.test(s) && !/^https?:\/\/[^/?#\\]+@[^/?#\\]+/i.test(s)) return null;
    } else if (s.length <= protocol.length + 1) {
      return null;
    }
    if (typeof URL === "function") {
      try {
        var u = new URL(s);
        if (u.protocol !== protocol + ":") return null;
        return u.href;
      } catch (e) {
        return null;
      }
    }
    return s;
  }

  var timeFormatters = {};

  /** "14:05": Dutch 24-hour time; `timeZone` defaults to the visitor's own. */
  function formatTime(date, timeZone) {
    var d = date instanceof Date ? date : new Date(date);
    if (isNaN(d.getTime())) return "";
    var key = timeZone || "";
    var f = timeFormatters[key];
    if (!f) {
      var opts = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
      if (timeZone) opts.timeZone = timeZone;
      f = timeFormatters[key] = new Intl.DateTimeFormat("nl-NL", opts);
    }
    return f.format(d);
  }

  /** "#0b5394" / "#fff" → [r, g, b] or null. */
  function parseHexColor(hex) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(hex || "").trim());
    if (!m) return null;
    var h = m[1];
    if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
  }

  function luminance(rgb) {
    var c = rgb.map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  /** WCAG contrast ratio of two hex colours (1 … 21). */
  function contrastRatio(a, b) {
    var la = luminance(parseHexColor(a));
    var lb = luminance(parseHexColor(b));
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  /** Text colour for a background: white if it reaches 4.5:1, else near-black. */
  function textColorOn(bg) {
    return contrastRatio(bg, "#ffffff") >= 4.5 ? "#ffffff" : "#1a1a1a";
  }

  // ---------------------------------------------------------------------------
  // Markdown subset → plain tree (no HTML anywhere) → DOM
  // ---------------------------------------------------------------------------

  function isSpace(c) {
    return c === undefined || c === " " || c === "\t" || c === "\n";
  }

  function isWordChar(c) {
    return c !== undefined && /[0-9A-Za-z\u00c0-\u024f]/.test(c);
  }

  function countChar(s, ch, from, to) {
    var n = 0;
    for (var i = from; i < to; i++) if (s[i] === ch) n++;
    return n;
  }

  // indexOf with a per-token memo: with increasing `from` the total work per token is
  // linear, so unbalanced markers cannot make parsing quadratic.
  function makeFinder(s) {
    var cache = {};
    return function (tok, from) {
      var c = cache[tok];
      if (c && c.from <= from && (c.at === -1 || c.at >= from)) return c.at;
      var at = s.indexOf(tok, from);
      cache[tok] = { from: from, at: at };
      return at;
    };
  }

  /** Inline Markdown: **bold**, *italic*, _italic_, [text](url). Returns nodes. */
  function parseInline(s, depth, inLink) {
    depth = depth || 0;
    var out = [];
    var buf = "";
    var n = s.length;
    var i = 0;
    var find = makeFinder(s);
    function flush() {
      if (buf) {
        out.push({ type: "text", text: buf });
        buf = "";
      }
    }
    // The "(url)" after a "](" at `mid`: {href, end} or null. Cached, because many
    // "[" openers can share one "](" and must not rescan it each time.
    var tailAt = -1;
    var tailResult = null;
    function linkTail(mid) {
      if (mid === tailAt) return tailResult;
      tailAt = mid;
      tailResult = null;
      var rp = find(")", mid + 2);
      // Allow balanced parentheses inside the URL, e.g. ...wiki/Foo_(bar).
      for (var guard = 0; rp > 0 && rp - mid < 2050 && guard < 4; guard++) {
        if (countChar(s, "(", mid + 2, rp) <= countChar(s, ")", mid + 2, rp)) break;
        var more = find(")", rp + 1);
        if (more < 0) break;
        rp = more;
      }
      if (rp > mid + 2 && rp - mid < 2050) {
        var href = s.slice(mid + 2, rp).trim();
        if (href && !/\s/.test(href)) tailResult = { href: href, end: rp };
      }
      return tailResult;
    }
    function nested(from, to) {
      return parseInline(s.slice(from, to), depth + 1, inLink);
    }
    while (i < n) {
      var c = s[i];
      if (depth < MAX_INLINE_DEPTH && (c === "*" || c === "_" || c === "[")) {
        if (c === "*" && s[i + 1] === "*") {
          var end = find("**", i + 2);
          if (end > i + 2) {
            while (s[end + 2] === "*" && end + 2 < n) end++; // "***x***": close on the last pair
            if (!isSpace(s[i + 2]) && !isSpace(s[end - 1])) {
              flush();
              out.push({ type: "strong", children: nested(i + 2, end) });
              i = end + 2;
              continue;
            }
          }
          buf += "**";
          i += 2;
          continue;
        }
        if (c === "*" || (c === "_" && !isWordChar(s[i - 1]))) {
          var close = find(c, i + 1);
          if (
            close > i + 1 &&
            !isSpace(s[i + 1]) &&
            !isSpace(s[close - 1]) &&
            (c === "*" || !isWordChar(s[close + 1]))
          ) {
            flush();
            out.push({ type: "em", children: nested(i + 1, close) });
            i = close + 1;
            continue;
          }
          buf += c;
          i += 1;
          continue;
        }
        if (c === "[" && !inLink) {
          var mid = find("](", i + 1);
          if (mid > i + 1 && find("]", i + 1) === mid) {
            var tail = linkTail(mid);
            if (tail) {
              var label = parseInline(s.slice(i + 1, mid), depth + 1, true);
              var url = safeUrl(tail.href);
              flush();
              if (url) {
                out.push({ type: "link", href: url, children: label });
              } else {
                // Unsafe or unsupported URL: keep only the label, as plain text.
                for (var k = 0; k < label.length; k++) out.push(label[k]);
              }
              i = tail.end + 1;
              continue;
            }
          }
        }
      }
      buf += c;
      i += 1;
    }
    flush();
    return out;
  }

  var BULLET_RE = /^\s{0,3}[-•*]\s+(.*)$/;
  var ORDERED_RE = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;

  /**
   * Parse the Markdown subset into a plain tree:
   *   [{type: "paragraph", children: [inline…]},
   *    {type: "list", ordered, start, items: [[inline…], …]}]
   * Inline nodes: {type: "text", text}, {type: "br"}, {type: "strong"|"em", children},
   * {type: "link", href, children}. Text is never interpreted as HTML.
   */
  function parseMarkdown(text) {
    if (typeof text !== "string") text = text == null ? "" : String(text);
    var lines = text.replace(/\r\n?/g, "\n").split("\n");
    var blocks = [];
    var para = null;
    var list = null;
    for (var li = 0; li < lines.length; li++) {
      var line = lines[li].replace(/\s+$/, "");
      if (!line.trim()) {
        para = null;
        list = null;
        continue;
      }
      var bullet = BULLET_RE.exec(line);
      var ordered = bullet ? null : ORDERED_RE.exec(line);
      if (bullet || ordered) {
        para = null;
        var isOrdered = !!ordered;
        if (!list || list.ordered !== isOrdered) {
          list = { type: "list", ordered: isOrdered, start: isOrdered ? parseInt(ordered[1], 10) : 1, items: [] };
          blocks.push(list);
        }
        list.items.push(parseInline(isOrdered ? ordered[2] : bullet[1]));
        continue;
      }
      list = null;
      if (!para) {
        para = { type: "paragraph", children: [] };
        blocks.push(para);
      } else {
        para.children.push({ type: "br" });
      }
      var nodes = parseInline(line);
      for (var j = 0; j < nodes.length; j++) para.children.push(nodes[j]);
    }
    return blocks;
  }

  function renderInline(nodes, parent, doc) {
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var el;
      if (node.type === "text") {
        parent.appendChild(doc.createTextNode(node.text));
        continue;
      }
      if (node.type === "br") {
        parent.appendChild(doc.createElement("br"));
        continue;
      }
      if (node.type === "strong" || node.type === "em") {
        el = doc.createElement(node.type);
        renderInline(node.children, el, doc);
        parent.appendChild(el);
        continue;
      }
      if (node.type === "link") {
        var href = safeUrl(node.href); // re-checked: the tree may come from anywhere
        if (!href) {
          renderInline(node.children, parent, doc);
          continue;
        }
        el = doc.createElement("a");
        el.setAttribute("href", href);
        el.setAttribute("target", "_blank");
        el.setAttribute("rel", "noopener noreferrer");
        renderInline(node.children, el, doc);
        parent.appendChild(el);
      }
    }
  }

  /** Turn a parseMarkdown tree into DOM nodes (createElement/textContent only). */
  function renderMarkdown(tree, doc) {
    var frag = doc.createDocumentFragment();
    for (var i = 0; i < tree.length; i++) {
      var block = tree[i];
      if (block.type === "paragraph") {
        var p = doc.createElement("p");
        renderInline(block.children, p, doc);
        frag.appendChild(p);
      } else if (block.type === "list") {
        var list = doc.createElement(block.ordered ? "ol" : "ul");
        if (block.ordered && block.start !== 1) list.setAttribute("start", String(block.start));
        for (var j = 0; j < block.items.length; j++) {
          var item = doc.createElement("li");
          renderInline(block.items[j], item, doc);
          list.appendChild(item);
        }
        frag.appendChild(list);
      }
    }
    return frag;
  }

  // ---------------------------------------------------------------------------
  // Engine.IO v4 / socket.io v5 packets
  // ---------------------------------------------------------------------------

  /**
   * Encode a packet as a text frame:
   *   {type: "ping"|"pong"|"close", data?} → "2" / "3" / "1"
   *   {type: "connect"} → "40"; {type: "disconnect"} → "41"
   *   {type: "event", name, data} → '42["name",data]'
   */
  function encodePacket(p) {
    switch (p && p.type) {
      case "open":
        return "0" + JSON.stringify(p.data || {});
      case "close":
        return "1";
      case "ping":
        return "2" + (p.data || "");
      case "pong":
        return "3" + (p.data || "");
      case "connect":
        return "40" + (p.data !== undefined ? JSON.stringify(p.data) : "");
      case "disconnect":
        return "41";
      case "event":
        return "42" + JSON.stringify(p.data === undefined ? [p.name] : [p.name, p.data]);
      default:
        throw new Error("Unknown packet type: " + (p && p.type));
    }
  }

  function parseJson(s) {
    try {
      return { ok: true, value: JSON.parse(s) };
    } catch (e) {
      return { ok: false };
    }
  }

  /**
   * Decode a text frame. Returns null for anything malformed or not for us:
   *   {type: "open", data: {sid, pingInterval, pingTimeout, …}}
   *   {type: "close"} | {type: "ping", data} | {type: "pong", data} | {type: "noop"}
   *   {type: "connect", data} | {type: "disconnect"} | {type: "connect_error", data}
   *   {type: "event", name, data, args}
   */
  function decodePacket(frame) {
    if (typeof frame !== "string" || frame === "") return null;
    var t = frame[0];
    var rest = frame.slice(1);
    var j;
    switch (t) {
      case "0":
        j = parseJson(rest);
        if (!j.ok || !j.value || typeof j.value !== "object" || Array.isArray(j.value)) return null;
        return { type: "open", data: j.value };
      case "1":
        return { type: "close" };
      case "2":
        return { type: "ping", data: rest };
      case "3":
        return { type: "pong", data: rest };
      case "6":
        return { type: "noop" };
      case "4":
        return decodeSocketPacket(rest);
      default:
        return null;
    }
  }

  function decodeSocketPacket(s) {
    if (!s) return null;
    var t = s[0];
    var i = 1;
    // Namespace: only the default "/" is ours.
    if (s[i] === "/") {
      var comma = s.indexOf(",", i);
      var nsp = comma < 0 ? s.slice(i) : s.slice(i, comma);
      if (nsp !== "/") return null;
      i = comma < 0 ? s.length : comma + 1;
    }
    while (i < s.length && s[i] >= "0" && s[i] <= "9") i++; // ack id: unused
    var body = s.slice(i);
    var j = body ? parseJson(body) : { ok: true, value: undefined };
    if (!j.ok) return null;
    switch (t) {
      case "0":
        return { type: "connect", data: j.value };
      case "1":
        return { type: "disconnect" };
      case "2":
        if (!Array.isArray(j.value) || typeof j.value[0] !== "string") return null;
        return { type: "event", name: j.value[0], data: j.value[1], args: j.value.slice(1) };
      case "4":
        return { type: "connect_error", data: j.value };
      default:
        return null; // acks and binary packets: not used by Rasa's channel
    }
  }

  /** ws(s)://host[/path]/socket.io/?EIO=4&transport=websocket for an http(s) server URL. */
  function buildSocketUrl(server) {
    var u = new URL(server);
    var protocol = u.protocol === "https:" || u.protocol === "wss:" ? "wss:" : "ws:";
    var path = u.pathname.replace(/\/+$/, "");
    return protocol + "//" + u.host + path + "/socket.io/?EIO=4&transport=websocket";
  }

  /**
   * Reconnect delay for the n-th attempt (0-based): 1 s, 2 s, 4 s … capped at 30 s,
   * with ±20 % jitter (never above the cap). `random` is injectable for tests.
   */
  function backoffDelay(attempt, random) {
    var r = typeof random === "function" ? random() : Math.random();
    var base = Math.min(BACKOFF_BASE_MS * Math.pow(2, Math.max(0, attempt | 0)), BACKOFF_MAX_MS);
    var delay = base * (1 + (r * 2 - 1) * BACKOFF_JITTER);
    return Math.round(Math.min(delay, BACKOFF_MAX_MS));
  }

  // ---------------------------------------------------------------------------
  // Rasa message handling
  // ---------------------------------------------------------------------------

  /** session_confirm carries a bare string or {session_id}. */
  function normaliseSessionId(data) {
    if (typeof data === "string" && data) return data;
    if (data && typeof data === "object" && typeof data.session_id === "string" && data.session_id) {
      return data.session_id;
    }
    return null;
  }

  /**
   * Normalise a bot_uttered payload to {text?, image?, buttons: [{title, payload}]},
   * or null if there is nothing to show.
   */
  function normaliseBotMessage(data) {
    if (typeof data === "string") data = { text: data };
    if (!data || typeof data !== "object") return null;
    var msg = { buttons: [] };
    if (typeof data.text === "string" && data.text.trim()) msg.text = data.text;
    var att = data.attachment;
    if (att && typeof att === "object" && att.type === "image" && att.payload) {
      var src = safeUrl(att.payload.src, IMAGE_PROTOCOLS);
      if (src) msg.image = src;
    } else if (typeof data.image === "string") {
      var img = safeUrl(data.image, IMAGE_PROTOCOLS);
      if (img) msg.image = img;
    }
    var raw = Array.isArray(data.quick_replies) ? data.quick_replies : Array.isArray(data.buttons) ? data.buttons : [];
    for (var i = 0; i < raw.length; i++) {
      var b = raw[i];
      if (!b || typeof b !== "object") continue;
      if (b.content_type && b.content_type !== "text") continue;
      var payload = typeof b.payload === "string" ? b.payload : typeof b.title === "string" ? b.title : null;
      var title = typeof b.title === "string" && b.title.trim() ? b.title : payload;
      if (!payload || !title) continue;
      msg.buttons.push({ title: title, payload: payload });
    }
    if (!msg.text && !msg.image && !msg.buttons.length) return null;
    return msg;
  }

  /** Keep only the last `max` (default 200) messages. */
  function trimHistory(history, max) {
    max = max || MAX_HISTORY;
    if (!Array.isArray(history)) return [];
    return history.length > max ? history.slice(history.length - max) : history.slice();
  }

  /** Parse stored history defensively: drop anything that is not a well-formed message. */
  function loadHistory(json) {
    var j = typeof json === "string" ? parseJson(json) : { ok: false };
    if (!j.ok || !Array.isArray(j.value)) return [];
    return trimHistory(
      j.value.filter(function (m) {
        return m && typeof m === "object" && (m.from === "bot" || m.from === "user") && typeof m.id === "string";
      })
    );
  }

  // ---------------------------------------------------------------------------
  // Connection: Engine.IO/socket.io over WebSocket with reconnect and an outbox
  // ---------------------------------------------------------------------------

  /**
   * State machine: "connecting" → "online" (session confirmed) → "offline" (socket lost)
   * → "connecting" (after back-off or retryNow) → … Messages sent while not online are
   * queued and flushed in order once the session is confirmed again.
   *
   * opts: url, sessionId, WebSocket, setTimeout, clearTimeout, random,
   *       onState(state), onSession(id), onBotMessage(data), onSent(item)
   */
  function RasaConnection(opts) {
    this.opts = opts;
    this.url = opts.url;
    this.sessionId = opts.sessionId || null;
    this.state = "connecting";
    this.attempt = 0; // consecutive failures; 0 once a session is confirmed
    this.queue = [];
    this.ws = null;
    this.connected = false; // socket.io namespace connected
    this.retryTimer = null;
    this.heartbeatTimer = null;
    this.nextDelay = 0;
    this.stopped = false;
    this._set = opts.setTimeout || function (f, ms) {
      return setTimeout(f, ms);
    };
    this._clear = opts.clearTimeout || function (id) {
      clearTimeout(id);
    };
  }

  RasaConnection.prototype._setState = function (state) {
    if (this.state === state) return;
    this.state = state;
    if (this.opts.onState) this.opts.onState(state);
  };

  RasaConnection.prototype.start = function () {
    this.stopped = false;
    this._connect();
  };

  RasaConnection.prototype._connect = function () {
    this._teardown();
    this._setState("connecting");
    var WS = this.opts.WebSocket;
    var ws;
    try {
      ws = new WS(this.url);
    } catch (e) {
      this.ws = null;
      this._lost(null, true);
      return;
    }
    this.ws = ws;
    var self = this;
    ws.onmessage = function (e) {
      if (self.ws === ws) self._onFrame(e && e.data);
    };
    ws.onclose = function () {
      self._lost(ws);
    };
    ws.onerror = function () {
      self._lost(ws);
    };
  };

  RasaConnection.prototype._teardown = function () {
    if (this.retryTimer !== null) this._clear(this.retryTimer);
    if (this.heartbeatTimer !== null) this._clear(this.heartbeatTimer);
    this.retryTimer = this.heartbeatTimer = null;
    this.connected = false;
    var ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch (e) {
        /* already closed */
      }
    }
  };

  RasaConnection.prototype._lost = function (ws, force) {
    if (!force && ws !== this.ws) return; // a stale socket
    this._teardown();
    if (this.stopped) return;
    var delay = (this.nextDelay = backoffDelay(this.attempt, this.opts.random));
    this.attempt++; // before the state change, so listeners see the failure count
    this._setState("offline");
    var self = this;
    this.retryTimer = this._set(function () {
      self.retryTimer = null;
      self._connect();
    }, delay);
  };

  /** Skip the back-off wait and try again now. */
  RasaConnection.prototype.retryNow = function () {
    if (this.state === "online" || this.stopped) return;
    this._connect();
  };

  RasaConnection.prototype.stop = function () {
    this.stopped = true;
    this._teardown();
    this._setState("offline");
  };

  RasaConnection.prototype._raw = function (frame) {
    try {
      this.ws.send(frame);
      return true;
    } catch (e) {
      return false;
    }
  };

  RasaConnection.prototype._emit = function (name, data) {
    return this._raw(encodePacket({ type: "event", name: name, data: data }));
  };

  RasaConnection.prototype._heartbeat = function () {
    if (this.heartbeatTimer !== null) this._clear(this.heartbeatTimer);
    this.heartbeatTimer = null;
    var wait = (this.pingInterval || 25000) + (this.pingTimeout || 20000);
    var self = this;
    var ws = this.ws;
    this.heartbeatTimer = this._set(function () {
      self.heartbeatTimer = null;
      self._lost(ws); // no ping from the server in time: the connection is dead
    }, wait);
  };

  RasaConnection.prototype._onFrame = function (frame) {
    var p = decodePacket(frame);
    if (!p) return; // malformed or foreign: ignore
    switch (p.type) {
      case "open":
        this.pingInterval = Number(p.data.pingInterval) || 25000;
        this.pingTimeout = Number(p.data.pingTimeout) || 20000;
        this._heartbeat();
        this._raw(encodePacket({ type: "connect" }));
        break;
      case "ping":
        this._heartbeat();
        this._raw(encodePacket({ type: "pong", data: p.data }));
        break;
      case "close":
      case "disconnect":
      case "connect_error":
        this._lost(this.ws);
        break;
      case "connect":
        this.connected = true;
        this._emit("session_request", { session_id: this.sessionId });
        break;
      case "event":
        if (p.name === "session_confirm") {
          var id = normaliseSessionId(p.data);
          if (!id) return;
          this.sessionId = id;
          this.attempt = 0;
          this._setState("online");
          if (this.opts.onSession) this.opts.onSession(id);
          this._flush();
        } else if (p.name === "bot_uttered") {
          if (this.opts.onBotMessage) this.opts.onBotMessage(p.data);
        }
        break;
    }
  };

  /**
   * Send a user message now if online, else queue it; `first` puts it ahead of the
   * queue (the greeting of a new session). Returns the queued/sent item.
   */
  RasaConnection.prototype.sendMessage = function (text, id, first) {
    var item = { id: id || null, text: text };
    if (this.state === "online" && (first || !this.queue.length)) this._send(item);
    else if (first) this.queue.unshift(item);
    else this.queue.push(item);
    return item;
  };

  RasaConnection.prototype._send = function (item) {
    this._emit("user_uttered", { message: item.text, session_id: this.sessionId, metadata: {} });
    if (this.opts.onSent) this.opts.onSent(item);
  };

  RasaConnection.prototype._flush = function () {
    while (this.queue.length && this.state === "online") this._send(this.queue.shift());
  };

  /** Forget the session and the outbox and ask the server for a new session. */
  RasaConnection.prototype.newSession = function () {
    this.sessionId = null;
    this.queue = [];
    if (this.connected) {
      this._setState("connecting");
      this._emit("session_request", { session_id: null });
    }
  };

  // ---------------------------------------------------------------------------
  // Storage (localStorage, or memory when unavailable)
  // ---------------------------------------------------------------------------

  function makeStorage(prefix) {
    var memory = {};
    var ls = null;
    try {
      ls = window.localStorage;
      var probe = prefix + "probe";
      ls.setItem(probe, "1");
      ls.removeItem(probe);
    } catch (e) {
      ls = null;
    }
    return {
      get: function (k) {
        try {
          if (ls) return ls.getItem(prefix + k);
        } catch (e) {
          /* fall through */
        }
        return Object.prototype.hasOwnProperty.call(memory, k) ? memory[k] : null;
      },
      set: function (k, v) {
        memory[k] = v;
        try {
          if (ls) ls.setItem(prefix + k, v);
        } catch (e) {
          /* quota or privacy mode: memory only */
        }
      },
      remove: function (k) {
        delete memory[k];
        try {
          if (ls) ls.removeItem(prefix + k);
        } catch (e) {
          /* ignore */
        }
      },
    };
  }

  // ---------------------------------------------------------------------------
  // Options
  // ---------------------------------------------------------------------------

  function findScript(doc) {
    if (CURRENT_SCRIPT) return CURRENT_SCRIPT;
    var scripts = doc.getElementsByTagName("script");
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/widget\.js([?#].*)?$/.test(scripts[i].getAttribute("src") || "")) return scripts[i];
    }
    return null;
  }

  /** Read the data-* options; `attr(name)` returns the attribute value or null. */
  function readOptions(attr, loc, scriptSrc) {
    var get = function (name) {
      var v = attr(name);
      return typeof v === "string" && v.trim() ? v.trim() : null;
    };
    var fallbackServer = loc.protocol + "//" + loc.hostname + ":5005";
    var server = safeUrl(get("data-server") || "", ["http", "https"]) || fallbackServer;
    server = server.replace(/\/+$/, "");
    var color = get("data-color");
    if (!parseHexColor(color)) color = "#0b5394";
    var base = scriptSrc || loc.href;
    var privacy = null;
    try {
      privacy = safeUrl(new URL(get("data-privacy-url") || "/privacy", base).href, ["http", "https"]);
    } catch (e) {
      privacy = null;
    }
    var open = (get("data-open") || "false").toLowerCase();
    return {
      server: server,
      title: get("data-title") || T.defaultTitle,
      color: color,
      open: open === "true" || open === "1" || open === "yes",
      initialPayload: get("data-initial-payload") || "/greet",
      privacyUrl: privacy,
    };
  }

  // ---------------------------------------------------------------------------
  // Styles (inside the shadow root only)
  // ---------------------------------------------------------------------------

  function css(color, onColor) {
    return (
      ":host{all:initial}" +
      "*{box-sizing:border-box}" +
      ".root{position:fixed;right:20px;bottom:20px;z-index:2147483000;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1a1a1a}" +
      ".sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}" +
      "button{font:inherit;cursor:pointer}" +
      "button:disabled{cursor:default}" +
      ":focus{outline:none}" +
      ":focus-visible{outline:3px solid " + color + ";outline-offset:2px}" +
      ".launcher{position:relative;width:60px;height:60px;border-radius:50%;border:0;background:" + color + ";color:" + onColor + ";box-shadow:0 4px 14px rgba(0,0,0,.3);display:flex;align-items:center;justify-content:center;float:right}" +
      ".launcher:focus-visible{outline-color:#1a1a1a;box-shadow:0 0 0 6px #fff}" +
      ".launcher svg{width:28px;height:28px;fill:currentColor}" +
      ".badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#b00020;color:#fff;font-size:13px;font-weight:700;line-height:22px;text-align:center;border:2px solid #fff}" +
      ".panel{position:absolute;right:0;bottom:76px;width:380px;max-width:calc(100vw - 40px);height:600px;max-height:calc(100vh - 120px);background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);display:flex;flex-direction:column;overflow:hidden}" +
      "[hidden]{display:none!important}" +
      ".header{display:flex;align-items:center;gap:6px;padding:10px 10px 10px 16px;background:" + color + ";color:" + onColor + "}" +
      ".title{flex:1;margin:0;font-size:17px;font-weight:700;line-height:1.25;overflow-wrap:anywhere}" +
      ".hbtn{background:transparent;border:1px solid currentColor;color:inherit;border-radius:6px;padding:4px 8px;font-size:14px;min-height:32px}" +
      ".hbtn.x{border:0;font-size:22px;line-height:1;width:36px}" +
      ".header :focus-visible{outline-color:" + onColor + "}" +
      ".confirm{display:flex;flex-wrap:wrap;align-items:center;gap:8px;padding:10px 16px;background:#fff4e5;border-bottom:1px solid #e0c9a6;font-size:15px}" +
      ".confirm span{flex:1 1 100%}" +
      ".btn{border-radius:6px;padding:6px 12px;font-size:15px;border:1px solid " + color + ";background:#fff;color:#1a1a1a}" +
      ".btn.primary{background:#b00020;border-color:#b00020;color:#fff}" +
      ".offline{display:flex;flex-wrap:wrap;align-items:center;gap:8px;padding:8px 16px;background:#fdecea;color:#1a1a1a;border-bottom:1px solid #f5c2c0;font-size:15px}" +
      ".offline span{flex:1}" +
      ".body{flex:1;overflow-y:auto;padding:12px 14px;background:#fff;overscroll-behavior:contain}" +
      ".privacy{margin:0 0 12px;font-size:14px;color:#595959}" +
      ".privacy a,.bubble a{color:inherit;text-decoration:underline}" +
      ".privacy a{color:#0b5394}" +
      ".log{display:flex;flex-direction:column;gap:10px}" +
      ".msg{display:flex;flex-direction:column;max-width:85%}" +
      ".msg.bot{align-self:flex-start;align-items:flex-start}" +
      ".msg.user{align-self:flex-end;align-items:flex-end}" +
      ".bubble{padding:8px 12px;border-radius:14px;overflow-wrap:anywhere;word-break:break-word}" +
      ".bot .bubble{background:#f1f3f5;color:#1a1a1a;border-bottom-left-radius:4px}" +
      ".bot .bubble a{color:#0b5394}" +
      ".user .bubble{background:" + color + ";color:" + onColor + ";border-bottom-right-radius:4px;white-space:pre-wrap}" +
      ".bubble p{margin:0}.bubble p+p,.bubble p+ul,.bubble p+ol,.bubble ul+p,.bubble ol+p{margin-top:8px}" +
      ".bubble ul,.bubble ol{margin:4px 0;padding-left:22px}" +
      ".bubble img{display:block;max-width:100%;height:auto;border-radius:8px;margin-top:4px}" +
      ".bubble img:first-child{margin-top:0}" +
      ".meta{font-size:12px;color:#595959;margin-top:2px}" +
      ".pending{font-style:italic}" +
      ".qr{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}" +
      ".qr button{border:1px solid " + color + ";background:#fff;color:#1a1a1a;border-radius:16px;padding:6px 12px;font-size:15px;text-align:left}" +
      ".qr button:not(:disabled):hover{background:#eef3f9}" +
      ".qr button:disabled{border-color:#767676;color:#595959;background:#f7f7f7}" +
      ".notice{align-self:center;font-size:14px;color:#595959;text-align:center;padding:0 8px}" +
      ".typing{display:flex;align-items:center;gap:8px;padding:4px 14px 8px;font-size:14px;color:#595959}" +
      ".dots{display:inline-flex;gap:4px;padding:8px 10px;background:#f1f3f5;border-radius:12px}" +
      ".dots i{width:7px;height:7px;border-radius:50%;background:#595959;animation:cb-bounce 1.2s infinite ease-in-out}" +
      ".dots i:nth-child(2){animation-delay:.15s}.dots i:nth-child(3){animation-delay:.3s}" +
      "@keyframes cb-bounce{0%,60%,100%{transform:translateY(0);opacity:.5}30%{transform:translateY(-4px);opacity:1}}" +
      "@media (prefers-reduced-motion:reduce){.dots i{animation:none}}" +
      ".composer{border-top:1px solid #d0d4d9;padding:10px;display:flex;gap:8px;align-items:flex-end;background:#fff}" +
      ".field{flex:1;display:flex;flex-direction:column}" +
      "textarea{font:inherit;font-size:16px;width:100%;min-height:44px;max-height:140px;resize:none;padding:10px 12px;border:1px solid #767676;border-radius:8px;color:#1a1a1a;background:#fff}" +
      "textarea::placeholder{color:#595959}" +
      ".counter{font-size:12px;color:#595959;text-align:right;margin-top:2px}" +
      ".counter.limit{color:#b00020;font-weight:700}" +
      ".send{width:44px;height:44px;border:0;border-radius:8px;background:" + color + ";color:" + onColor + ";display:flex;align-items:center;justify-content:center;flex:none}" +
      ".send svg{width:22px;height:22px;fill:currentColor}" +
      "@media (max-width:480px){" +
      ".root.is-open{right:0;bottom:0}" +
      ".root.is-open .launcher{display:none}" +
      ".panel{position:fixed;inset:0;right:0;bottom:0;width:100vw;max-width:100vw;height:100vh;height:100dvh;max-height:none;border-radius:0}" +
      "}"
    );
  }

  var SVG_NS = "http://www.w3.org/2000/svg";

  function icon(doc, d) {
    var svg = doc.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = doc.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
    return svg;
  }

  // ---------------------------------------------------------------------------
  // The widget (browser only)
  // ---------------------------------------------------------------------------

  function el(doc, tag, attrs, text) {
    var e = doc.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, k) && attrs[k] !== null && attrs[k] !== undefined) {
          e.setAttribute(k, attrs[k]);
        }
      }
    }
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function newId() {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }

  function Widget(opts, win, doc) {
    this.o = opts;
    this.win = win;
    this.doc = doc;
    this.store = makeStorage("cyberbot:" + opts.server + ":");
    this.history = loadHistory(this.store.get("history"));
    this.unread = 0;
    this.needsGreeting = this.history.length === 0;
    this.typingTimer = null;
    this.nodes = {}; // message id → element
    var storedOpen = this.store.get("open");
    this.isOpen = storedOpen === null ? opts.open : storedOpen === "true";
  }

  Widget.prototype.build = function () {
    var doc = this.doc;
    var o = this.o;
    var self = this;
    var onColor = textColorOn(o.color);
    var host = el(doc, "div", { id: "cyberbot-widget" });
    var shadow = host.attachShadow({ mode: "open" });
    var style = doc.createElement("style");
    style.textContent = css(o.color, onColor);
    shadow.appendChild(style);

    var root = (this.root = el(doc, "div", { class: "root" }));

    // Panel
    var panel = (this.panel = el(doc, "div", {
      class: "panel",
      role: "dialog",
      "aria-label": o.title,
      "data-testid": "panel",
      "data-state": "connecting",
      id: "cyberbot-panel",
    }));

    var header = el(doc, "div", { class: "header" });
    header.appendChild(el(doc, "h2", { class: "title" }, o.title));
    var clearBtn = el(doc, "button", { type: "button", class: "hbtn", "data-testid": "clear" }, T.clear);
    var closeBtn = el(doc, "button", { type: "button", class: "hbtn x", "aria-label": T.closeChat, "data-testid": "close" }, "×");
    header.appendChild(clearBtn);
    header.appendChild(closeBtn);
    panel.appendChild(header);

    // Inline confirm for "Gesprek wissen"
    var confirm = (this.confirmBox = el(doc, "div", { class: "confirm", role: "group", "aria-label": T.clear }));
    confirm.hidden = true;
    confirm.appendChild(el(doc, "span", null, T.clearQuestion));
    var yes = (this.confirmYes = el(doc, "button", { type: "button", class: "btn primary", "data-testid": "clear-confirm" }, T.clearYes));
    var no = (this.confirmNo = el(doc, "button", { type: "button", class: "btn", "data-testid": "clear-cancel" }, T.clearNo));
    confirm.appendChild(yes);
    confirm.appendChild(no);
    panel.appendChild(confirm);

    // Offline banner
    var offline = (this.offlineBanner = el(doc, "div", { class: "offline", role: "status", "data-testid": "offline" }));
    offline.hidden = true;
    offline.appendChild(el(doc, "span", null, T.offline));
    var retry = el(doc, "button", { type: "button", class: "btn", "data-testid": "retry" }, T.retry);
    offline.appendChild(retry);
    panel.appendChild(offline);

    // Scrollable body: privacy notice + log
    var body = (this.body = el(doc, "div", { class: "body" }));
    var privacy = el(doc, "p", { class: "privacy", "data-testid": "privacy" });
    privacy.appendChild(doc.createTextNode(T.privacyBefore));
    if (o.privacyUrl) {
      privacy.appendChild(el(doc, "a", { href: o.privacyUrl, target: "_blank", rel: "noopener noreferrer" }, T.privacyLink));
    } else {
      privacy.appendChild(doc.createTextNode(T.privacyLink));
    }
    privacy.appendChild(doc.createTextNode(T.privacyAfter));
    body.appendChild(privacy);
    var log = (this.log = el(doc, "div", {
      class: "log",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      "aria-label": o.title,
      "data-testid": "log",
    }));
    body.appendChild(log);
    panel.appendChild(body);

    // Typing indicator
    var typing = (this.typing = el(doc, "div", { class: "typing", role: "status", "aria-label": T.typing, "data-testid": "typing" }));
    typing.hidden = true;
    var dots = el(doc, "span", { class: "dots", "aria-hidden": "true" });
    dots.appendChild(el(doc, "i"));
    dots.appendChild(el(doc, "i"));
    dots.appendChild(el(doc, "i"));
    typing.appendChild(dots);
    typing.appendChild(el(doc, "span", null, T.typing));
    panel.appendChild(typing);

    // Composer
    var form = el(doc, "form", { class: "composer" });
    var field = el(doc, "div", { class: "field" });
    var input = (this.input = el(doc, "textarea", {
      rows: "1",
      "aria-label": T.inputLabel,
      placeholder: T.placeholder,
      maxlength: String(MAX_CHARS),
      "data-testid": "input",
      "aria-describedby": "cyberbot-counter",
    }));
    var counter = (this.counter = el(doc, "div", { class: "counter", id: "cyberbot-counter", "aria-live": "polite" }));
    counter.hidden = true;
    field.appendChild(input);
    field.appendChild(counter);
    form.appendChild(field);
    var send = el(doc, "button", { type: "submit", class: "send", "aria-label": T.send, "data-testid": "send" });
    send.appendChild(icon(doc, "M2 21l21-9L2 3v7l15 2-15 2z"));
    form.appendChild(send);
    panel.appendChild(form);

    // Launcher
    var launcher = (this.launcher = el(doc, "button", {
      type: "button",
      class: "launcher",
      "aria-controls": "cyberbot-panel",
      "data-testid": "launcher",
    }));
    launcher.appendChild(icon(doc, "M4 4h16a2 2 0 012 2v10a2 2 0 01-2 2H8l-4 4V6a2 2 0 012-2z"));
    var badge = (this.badge = el(doc, "span", { class: "badge", "aria-hidden": "true", "data-testid": "badge" }));
    badge.hidden = true;
    launcher.appendChild(badge);

    root.appendChild(panel);
    root.appendChild(launcher);
    shadow.appendChild(root);
    doc.body.appendChild(host);

    // Events
    launcher.addEventListener("click", function () {
      if (self.isOpen) self.close();
      else self.open();
    });
    closeBtn.addEventListener("click", function () {
      self.close();
    });
    clearBtn.addEventListener("click", function () {
      confirm.hidden = false;
      yes.focus();
    });
    no.addEventListener("click", function () {
      confirm.hidden = true;
      clearBtn.focus();
    });
    yes.addEventListener("click", function () {
      confirm.hidden = true;
      self.clear();
      self.input.focus();
    });
    retry.addEventListener("click", function () {
      if (self.conn) self.conn.retryNow();
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      self.submit();
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        self.submit();
      }
    });
    input.addEventListener("input", function () {
      self.updateCounter();
      self.autosize();
    });
    root.addEventListener("keydown", function (e) {
      if (e.key !== "Escape" || !self.isOpen) return;
      e.preventDefault();
      if (!confirm.hidden) {
        confirm.hidden = true;
        clearBtn.focus();
        return;
      }
      self.close();
    });
  };

  Widget.prototype.start = function () {
    this.build();
    for (var i = 0; i < this.history.length; i++) this.renderMessage(this.history[i]);
    this.setOpen(this.isOpen, false);
    var self = this;
    var conn = (this.conn = new RasaConnection({
      url: buildSocketUrl(this.o.server),
      sessionId: this.store.get("session"),
      WebSocket: this.win.WebSocket,
      onState: function (state) {
        self.onState(state);
      },
      onSession: function (id) {
        var previous = self.store.get("session");
        self.store.set("session", id);
        // The server did not continue the stored conversation (an id it did not issue,
        // or a secret rotated): the history shown belongs to no conversation any more.
        if (previous && previous !== id) self.forgetHistory();
        if (self.needsGreeting) {
          self.needsGreeting = false;
          conn.sendMessage(self.o.initialPayload, null, true);
        }
      },
      onBotMessage: function (data) {
        self.onBot(data);
      },
      onSent: function (item) {
        self.onSent(item);
      },
    }));
    // Messages that were still waiting when the page was left go out first.
    for (var j = 0; j < this.history.length; j++) {
      var m = this.history[j];
      if (m.from === "user" && m.pending) conn.sendMessage(m.payload || m.text, m.id);
    }
    this.onState(conn.state);
    conn.start();
    this.win.addEventListener("online", function () {
      conn.retryNow();
    });
    this.scrollToEnd();
  };

  Widget.prototype.onState = function (state) {
    this.panel.setAttribute("data-state", state);
    // The banner shows from the first failure until a session is confirmed again.
    this.offlineBanner.hidden = state === "online" || !this.conn || this.conn.attempt === 0;
    if (state !== "online") this.hideTyping();
  };

  Widget.prototype.save = function () {
    this.history = trimHistory(this.history);
    this.store.set("history", JSON.stringify(this.history));
    // Drop elements of trimmed messages from the index.
    var keep = {};
    for (var i = 0; i < this.history.length; i++) keep[this.history[i].id] = true;
    for (var id in this.nodes) {
      if (!keep[id]) {
        var n = this.nodes[id];
        if (n.parentNode) n.parentNode.removeChild(n);
        delete this.nodes[id];
      }
    }
  };

  Widget.prototype.add = function (msg) {
    this.history.push(msg);
    this.renderMessage(msg);
    this.save();
    this.scrollToEnd();
  };

  Widget.prototype.renderMessage = function (m) {
    var doc = this.doc;
    var self = this;
    var wrap = el(doc, "div", { class: "msg " + m.from, "data-testid": "message", "data-from": m.from });
    var bubble = el(doc, "div", { class: "bubble" });
    bubble.appendChild(el(doc, "span", { class: "sr-only" }, m.from === "bot" ? T.botSays : T.userSays));
    if (m.from === "bot") {
      if (m.text) bubble.appendChild(renderMarkdown(parseMarkdown(m.text), doc));
      if (m.image && safeUrl(m.image, IMAGE_PROTOCOLS)) {
        var img = el(doc, "img", { src: m.image, alt: T.image, loading: "lazy" });
        img.addEventListener("load", function () {
          self.scrollToEnd();
        });
        bubble.appendChild(img);
      }
    } else {
      bubble.appendChild(doc.createTextNode(m.text || ""));
    }
    if (m.text || m.image || m.from === "user") wrap.appendChild(bubble);
    if (m.from === "bot" && m.buttons && m.buttons.length) {
      var group = el(doc, "div", { class: "qr", role: "group", "aria-label": T.options });
      m.buttons.forEach(function (b) {
        var btn = el(doc, "button", { type: "button", "data-testid": "quick-reply" }, b.title);
        btn.disabled = !!m.used;
        btn.addEventListener("click", function () {
          self.choose(m, b, group);
        });
        group.appendChild(btn);
      });
      wrap.appendChild(group);
    }
    var meta = el(doc, "div", { class: "meta" });
    var when = new Date(m.ts);
    meta.appendChild(el(doc, "time", { datetime: isNaN(when.getTime()) ? null : when.toISOString() }, formatTime(when)));
    if (m.pending) meta.appendChild(el(doc, "span", { class: "pending" }, " · " + T.pending));
    wrap.appendChild(meta);
    this.nodes[m.id] = wrap;
    this.log.appendChild(wrap);
  };

  Widget.prototype.choose = function (m, button, group) {
    if (m.used) return;
    m.used = true;
    var buttons = group.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    this.sendUser(button.title, button.payload);
    this.input.focus();
  };

  Widget.prototype.submit = function () {
    var text = this.input.value.trim();
    if (!text) return;
    if (text.length > MAX_CHARS) text = text.slice(0, MAX_CHARS);
    this.input.value = "";
    this.updateCounter();
    this.autosize();
    this.sendUser(text, null);
  };

  Widget.prototype.sendUser = function (text, payload) {
    var m = { id: newId(), from: "user", text: text, ts: new Date().toISOString() };
    if (payload && payload !== text) m.payload = payload;
    var online = this.conn && this.conn.state === "online" && !this.conn.queue.length;
    if (!online) m.pending = true;
    this.add(m);
    this.conn.sendMessage(payload || text, m.id);
  };

  Widget.prototype.onSent = function (item) {
    this.showTyping();
    if (!item.id) return;
    for (var i = 0; i < this.history.length; i++) {
      var m = this.history[i];
      if (m.id === item.id && m.pending) {
        delete m.pending;
        this.save();
        var node = this.nodes[m.id];
        var note = node && node.querySelector(".pending");
        if (note) note.parentNode.removeChild(note);
      }
    }
  };

  Widget.prototype.onBot = function (data) {
    var msg = normaliseBotMessage(data);
    if (!msg) return;
    this.hideTyping();
    var m = { id: newId(), from: "bot", ts: new Date().toISOString() };
    if (msg.text) m.text = msg.text;
    if (msg.image) m.image = msg.image;
    if (msg.buttons.length) m.buttons = msg.buttons;
    this.add(m);
    if (!this.isOpen) {
      this.unread++;
      this.updateLauncher();
    }
  };

  Widget.prototype.showTyping = function () {
    var self = this;
    this.typing.hidden = false;
    this.scrollToEnd();
    if (this.typingTimer !== null) clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(function () {
      self.typingTimer = null;
      self.typing.hidden = true;
      self.notice(T.slow);
    }, REPLY_TIMEOUT_MS);
  };

  Widget.prototype.hideTyping = function () {
    if (this.typingTimer !== null) clearTimeout(this.typingTimer);
    this.typingTimer = null;
    if (this.typing) this.typing.hidden = true;
  };

  Widget.prototype.notice = function (text) {
    this.log.appendChild(el(this.doc, "p", { class: "notice", "data-testid": "notice" }, text));
    this.scrollToEnd();
  };

  Widget.prototype.updateCounter = function () {
    var n = this.input.value.length;
    this.counter.hidden = n < COUNTER_FROM;
    this.counter.textContent = T.counter(n);
    this.counter.className = "counter" + (n >= MAX_CHARS ? " limit" : "");
  };

  Widget.prototype.autosize = function () {
    var s = this.input.style;
    s.height = "auto";
    s.height = Math.min(this.input.scrollHeight + 2, 140) + "px";
  };

  Widget.prototype.scrollToEnd = function () {
    var b = this.body;
    if (b) b.scrollTop = b.scrollHeight;
  };

  Widget.prototype.updateLauncher = function () {
    var label = this.isOpen ? T.closeChat : T.open + (this.unread ? ", " + T.newMessages(this.unread) : "");
    this.launcher.setAttribute("aria-label", label);
    this.launcher.setAttribute("aria-expanded", this.isOpen ? "true" : "false");
    this.badge.hidden = !this.unread;
    this.badge.textContent = this.unread > 99 ? "99+" : String(this.unread);
  };

  Widget.prototype.setOpen = function (open, moveFocus) {
    this.isOpen = open;
    this.panel.hidden = !open;
    this.root.className = "root" + (open ? " is-open" : "");
    if (open) this.unread = 0;
    this.updateLauncher();
    this.store.set("open", open ? "true" : "false");
    if (open) {
      this.scrollToEnd();
      if (moveFocus) this.input.focus();
    } else {
      this.confirmBox.hidden = true;
      if (moveFocus) this.launcher.focus();
    }
  };

  Widget.prototype.open = function () {
    this.setOpen(true, true);
  };

  Widget.prototype.close = function () {
    this.setOpen(false, true);
  };

  /** Start over on the page, keeping what the visitor typed that is not sent yet. */
  Widget.prototype.forgetHistory = function () {
    var pending = this.history.filter(function (m) {
      return m.from === "user" && m.pending;
    });
    this.hideTyping();
    this.history = [];
    this.nodes = {};
    while (this.log.firstChild) this.log.removeChild(this.log.firstChild);
    for (var i = 0; i < pending.length; i++) {
      this.history.push(pending[i]);
      this.renderMessage(pending[i]);
    }
    this.save();
    this.needsGreeting = true;
  };

  Widget.prototype.clear = function () {
    this.hideTyping();
    this.history = [];
    this.nodes = {};
    this.store.remove("history");
    this.store.remove("session");
    while (this.log.firstChild) this.log.removeChild(this.log.firstChild);
    this.needsGreeting = true;
    this.conn.newSession();
  };

  function boot(win, doc) {
    if (doc.getElementById("cyberbot-widget") || !win.WebSocket || !doc.body || !doc.body.attachShadow) return null;
    var script = findScript(doc);
    var attr = function (name) {
      return script ? script.getAttribute(name) : null;
    };
    var opts = readOptions(attr, win.location, script && script.src);
    var w = new Widget(opts, win, doc);
    w.start();
    win.CyberbotWidget = {
      open: function () {
        w.open();
      },
      close: function () {
        w.close();
      },
      clear: function () {
        w.clear();
      },
    };
    return w;
  }

  if (typeof window !== "undefined" && typeof document !== "undefined") {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () {
        boot(window, document);
      });
    } else {
      boot(window, document);
    }
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = {
      parseMarkdown: parseMarkdown,
      parseInline: parseInline,
      renderMarkdown: renderMarkdown,
      safeUrl: safeUrl,
      formatTime: formatTime,
      backoffDelay: backoffDelay,
      encodePacket: encodePacket,
      decodePacket: decodePacket,
      buildSocketUrl: buildSocketUrl,
      normaliseBotMessage: normaliseBotMessage,
      normaliseSessionId: normaliseSessionId,
      trimHistory: trimHistory,
      loadHistory: loadHistory,
      readOptions: readOptions,
      contrastRatio: contrastRatio,
      textColorOn: textColorOn,
      RasaConnection: RasaConnection,
      ReconnectState: RasaConnection,
      MAX_HISTORY: MAX_HISTORY,
      MAX_CHARS: MAX_CHARS,
      TEXT: T,
    };
  }
})();
