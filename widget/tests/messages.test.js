"use strict";
const test = require("node:test");
const assert = require("node:assert");
const w = require("../widget.js");

test("bot_uttered: plain text", () => {
  assert.deepStrictEqual(w.normaliseBotMessage({ text: "Hallo" }), { text: "Hallo", buttons: [] });
});

test("bot_uttered: text with quick_replies", () => {
  const m = w.normaliseBotMessage({
    text: "Waarmee kan ik helpen?",
    quick_replies: [
      { content_type: "text", title: "Dekking", payload: "/ask_coverage" },
      { content_type: "text", title: "Premie", payload: '/ask_premium{"x":1}' },
    ],
  });
  assert.deepStrictEqual(m, {
    text: "Waarmee kan ik helpen?",
    buttons: [
      { title: "Dekking", payload: "/ask_coverage" },
      { title: "Premie", payload: '/ask_premium{"x":1}' },
    ],
  });
});

test("bot_uttered: text with buttons instead of quick_replies", () => {
  const m = w.normaliseBotMessage({ text: "Kies", buttons: [{ title: "Ja", payload: "/affirm" }, { title: "Nee", payload: "/deny" }] });
  assert.deepStrictEqual(m.buttons, [
    { title: "Ja", payload: "/affirm" },
    { title: "Nee", payload: "/deny" },
  ]);
});

test("bot_uttered: image attachment, only http(s)", () => {
  assert.deepStrictEqual(w.normaliseBotMessage({ attachment: { type: "image", payload: { src: "https://example.nl/a.png" } } }), {
    image: "https://example.nl/a.png",
    buttons: [],
  });
  assert.strictEqual(w.normaliseBotMessage({ attachment: { type: "image", payload: { src: "javascript:alert(1)" } } }), null);
  assert.strictEqual(w.normaliseBotMessage({ attachment: { type: "image", payload: { src: "data:image/png;base64,AA" } } }), null);
});

test("bot_uttered: junk is dropped", () => {
  for (const junk of [null, undefined, 5, {}, { text: "" }, { text: "   " }, { text: 5 }, { buttons: "x" }, { attachment: { type: "video" } }]) {
    assert.strictEqual(w.normaliseBotMessage(junk), null, JSON.stringify(junk));
  }
  const m = w.normaliseBotMessage({ text: "x", quick_replies: [null, 5, { title: "Zonder payload" }, { payload: "/p" }, { content_type: "location" }] });
  assert.deepStrictEqual(m.buttons, [
    { title: "Zonder payload", payload: "Zonder payload" },
    { title: "/p", payload: "/p" },
  ]);
});

test("session_confirm: bare string or object", () => {
  assert.strictEqual(w.normaliseSessionId("abc123def456"), "abc123def456");
  assert.strictEqual(w.normaliseSessionId({ session_id: "abc123def456" }), "abc123def456");
  assert.strictEqual(w.normaliseSessionId(null), null);
  assert.strictEqual(w.normaliseSessionId({}), null);
  assert.strictEqual(w.normaliseSessionId(""), null);
});

test("time is formatted as Dutch 24-hour time", () => {
  // 12:05 UTC in June = 14:05 in Amsterdam (CEST).
  assert.strictEqual(w.formatTime(new Date("2024-06-01T12:05:00Z"), "Europe/Amsterdam"), "14:05");
  // Winter time, and after midnight with a leading zero.
  assert.strictEqual(w.formatTime(new Date("2024-01-15T23:07:00Z"), "Europe/Amsterdam"), "00:07");
  assert.strictEqual(w.formatTime("2024-01-15T08:30:00Z", "Europe/Amsterdam"), "09:30");
  assert.strictEqual(w.formatTime("not a date"), "");
});

test("history is trimmed to the last 200 messages", () => {
  const many = Array.from({ length: 250 }, (_, i) => ({ id: "m" + i, from: i % 2 ? "bot" : "user", text: "t" + i }));
  const trimmed = w.trimHistory(many);
  assert.strictEqual(trimmed.length, 200);
  assert.strictEqual(trimmed[0].id, "m50");
  assert.strictEqual(trimmed[199].id, "m249");
  assert.strictEqual(many.length, 250, "input untouched");
  assert.strictEqual(w.trimHistory(many.slice(0, 10)).length, 10);
  assert.strictEqual(w.MAX_HISTORY, 200);
  assert.deepStrictEqual(w.trimHistory(null), []);
});

test("stored history is loaded defensively", () => {
  const good = { id: "a", from: "bot", text: "x" };
  assert.deepStrictEqual(w.loadHistory(JSON.stringify([good, null, { from: "evil" }, { id: 1, from: "user" }])), [good]);
  assert.deepStrictEqual(w.loadHistory("{broken"), []);
  assert.deepStrictEqual(w.loadHistory(null), []);
  assert.deepStrictEqual(w.loadHistory('{"a":1}'), []);
  const many = Array.from({ length: 300 }, (_, i) => ({ id: "m" + i, from: "user" }));
  assert.strictEqual(w.loadHistory(JSON.stringify(many)).length, 200);
});

test("options: defaults and the embed attributes", () => {
  const loc = { protocol: "https:", hostname: "www.example.nl", href: "https://www.example.nl/page" };
  const none = w.readOptions(() => null, loc, "https://cdn.example.nl/widget.js");
  assert.deepStrictEqual(none, {
    server: "https://www.example.nl:5005",
    title: "Cyberverzekering-assistent",
    color: "#0b5394",
    open: false,
    initialPayload: "/greet",
    privacyUrl: "https://cdn.example.nl/privacy",
  });
  const attrs = {
    "data-server": "http://localhost:5005/",
    "data-title": "Assistent",
    "data-color": "#123456",
    "data-open": "true",
    "data-initial-payload": "/hallo",
    "data-privacy-url": "http://localhost:8080/privacy",
  };
  const set = w.readOptions((n) => attrs[n] || null, loc, "http://localhost:8080/widget.js");
  assert.deepStrictEqual(set, {
    server: "http://localhost:5005",
    title: "Assistent",
    color: "#123456",
    open: true,
    initialPayload: "/hallo",
    privacyUrl: "http://localhost:8080/privacy",
  });
  const bad = w.readOptions((n) => ({ "data-color": "red;}body{", "data-server": "javascript:x", "data-privacy-url": "javascript:alert(1)" })[n] || null, loc, null);
  assert.strictEqual(bad.color, "#0b5394");
  assert.strictEqual(bad.server, "https://www.example.nl:5005");
  assert.strictEqual(bad.privacyUrl, null);
});

test("colours: default theme reaches AA contrast with white text", () => {
  assert.ok(w.contrastRatio("#0b5394", "#ffffff") >= 4.5);
  assert.ok(w.contrastRatio("#1a1a1a", "#f1f3f5") >= 4.5);
  assert.ok(w.contrastRatio("#595959", "#ffffff") >= 4.5);
  assert.strictEqual(w.textColorOn("#0b5394"), "#ffffff");
  assert.strictEqual(w.textColorOn("#ffeb3b"), "#1a1a1a");
});

test("visitor texts are Dutch and formal", () => {
  const T = w.TEXT;
  assert.strictEqual(T.typing, "De assistent typt…");
  assert.strictEqual(T.offline, "Verbinding verbroken — opnieuw proberen");
  assert.strictEqual(T.retry, "Nu opnieuw proberen");
  assert.strictEqual(T.slow, "Het antwoord laat op zich wachten. Probeert u het zo nog eens?");
  assert.strictEqual(T.open + ", " + T.newMessages(2), "Chat openen, 2 nieuwe berichten");
  assert.strictEqual(T.newMessages(1), "1 nieuw bericht");
  for (const v of Object.values(T)) {
    if (typeof v === "string") assert.ok(!/\b(je|jij|jouw)\b/i.test(v), v);
  }
});
