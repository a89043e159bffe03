"use strict";
// A tiny DOM stand-in for Node tests: enough for renderMarkdown.

class FakeNode {
  constructor(tagName) {
    this.tagName = tagName;
    this.children = [];
    this.attributes = {};
    this._text = "";
  }
  appendChild(child) {
    if (child.tagName === "#fragment") {
      child.children.forEach((c) => this.children.push(c));
      child.children = [];
    } else {
      this.children.push(child);
    }
    return child;
  }
  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }
  set textContent(value) {
    this.children = [];
    this._text = "";
    if (value) this.children.push(new FakeText(String(value)));
  }
  get textContent() {
    return this.children.map((c) => c.textContent).join("");
  }
  tagNames() {
    const out = [this.tagName];
    for (const c of this.children) out.push(...(c.tagNames ? c.tagNames() : ["#text"]));
    return out;
  }
  set innerHTML(_) {
    throw new Error("innerHTML must not be used");
  }
}

class FakeText {
  constructor(text) {
    this.tagName = "#text";
    this.text = text;
  }
  get textContent() {
    return this.text;
  }
}

class FakeDocument {
  createElement(tag) {
    return new FakeNode(String(tag).toLowerCase());
  }
  createTextNode(text) {
    return new FakeText(text);
  }
  createDocumentFragment() {
    return new FakeNode("#fragment");
  }
}

module.exports = { FakeDocument, FakeNode, FakeText };
