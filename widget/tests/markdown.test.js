"use strict";
const test = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const { parseMarkdown, renderMarkdown, safeUrl } = require("../widget.js");
const { FakeDocument } = require("./fake-dom.js");

// Collect every text in a tree, and every node type.
function walk(tree, visit) {
  for (const node of tree) {
    visit(node);
    if (node.children) walk(node.children, visit);
    if (node.items) node.items.forEach((item) => walk(item, visit));
  }
}
function texts(tree) {
  const out = [];
  walk(tree, (n) => n.type === "text" && out.push(n.text));
  return out.join("");
}
function types(tree) {
  const out = [];
  walk(tree, (n) => out.push(n.type));
  return out;
}

test("HTML in text stays text", () => {
  const html = '<img src=x onerror=alert(1)> <script>alert(1)</script> &amp;';
  const tree = parseMarkdown(html);
  assert.deepStrictEqual(tree, [{ type: "paragraph", children: [{ type: "text", text: html }] }]);
  const doc = new FakeDocument();
  const frag = renderMarkdown(tree, doc);
  assert.strictEqual(frag.textContent, html);
  assert.deepStrictEqual(frag.tagNames(), ["#fragment", "p", "#text"]);
});

test("javascript:, data: and other unsafe links become text", () => {
  for (const href of [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox",
    "java\tscript:alert(1)",
    "/relative/path",
    "//evil.example",
    "file:///etc/passwd",
  ]) {
    const tree = parseMarkdown("Klik [hier](" + href + ") nu");
    assert.ok(!types(tree).includes("link"), href);
    assert.ok(texts(tree).includes("hier"), href);
  }
});

test("safeUrl allows only http, https and mailto", () => {
  assert.strictEqual(safeUrl("https://example.nl/a?b=c"), "https://example.nl/a?b=c");
  assert.strictEqual(safeUrl("http://example.nl"), "http://example.nl/");
  assert.strictEqual(safeUrl("mailto:info@example.nl"), "mailto:info@example.nl");
  assert.strictEqual(safeUrl("javascript:alert(1)"), null);
  assert.strictEqual(safeUrl(" javascript:alert(1)"), null);
  assert.strictEqual(safeUrl("data:image/png;base64,AAAA"), null);
  assert.strictEqual(safeUrl("https://"), null);
  assert.strictEqual(safeUrl("mailto:"), null);
  assert.strictEqual(safeUrl(null), null);
  assert.strictEqual(safeUrl("mailto:x@y.nl", ["http", "https"]), null);
});

test("bold, italic (both markers), links", () => {
  const tree = parseMarkdown("Dit is **belangrijk**, *echt* en _zeker_. Zie [de site](https://example.nl/info).");
  assert.deepStrictEqual(tree, [
    {
      type: "paragraph",
      children: [
        { type: "text", text: "Dit is " },
        { type: "strong", children: [{ type: "text", text: "belangrijk" }] },
        { type: "text", text: ", " },
        { type: "em", children: [{ type: "text", text: "echt" }] },
        { type: "text", text: " en " },
        { type: "em", children: [{ type: "text", text: "zeker" }] },
        { type: "text", text: ". Zie " },
        { type: "link", href: "https://example.nl/info", children: [{ type: "text", text: "de site" }] },
        { type: "text", text: "." },
      ],
    },
  ]);
});

test("nested emphasis and bold inside a link", () => {
  const tree = parseMarkdown("**vet met *schuin* erin** en [**vet**](mailto:a@b.nl)");
  assert.deepStrictEqual(tree[0].children[0], {
    type: "strong",
    children: [
      { type: "text", text: "vet met " },
      { type: "em", children: [{ type: "text", text: "schuin" }] },
      { type: "text", text: " erin" },
    ],
  });
  assert.deepStrictEqual(tree[0].children[2], {
    type: "link",
    href: "mailto:a@b.nl",
    children: [{ type: "strong", children: [{ type: "text", text: "vet" }] }],
  });
});

test("snake_case and URLs with underscores are not italic", () => {
  const tree = parseMarkdown("zie cyber_verzekering_info en https://x.nl/a_b_c");
  assert.ok(!types(tree).includes("em"));
  assert.strictEqual(texts(tree), "zie cyber_verzekering_info en https://x.nl/a_b_c");
});

test("lists: -, • and numbered; line breaks; paragraphs", () => {
  const tree = parseMarkdown("Opties:\n- een\n• twee\n\n1. eerst\n2. **dan**\nregel een\nregel twee\n\nNieuwe alinea");
  assert.deepStrictEqual(tree, [
    { type: "paragraph", children: [{ type: "text", text: "Opties:" }] },
    {
      type: "list",
      ordered: false,
      start: 1,
      items: [[{ type: "text", text: "een" }], [{ type: "text", text: "twee" }]],
    },
    {
      type: "list",
      ordered: true,
      start: 1,
      items: [[{ type: "text", text: "eerst" }], [{ type: "strong", children: [{ type: "text", text: "dan" }] }]],
    },
    {
      type: "paragraph",
      children: [{ type: "text", text: "regel een" }, { type: "br" }, { type: "text", text: "regel twee" }],
    },
    { type: "paragraph", children: [{ type: "text", text: "Nieuwe alinea" }] },
  ]);
});

test("URLs with balanced parentheses; unbalanced ones stop at the first )", () => {
  const tree = parseMarkdown("[W](https://nl.wikipedia.org/wiki/A_(b)) (zie)");
  assert.strictEqual(tree[0].children[0].href, "https://nl.wikipedia.org/wiki/A_(b)");
  assert.deepStrictEqual(tree[0].children[1], { type: "text", text: " (zie)" });
  const bad = parseMarkdown("[x](javascript:alert(1))");
  assert.ok(!types(bad).includes("link"));
});

test("ordered list keeps its start number", () => {
  const tree = parseMarkdown("3. drie\n4. vier");
  assert.strictEqual(tree[0].start, 3);
  const frag = renderMarkdown(tree, new FakeDocument());
  assert.strictEqual(frag.children[0].attributes.start, "3");
});

test("unbalanced markers stay literal", () => {
  for (const s of ["**half vet", "*half", "_half", "[label zonder url", "[label](", "a ** b ** c", "* niet*", "**", "*", "_", "[]()", "[a](b c)"]) {
    const tree = parseMarkdown(s);
    const all = types(tree);
    assert.ok(!all.includes("strong") && !all.includes("em") && !all.includes("link"), s);
    if (!/^\* /.test(s)) assert.strictEqual(texts(tree), s, s);
  }
  // Unbalanced text next to balanced text.
  const t = parseMarkdown("**vet** en **half");
  assert.deepStrictEqual(t[0].children, [
    { type: "strong", children: [{ type: "text", text: "vet" }] },
    { type: "text", text: " en **half" },
  ]);
});

test("empty and non-string input", () => {
  assert.deepStrictEqual(parseMarkdown(""), []);
  assert.deepStrictEqual(parseMarkdown("\n\n  \n"), []);
  assert.deepStrictEqual(parseMarkdown(null), []);
  assert.deepStrictEqual(parseMarkdown(42), [{ type: "paragraph", children: [{ type: "text", text: "42" }] }]);
});

test("very long input (100 KB) parses quickly", () => {
  const inputs = [
    "a".repeat(100000),
    "[".repeat(100000),
    "*".repeat(100000),
    "_".repeat(100000),
    "**a".repeat(34000),
    "*a ".repeat(34000),
    "[a](".repeat(25000),
    "[a](https://x.nl) ".repeat(6000),
    "- item **vet**\n".repeat(7000),
    "**_*[".repeat(25000),
    "[".repeat(50000) + "a](" + "(".repeat(50000) + ")",
    "[".repeat(50000) + "a](" + "( ".repeat(1000) + ")".repeat(40000),
  ];
  for (const s of inputs) {
    const start = process.hrtime.bigint();
    const tree = parseMarkdown(s);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(Array.isArray(tree));
    assert.ok(ms < 1000, `took ${ms} ms for ${JSON.stringify(s.slice(0, 8))}…`);
  }
});

test("renderMarkdown builds elements; links open safely in a new tab", () => {
  const doc = new FakeDocument();
  const frag = renderMarkdown(parseMarkdown("Hoi **<b>x</b>**\n- [site](https://example.nl)"), doc);
  const p = frag.children[0];
  assert.strictEqual(p.tagName, "p");
  assert.strictEqual(p.children[1].tagName, "strong");
  assert.strictEqual(p.children[1].textContent, "<b>x</b>");
  const a = frag.children[1].children[0].children[0];
  assert.strictEqual(a.tagName, "a");
  assert.strictEqual(a.attributes.href, "https://example.nl/");
  assert.strictEqual(a.attributes.target, "_blank");
  assert.strictEqual(a.attributes.rel, "noopener noreferrer");
});

test("renderMarkdown re-checks hrefs of hand-made trees", () => {
  const doc = new FakeDocument();
  const tree = [{ type: "paragraph", children: [{ type: "link", href: "javascript:alert(1)", children: [{ type: "text", text: "x" }] }] }];
  const frag = renderMarkdown(tree, doc);
  assert.ok(!frag.tagNames().includes("a"));
  assert.strictEqual(frag.textContent, "x");
});

test("widget.js never uses innerHTML, outerHTML, insertAdjacentHTML, document.write or eval", () => {
  const src = fs.readFileSync(path.join(__dirname, "..", "widget.js"), "utf8");
  for (const bad of ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"]) {
    assert.ok(!src.includes(bad), bad);
  }
});
