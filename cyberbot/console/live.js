/* The live chat page of the operator console: the queue and one conversation, kept
   current by polling /operator/live/state; everything is written with textContent. */
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root) return;
  var csrf = root.getAttribute("data-csrf");
  var POLL_MS = 1500;
  var el = function (id) { return document.getElementById(id); };
  var state = { selected: null, me: null, items: [], seen: {}, first: true, busy: false };
  var baseTitle = document.title;
  var CHANNELS = { socketio: "Website", whatsapp: "WhatsApp" };
  var STATUS = { waiting: "wacht", active: "in gesprek", closed: "afgerond" };

  ["live-sound", "live-badge"].forEach(function (id) {
    var box = el(id);
    var stored = window.localStorage.getItem(id);
    if (stored !== null) box.checked = stored === "1";
    box.addEventListener("change", function () {
      window.localStorage.setItem(id, box.checked ? "1" : "0");
      render();
    });
  });

  function time(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return d.toLocaleTimeString("nl-NL", { hour: "2-digit", minute: "2-digit" });
  }

  function showError(text) {
    var box = el("live-error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function post(path, fields) {
    var body = new FormData();
    body.append("csrf_token", csrf);
    Object.keys(fields || {}).forEach(function (k) { body.append(k, fields[k]); });
    return fetch("/operator/live/" + path, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (reply) {
        return reply.json().catch(function () { return {}; }).then(function (data) {
          if (!reply.ok) throw new Error(data.message || ("HTTP " + reply.status));
          return data;
        });
      });
  }

  function beep() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      var osc = ctx.createOscillator();
      osc.frequency.value = 880;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.2);
    } catch (e) { /* no sound available */ }
  }

  function render() {
    var me = state.me;
    if (me) {
      el("live-availability").textContent = me.available
        ? "U bent beschikbaar voor live gesprekken als " + me.name + "."
        : "U bent niet beschikbaar: bezoekers krijgen het terugbelformulier.";
      el("live-toggle").textContent = me.available ? "Niet meer beschikbaar" : "Beschikbaar worden";
    }
    var waiting = state.items.filter(function (i) { return i.status === "waiting"; });
    document.title = (el("live-badge").checked && waiting.length ? "(" + waiting.length + ") " : "") + baseTitle;
    var list = el("live-queue");
    list.textContent = "";
    el("live-empty").hidden = state.items.length > 0;
    state.items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "live-item " + item.status;
      var label = document.createElement("span");
      label.textContent = (CHANNELS[item.channel] || item.channel) + " · " + STATUS[item.status] +
        " · aangevraagd " + time(item.requested_at) +
        (item.operator_name ? " · " + item.operator_name : "") + (item.withdrawn ? " · ingetrokken" : "");
      var open = document.createElement("button");
      open.type = "button";
      open.textContent = "Openen";
      open.setAttribute("aria-label", "Gesprek openen: " + label.textContent);
      open.addEventListener("click", function () { state.selected = item.conversation_id; poll(); });
      li.appendChild(label);
      li.appendChild(open);
      list.appendChild(li);
    });
  }

  function renderConversation(conversation) {
    var section = el("live-conversation");
    if (!state.selected) { section.hidden = true; return; }
    section.hidden = false;
    var item = state.items.filter(function (i) { return i.conversation_id === state.selected; })[0];
    var mine = item && item.status === "active" && state.me && item.operator_id === state.me.id;
    el("live-holder").textContent = !item ? "Dit gesprek heeft geen live-aanvraag meer."
      : item.status === "waiting" ? "De bezoeker wacht op een medewerker."
      : item.status === "active" ? (mine ? "U heeft dit gesprek." : "In gesprek met " + item.operator_name + ".")
      : "Afgerond: de assistent heeft het gesprek weer.";
    el("live-claim").hidden = !item || item.status === "closed" || mine;
    el("live-release").hidden = !item || item.status === "closed" || (item.status === "active" && !mine);
    el("live-send").disabled = !mine;
    el("live-text").disabled = !mine;
    var profile = el("live-profile");
    profile.textContent = "";
    ((conversation && conversation.profile) || []).forEach(function (row) {
      var term = document.createElement("dt");
      term.textContent = row[0];
      var value = document.createElement("dd");
      value.textContent = row[1];
      profile.appendChild(term);
      profile.appendChild(value);
    });
    var advice = (conversation && conversation.recommendation) || [];
    el("live-recommendation").textContent = advice.length
      ? "Getoonde aanbeveling: " + advice.join(", ") + "."
      : "Nog geen aanbeveling getoond.";
    var list = el("live-messages");
    list.textContent = "";
    ((conversation && conversation.entries) || []).forEach(function (entry) {
      var li = document.createElement("li");
      li.className = entry.who === "visitor" ? "user" : "bot" + (entry.who === "operator" ? " operator" : "");
      var meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = time(entry.time) + " · " + (entry.who === "visitor" ? "Bezoeker"
        : entry.who === "operator" ? "Medewerker " + entry.name : "Assistent");
      var text = document.createElement("p");
      text.className = "text";
      text.textContent = entry.text;
      li.appendChild(meta);
      li.appendChild(text);
      list.appendChild(li);
    });
  }

  function poll() {
    if (state.busy) return;
    state.busy = true;
    var url = "/operator/live/state" + (state.selected ? "?c=" + encodeURIComponent(state.selected) : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (reply) { if (!reply.ok) throw new Error("HTTP " + reply.status); return reply.json(); })
      .then(function (data) {
        state.me = data.me;
        state.items = data.items;
        var fresh = data.items.filter(function (i) {
          return i.status === "waiting" && !state.seen[i.conversation_id + i.requested_at];
        });
        data.items.forEach(function (i) { state.seen[i.conversation_id + i.requested_at] = true; });
        if (fresh.length && !state.first && el("live-sound").checked) beep();
        state.first = false;
        render();
        renderConversation(data.conversation);
      })
      .catch(function () { el("live-availability").textContent = "Geen verbinding met de server; nieuwe poging…"; })
      .then(function () { state.busy = false; });
  }

  el("live-toggle").addEventListener("click", function () {
    var next = !(state.me && state.me.available);
    post("availability", { available: next ? "true" : "false" }).then(poll, function (e) { showError(e.message); });
  });
  el("live-claim").addEventListener("click", function () {
    showError("");
    post(encodeURIComponent(state.selected) + "/claim").then(poll, function (e) { showError(e.message); });
  });
  el("live-release").addEventListener("click", function () {
    showError("");
    post(encodeURIComponent(state.selected) + "/release").then(poll, function (e) { showError(e.message); });
  });
  el("live-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = el("live-text");
    if (!box.value.trim()) return;
    showError("");
    post(encodeURIComponent(state.selected) + "/messages", { text: box.value })
      .then(function () { box.value = ""; poll(); }, function (e) { showError(e.message); });
  });

  poll();
  window.setInterval(poll, POLL_MS);
})();
