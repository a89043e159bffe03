"use strict";
const test = require("node:test");
const assert = require("node:assert");
const { encodePacket, decodePacket, buildSocketUrl } = require("../widget.js");

test("Engine.IO open packet", () => {
  const p = decodePacket('0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
  assert.strictEqual(p.type, "open");
  assert.strictEqual(p.data.sid, "abc");
  assert.strictEqual(p.data.pingInterval, 25000);
  assert.strictEqual(p.data.pingTimeout, 20000);
});

test("ping → pong (with and without probe data)", () => {
  assert.deepStrictEqual(decodePacket("2"), { type: "ping", data: "" });
  assert.strictEqual(encodePacket({ type: "pong" }), "3");
  const probe = decodePacket("2probe");
  assert.strictEqual(encodePacket({ type: "pong", data: probe.data }), "3probe");
  assert.strictEqual(encodePacket({ type: "ping" }), "2");
  assert.deepStrictEqual(decodePacket("3"), { type: "pong", data: "" });
});

test("close and noop", () => {
  assert.deepStrictEqual(decodePacket("1"), { type: "close" });
  assert.strictEqual(encodePacket({ type: "close" }), "1");
  assert.deepStrictEqual(decodePacket("6"), { type: "noop" });
});

test("socket.io connect to the default namespace", () => {
  assert.strictEqual(encodePacket({ type: "connect" }), "40");
  assert.deepStrictEqual(decodePacket('40{"sid":"xyz"}'), { type: "connect", data: { sid: "xyz" } });
  assert.deepStrictEqual(decodePacket("40"), { type: "connect", data: undefined });
  assert.deepStrictEqual(decodePacket('40/,{"sid":"xyz"}'), { type: "connect", data: { sid: "xyz" } });
  assert.deepStrictEqual(decodePacket("41"), { type: "disconnect" });
  assert.strictEqual(encodePacket({ type: "disconnect" }), "41");
});

test("socket.io connect error", () => {
  assert.deepStrictEqual(decodePacket('44{"message":"Not authorized"}'), {
    type: "connect_error",
    data: { message: "Not authorized" },
  });
});

test("42 events encode and decode", () => {
  const frame = encodePacket({ type: "event", name: "user_uttered", data: { message: "Hallo \"daar\" <b>", session_id: "s1", metadata: {} } });
  assert.strictEqual(frame, '42["user_uttered",{"message":"Hallo \\"daar\\" <b>","session_id":"s1","metadata":{}}]');
  assert.deepStrictEqual(decodePacket(frame), {
    type: "event",
    name: "user_uttered",
    data: { message: 'Hallo "daar" <b>', session_id: "s1", metadata: {} },
    args: [{ message: 'Hallo "daar" <b>', session_id: "s1", metadata: {} }],
  });
  assert.strictEqual(
    encodePacket({ type: "event", name: "session_request", data: { session_id: null } }),
    '42["session_request",{"session_id":null}]'
  );
  const confirm = decodePacket('42["session_confirm","0123456789abcdef"]');
  assert.strictEqual(confirm.name, "session_confirm");
  assert.strictEqual(confirm.data, "0123456789abcdef");
  // With an ack id, the event still decodes.
  assert.strictEqual(decodePacket('4212["bot_uttered",{"text":"hoi"}]').data.text, "hoi");
});

test("malformed and foreign frames are ignored", () => {
  for (const frame of [
    "",
    null,
    undefined,
    42,
    "x",
    "9",
    "0",
    "0not json",
    "0[1,2]",
    "4",
    "42",
    "42{not json",
    '42{"a":1}',
    "42[1,2]",
    "42[]",
    '42/admin,["bot_uttered",{"text":"x"}]',
    '45["binary"]',
    "43[]",
    "4x",
  ]) {
    assert.strictEqual(decodePacket(frame), null, JSON.stringify(frame));
  }
  assert.throws(() => encodePacket({ type: "nonsense" }));
});

test("socket URL from the server URL", () => {
  assert.strictEqual(buildSocketUrl("http://localhost:5005"), "ws://localhost:5005/socket.io/?EIO=4&transport=websocket");
  assert.strictEqual(buildSocketUrl("https://bot.example.nl/"), "wss://bot.example.nl/socket.io/?EIO=4&transport=websocket");
  assert.strictEqual(buildSocketUrl("https://example.nl/rasa/"), "wss://example.nl/rasa/socket.io/?EIO=4&transport=websocket");
});
