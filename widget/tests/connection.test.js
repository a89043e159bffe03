"use strict";
const test = require("node:test");
const assert = require("node:assert");
const { RasaConnection } = require("../widget.js");

// A fake WebSocket the test drives by hand, and fake timers.
function harness(options) {
  const sockets = [];
  class FakeWebSocket {
    constructor(url) {
      this.url = url;
      this.sent = [];
      this.closed = false;
      sockets.push(this);
    }
    send(frame) {
      if (this.closed) throw new Error("closed");
      this.sent.push(frame);
    }
    close() {
      this.closed = true;
    }
    // Server side helpers
    receive(frame) {
      this.onmessage && this.onmessage({ data: frame });
    }
    drop() {
      this.closed = true;
      this.onclose && this.onclose({});
    }
    events() {
      return this.sent.filter((f) => f.startsWith("42")).map((f) => JSON.parse(f.slice(2)));
    }
  }
  const timers = [];
  let now = 0;
  const h = {
    sockets,
    states: [],
    sessions: [],
    bot: [],
    sent: [],
    timers,
    get ws() {
      return sockets[sockets.length - 1];
    },
    advance(ms) {
      now += ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers[0];
        if (!t || t.at > now) break;
        timers.shift();
        t.fn();
      }
    },
    handshake(sessionId) {
      h.ws.receive('0{"sid":"e1","upgrades":[],"pingInterval":25000,"pingTimeout":20000}');
      h.ws.receive('40{"sid":"s1"}');
      h.ws.receive(JSON.stringify(["session_confirm", sessionId]).replace(/^/, "42"));
    },
  };
  let nextId = 1;
  h.conn = new RasaConnection(
    Object.assign(
      {
        url: "ws://localhost:5005/socket.io/?EIO=4&transport=websocket",
        WebSocket: FakeWebSocket,
        random: () => 0.5,
        setTimeout: (fn, ms) => {
          const id = nextId++;
          timers.push({ id, fn, at: now + ms });
          return id;
        },
        clearTimeout: (id) => {
          const i = timers.findIndex((t) => t.id === id);
          if (i >= 0) timers.splice(i, 1);
        },
        onState: (s) => h.states.push(s),
        onSession: (id) => h.sessions.push(id),
        onBotMessage: (d) => h.bot.push(d),
        onSent: (item) => h.sent.push(item.text),
      },
      options || {}
    )
  );
  return h;
}

test("handshake: open → 40 → session_request → session_confirm → online", () => {
  const h = harness({ sessionId: "stored-session-1" });
  h.conn.start();
  assert.strictEqual(h.conn.state, "connecting");
  assert.strictEqual(h.ws.url, "ws://localhost:5005/socket.io/?EIO=4&transport=websocket");
  h.ws.receive('0{"sid":"e1","upgrades":[],"pingInterval":25000,"pingTimeout":20000}');
  assert.deepStrictEqual(h.ws.sent, ["40"]);
  h.ws.receive('40{"sid":"s1"}');
  assert.deepStrictEqual(h.ws.events(), [["session_request", { session_id: "stored-session-1" }]]);
  assert.strictEqual(h.conn.state, "connecting");
  h.ws.receive('42["session_confirm","stored-session-1"]');
  assert.strictEqual(h.conn.state, "online");
  assert.deepStrictEqual(h.sessions, ["stored-session-1"]);
  assert.deepStrictEqual(h.states, ["online"]);
});

test("a new visitor asks for a session with null; object-shaped confirm accepted", () => {
  const h = harness();
  h.conn.start();
  h.ws.receive('0{"sid":"e1","pingInterval":25000,"pingTimeout":20000}');
  h.ws.receive("40");
  assert.deepStrictEqual(h.ws.events(), [["session_request", { session_id: null }]]);
  h.ws.receive('42["session_confirm",{"session_id":"fresh-session-9"}]');
  assert.strictEqual(h.conn.sessionId, "fresh-session-9");
  assert.strictEqual(h.conn.state, "online");
});

test("pings are answered with pongs; malformed frames are ignored", () => {
  const h = harness();
  h.conn.start();
  h.handshake("sess-aaaa-1");
  h.ws.sent.length = 0;
  h.ws.receive("2");
  h.ws.receive("garbage");
  h.ws.receive("42{oops");
  h.ws.receive("");
  h.ws.receive("2probe");
  assert.deepStrictEqual(h.ws.sent, ["3", "3probe"]);
  assert.strictEqual(h.conn.state, "online");
});

test("bot_uttered events are delivered; other events ignored", () => {
  const h = harness();
  h.conn.start();
  h.handshake("sess-aaaa-1");
  h.ws.receive('42["bot_uttered",{"text":"Goedendag"}]');
  h.ws.receive('42["something_else",{"text":"x"}]');
  assert.deepStrictEqual(h.bot, [{ text: "Goedendag" }]);
});

test("messages go out as user_uttered with the session id", () => {
  const h = harness();
  h.conn.start();
  h.handshake("sess-aaaa-1");
  h.conn.sendMessage("Hallo", "m1");
  assert.deepStrictEqual(h.ws.events().pop(), ["user_uttered", { message: "Hallo", session_id: "sess-aaaa-1", metadata: {} }]);
  assert.deepStrictEqual(h.sent, ["Hallo"]);
});

test("connecting → online → offline → connecting → online; queued messages flushed in order", () => {
  const h = harness();
  h.conn.start();
  h.conn.sendMessage("eerst", "q0"); // before the first session: queued
  assert.deepStrictEqual(h.sent, []);
  h.handshake("sess-aaaa-1");
  assert.deepStrictEqual(h.sent, ["eerst"]);
  assert.deepStrictEqual(h.states, ["online"]);

  const first = h.ws;
  first.drop();
  assert.strictEqual(h.conn.state, "offline");
  assert.strictEqual(h.conn.attempt, 1);
  assert.strictEqual(h.conn.nextDelay, 1000);

  h.conn.sendMessage("een", "q1");
  h.conn.sendMessage("twee", "q2");
  h.conn.sendMessage("drie", "q3");
  assert.deepStrictEqual(h.sent, ["eerst"], "nothing sent while offline");

  h.advance(999);
  assert.strictEqual(h.sockets.length, 1);
  h.advance(1);
  assert.strictEqual(h.sockets.length, 2);
  assert.strictEqual(h.conn.state, "connecting");
  assert.notStrictEqual(h.ws, first);

  h.handshake("sess-aaaa-1");
  // Same session id asked for again, then the outbox in order.
  const ev = h.ws.events();
  assert.deepStrictEqual(ev[0], ["session_request", { session_id: "sess-aaaa-1" }]);
  assert.deepStrictEqual(
    ev.slice(1).map((e) => e[1].message),
    ["een", "twee", "drie"]
  );
  assert.ok(ev.slice(1).every((e) => e[0] === "user_uttered" && e[1].session_id === "sess-aaaa-1"));
  assert.deepStrictEqual(h.sent, ["eerst", "een", "twee", "drie"]);
  assert.deepStrictEqual(h.states, ["online", "offline", "connecting", "online"]);
  assert.strictEqual(h.conn.attempt, 0);
});

test("repeated failures back off exponentially up to 30 s", () => {
  const h = harness();
  h.conn.start();
  const delays = [];
  for (let i = 0; i < 8; i++) {
    h.ws.drop();
    delays.push(h.conn.nextDelay);
    h.advance(h.conn.nextDelay);
  }
  assert.deepStrictEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.strictEqual(h.sockets.length, 9);
  // A confirmed session resets the back-off.
  h.handshake("sess-aaaa-1");
  h.ws.drop();
  assert.strictEqual(h.conn.nextDelay, 1000);
});

test("errors, Engine.IO close, socket.io disconnect and connect errors all reconnect", () => {
  for (const kill of [(ws) => ws.onerror({}), (ws) => ws.receive("1"), (ws) => ws.receive("41"), (ws) => ws.receive('44{"message":"nee"}')]) {
    const h = harness();
    h.conn.start();
    h.handshake("sess-aaaa-1");
    const ws = h.ws;
    kill(ws);
    assert.strictEqual(h.conn.state, "offline");
    assert.ok(ws.closed);
    h.advance(1000);
    assert.strictEqual(h.sockets.length, 2);
  }
});

test("retryNow skips the wait; stale sockets are ignored", () => {
  const h = harness();
  h.conn.start();
  h.handshake("sess-aaaa-1");
  const old = h.ws;
  old.drop();
  h.conn.retryNow();
  assert.strictEqual(h.sockets.length, 2);
  assert.strictEqual(h.conn.state, "connecting");
  assert.strictEqual(h.timers.length, 0, "the back-off timer is cancelled");
  old.onclose && old.onclose({}); // late event from the old socket
  assert.strictEqual(h.conn.state, "connecting");
  h.handshake("sess-aaaa-1");
  assert.strictEqual(h.conn.state, "online");
  h.conn.retryNow(); // no-op when online
  assert.strictEqual(h.sockets.length, 2);
});

test("a silent server (no pings) is detected and reconnected", () => {
  const h = harness();
  h.conn.start();
  h.handshake("sess-aaaa-1");
  h.advance(40000);
  h.ws.receive("2"); // resets the heartbeat
  h.advance(40000);
  assert.strictEqual(h.conn.state, "online");
  h.advance(5001);
  assert.strictEqual(h.conn.state, "offline");
});

test("newSession asks for a fresh session and drops the outbox", () => {
  const h = harness();
  h.conn.start();
  h.handshake("old-session-1");
  h.conn.newSession();
  assert.strictEqual(h.conn.state, "connecting");
  assert.deepStrictEqual(h.ws.events().pop(), ["session_request", { session_id: null }]);
  h.conn.sendMessage("wacht", "w1");
  assert.deepStrictEqual(h.sent, []);
  h.ws.receive('42["session_confirm","new-session-2"]');
  assert.deepStrictEqual(h.sessions, ["old-session-1", "new-session-2"]);
  assert.deepStrictEqual(h.ws.events().pop(), ["user_uttered", { message: "wacht", session_id: "new-session-2", metadata: {} }]);

  // Offline: the next connection asks for a new session.
  h.ws.drop();
  h.conn.sendMessage("weg", "w2");
  h.conn.newSession();
  assert.strictEqual(h.conn.queue.length, 0);
  h.advance(1000);
  h.ws.receive('0{"sid":"e2","pingInterval":25000,"pingTimeout":20000}');
  h.ws.receive("40");
  assert.deepStrictEqual(h.ws.events(), [["session_request", { session_id: null }]]);
});

test("a WebSocket constructor that throws counts as a failure", () => {
  let calls = 0;
  const h = harness({
    WebSocket: class {
      constructor() {
        calls++;
        throw new Error("blocked");
      }
    },
  });
  h.conn.start();
  assert.strictEqual(h.conn.state, "offline");
  h.advance(1000);
  assert.strictEqual(calls, 2);
  h.conn.stop();
  h.advance(60000);
  assert.strictEqual(calls, 2);
});

test("a greeting sent on session confirm goes ahead of queued messages", () => {
  const h = harness({
    onSession: (id) => {
      h.sessions.push(id);
      if (h.sessions.length === 1) h.conn.sendMessage("/greet", null, true);
    },
  });
  h.conn.start();
  h.conn.sendMessage("een", "a");
  h.conn.sendMessage("twee", "b");
  h.handshake("sess-aaaa-1");
  assert.deepStrictEqual(h.sent, ["/greet", "een", "twee"]);
  // Queued with priority while offline, it also goes first.
  h.ws.drop();
  h.conn.sendMessage("drie", "c");
  h.conn.sendMessage("/greet", null, true);
  h.advance(1000);
  h.handshake("sess-aaaa-1");
  assert.deepStrictEqual(h.sent, ["/greet", "een", "twee", "/greet", "drie"]);
});
