"use strict";
const test = require("node:test");
const assert = require("node:assert");
const { backoffDelay } = require("../widget.js");

const middle = () => 0.5; // no jitter
const low = () => 0; // -20 %
const high = () => 0.999999; // almost +20 %

test("back-off doubles from 1 s and caps at 30 s", () => {
  const seq = [0, 1, 2, 3, 4, 5, 6, 7, 20, 1000].map((n) => backoffDelay(n, middle));
  assert.deepStrictEqual(seq, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000]);
});

test("jitter stays within ±20 % and never exceeds the cap", () => {
  assert.strictEqual(backoffDelay(0, low), 800);
  assert.strictEqual(backoffDelay(0, high), 1200);
  assert.strictEqual(backoffDelay(3, low), 6400);
  assert.strictEqual(backoffDelay(3, high), 9600);
  assert.strictEqual(backoffDelay(10, low), 24000);
  assert.strictEqual(backoffDelay(10, high), 30000);
  for (let attempt = 0; attempt < 12; attempt++) {
    for (let r = 0; r < 1; r += 0.05) {
      const d = backoffDelay(attempt, () => r);
      const base = Math.min(1000 * 2 ** attempt, 30000);
      assert.ok(d >= base * 0.8 - 1 && d <= Math.min(base * 1.2, 30000) + 1, `${attempt} ${r} ${d}`);
    }
  }
});

test("a deterministic jitter source gives a deterministic sequence", () => {
  let seed = 42;
  const rng = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const a = [];
  for (let i = 0; i < 8; i++) a.push(backoffDelay(i, rng));
  seed = 42;
  const b = [];
  for (let i = 0; i < 8; i++) b.push(backoffDelay(i, rng));
  assert.deepStrictEqual(a, b);
});

test("negative or odd attempts behave like attempt 0", () => {
  assert.strictEqual(backoffDelay(-3, middle), 1000);
  assert.strictEqual(backoffDelay(undefined, middle), 1000);
});
