/* WowDesk console: the little script that makes server-rendered pages live.
 *
 * - registers the service worker (installable app, offline page, push notifications);
 * - sends forms marked data-enhance with fetch, puts the returned fragments in place, and on an
 *   error shows it next to the form without losing what was typed (drafts are also kept in
 *   localStorage until sent);
 * - keeps one agent WebSocket (/ws/agent): live inbox and counts, new messages and timeline
 *   entries, who else is viewing or typing, the customer's typing, availability;
 * - keyboard: j/k, Enter, r, n, a, /, ?;
 * - canned responses with "/" in the composer; Web Push subscription on the settings page.
 * Every visible text comes from the page (rendered in the agent's language), never from here. */
(function () {
  "use strict";

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const csrf = () => { const m = $('meta[name="csrf-token"]'); return m ? m.content : ""; };
  const body = document.body;

  /* -- service worker ------------------------------------------------------------------------- */
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", () => {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
    });
  }
  $$("[data-reload]").forEach((b) => b.addEventListener("click", () => location.reload()));
  if ($("[data-reload]")) {
    // "online" can come before the server is reachable again: reload only once it answers (a
    // reload too early would show this page again, and no second "online" would come).
    const back = () => fetch(location.href, { method: "HEAD", cache: "no-store" })
      .then(() => location.reload(), () => setTimeout(back, 2000));
    window.addEventListener("online", back);
  }

  /* -- small helpers --------------------------------------------------------------------------- */
  let toastTimer = null;
  function toast(text, isError) {
    const el = $("[data-toast]");
    if (!el || !text) return;
    el.textContent = text;
    el.classList.toggle("error", Boolean(isError));
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, isError ? 9000 : 3500);
  }

  function swap(fragments) {
    Object.entries(fragments || {}).forEach(([selector, html]) => {
      $$(selector).forEach((el) => {
        if (el.matches("[data-append]")) el.insertAdjacentHTML("beforeend", html);
        else el.innerHTML = html;
        wire(el);
      });
    });
  }

  async function fetchJSON(url, options) {
    const opts = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
    opts.headers = Object.assign({ "X-WowDesk-Fetch": "1", Accept: "application/json" }, opts.headers);
    if (opts.method && opts.method !== "GET") opts.headers["X-CSRF-Token"] = csrf();
    const response = await fetch(url, opts);
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { response, data };
  }

  /* -- drafts ------------------------------------------------------------------------------------ */
  const draftKey = (form) => form.dataset.draft ? "wowdesk-draft:" + form.dataset.draft : null;
  function restoreDraft(form) {
    const key = draftKey(form); const area = $("textarea", form);
    if (!key || !area || area.value) return;
    try { const saved = localStorage.getItem(key); if (saved) area.value = saved; } catch (e) { /* private mode */ }
  }
  function saveDraft(form) {
    const key = draftKey(form); const area = $("textarea", form);
    if (!key || !area) return;
    try { if (area.value) localStorage.setItem(key, area.value); else localStorage.removeItem(key); } catch (e) { /* full */ }
  }
  function clearDraft(form) {
    const key = draftKey(form);
    if (key) { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } }
  }

  /* -- forms sent with fetch ---------------------------------------------------------------------- */
  function showFormError(form, message) {
    let box = $("[data-form-error]", form);
    if (!box) {
      box = document.createElement("div");
      box.className = "flash error";
      box.setAttribute("role", "alert");
      box.dataset.formError = "";
      form.prepend(box);
    }
    box.textContent = message;
    box.hidden = false;
  }

  async function sendForm(form, submitter) {
    if (form.dataset.busy) return;
    const confirmText = form.dataset.confirm;
    if (confirmText && !window.confirm(confirmText)) return;
    form.dataset.busy = "1";
    const buttons = $$("button[type=submit], button:not([type])", form);
    buttons.forEach((b) => { b.disabled = true; });
    const data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    try {
      const { response, data: answer } = await fetchJSON(form.action, { method: "POST", body: data });
      if (response.ok && answer && answer.ok) {
        const box = $("[data-form-error]", form); if (box) box.hidden = true;
        if (form.dataset.reset !== undefined) {
          const area = $("textarea", form); if (area) area.value = "";
          $$("input[type=file]", form).forEach((f) => { f.value = ""; });
          clearDraft(form);
        }
        swap(answer.html);
        if (form.dataset.stay === undefined && answer.redirect) {
          // Go where the server says, even when it is this very page (a changed language, a
          // new row in the list): reload it, and show the message on the page that comes.
          try { if (answer.message) sessionStorage.setItem("wowdesk-toast", answer.message); } catch (e) { /* private mode */ }
          if (answer.redirect !== location.pathname + location.search) location.assign(answer.redirect);
          else location.reload();
        } else if (answer.message) toast(answer.message);
        form.dispatchEvent(new CustomEvent("wowdesk:sent", { bubbles: true }));
      } else {
        const message = (answer && answer.error) || form.dataset.errorText || response.statusText;
        showFormError(form, message);
        toast(message, true);
      }
    } catch (e) {
      const message = body.dataset.offlineText || (navigator.onLine ? "…" : "offline");
      showFormError(form, $("[data-network-error]") ? $("[data-network-error]").textContent : message);
    } finally {
      delete form.dataset.busy;
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  function wire(root) {
    $$("form[data-enhance]", root).forEach((form) => {
      if (form.dataset.wired) return;
      form.dataset.wired = "1";
      restoreDraft(form);
      form.addEventListener("submit", (event) => { event.preventDefault(); sendForm(form, event.submitter); });
      const area = $("textarea", form);
      if (area && form.dataset.draft) area.addEventListener("input", () => saveDraft(form));
      if (form.dataset.autosave !== undefined) {
        form.addEventListener("change", (event) => {
          if (event.target.matches("input[type=text], input:not([type]), textarea")) return;
          sendForm(form);
        });
      }
    });
    $$("form[data-confirm]:not([data-enhance])", root).forEach((form) => {
      if (form.dataset.wired) return;
      form.dataset.wired = "1";
      form.addEventListener("submit", (event) => { if (!window.confirm(form.dataset.confirm)) event.preventDefault(); });
    });
    $$("[data-copy]", root).forEach((button) => {
      if (button.dataset.wired) return;
      button.dataset.wired = "1";
      button.hidden = false; // shown only where it works (the text is selectable without it)
      button.addEventListener("click", async () => {
        const source = document.getElementById(button.dataset.copy);
        if (!source) return;
        const text = "value" in source ? source.value : source.textContent;
        try {
          await navigator.clipboard.writeText(text); // secure contexts only (https, localhost)
        } catch (e) {
          source.focus(); if (source.select) source.select(); document.execCommand("copy");
        }
        toast(button.dataset.copied || "✓");
      });
    });
  }

  /* -- navigation drawer (phones) --------------------------------------------------------------- */
  const toggle = $("[data-nav-toggle]");
  const nav = $("#nav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = !nav.classList.contains("open");
      nav.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", String(open));
      if (open) { const first = $("a, select, button", nav); if (first) first.focus(); }
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && nav.classList.contains("open")) { nav.classList.remove("open"); toggle.setAttribute("aria-expanded", "false"); toggle.focus(); }
    });
  }

  /* -- counts of the views ------------------------------------------------------------------------ */
  let countsTimer = null;
  async function refreshCounts() {
    if (!$("[data-count-for]")) return;
    try {
      const { response, data } = await fetchJSON("/inbox/counts");
      if (!response.ok || !data) return;
      $$("[data-count-for]").forEach((el) => {
        const c = data[el.dataset.countFor];
        el.textContent = c ? (c.more ? c.count.toLocaleString() + "+" : c.count.toLocaleString()) : "";
      });
    } catch (e) { /* offline: keep the old numbers */ }
  }
  const soonCounts = () => { clearTimeout(countsTimer); countsTimer = setTimeout(refreshCounts, 400); };

  /* -- the inbox list ---------------------------------------------------------------------------- */
  const inbox = $("[data-inbox-list]");
  let listTimer = null;
  async function refreshList() {
    if (!inbox || new URLSearchParams(location.search).get("cursor")) return; // older pages stay put
    const selected = $(".row.selected", inbox);
    const key = selected ? selected.dataset.kind + ":" + selected.dataset.id : null;
    try {
      const { response, data } = await fetchJSON(location.pathname + location.search);
      if (!response.ok || !data || !data.ok) return;
      swap(data.html);
      if (key) {
        const [kind, id] = key.split(":");
        const again = $(`.row[data-kind="${kind}"][data-id="${id}"]`, inbox);
        if (again) select(again, false);
      }
    } catch (e) { /* offline */ }
  }
  const soonList = () => { clearTimeout(listTimer); listTimer = setTimeout(refreshList, 600); };

  function rows() { return inbox ? $$(".row", inbox) : []; }
  function select(row, focus) {
    rows().forEach((r) => r.classList.remove("selected"));
    row.classList.add("selected");
    if (focus !== false) { const link = $("a", row); if (link) link.focus(); }
  }
  function move(step) {
    const all = rows(); if (!all.length) return;
    const at = all.findIndex((r) => r.classList.contains("selected"));
    const next = all[Math.max(0, Math.min(all.length - 1, at < 0 ? 0 : at + step))];
    select(next);
    next.scrollIntoView({ block: "nearest" });
  }

  /* -- composer: reply or note, canned responses ---------------------------------------------------- */
  function wireComposer(form) {
    const area = $("textarea", form);
    const modes = $$('input[name="mode"]', form);
    const apply = () => {
      const note = modes.some((m) => m.checked && m.value === "note");
      form.classList.toggle("note-mode", note);
      if (area) area.placeholder = note ? (area.dataset.notePlaceholder || "") : (area.dataset.replyPlaceholder || "");
    };
    modes.forEach((m) => m.addEventListener("change", apply));
    apply();
    if (!area) return;
    area.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); form.requestSubmit(); }
    });
    const canned = JSON.parse((($("script[data-canned]") || {}).textContent) || "[]");
    if (!canned.length) return;
    const list = document.createElement("ul");
    list.className = "canned"; list.hidden = true; list.setAttribute("role", "listbox");
    list.id = "canned-" + Math.random().toString(36).slice(2);
    area.setAttribute("aria-controls", list.id);
    form.appendChild(list);
    let matches = []; let active = 0; let start = -1;
    const close = () => { list.hidden = true; start = -1; };
    const render = () => {
      list.innerHTML = "";
      matches.forEach((c, i) => {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", String(i === active));
        const s = document.createElement("span"); s.className = "shortcut"; s.textContent = "/" + c.shortcut;
        li.append(s, document.createTextNode(c.title));
        li.addEventListener("mousedown", (e) => { e.preventDefault(); active = i; insert(); });
        list.appendChild(li);
      });
      list.hidden = !matches.length;
    };
    const insert = () => {
      const c = matches[active]; if (!c || start < 0) return;
      const before = area.value.slice(0, start); const after = area.value.slice(area.selectionStart);
      area.value = before + c.body + after;
      const at = before.length + c.body.length;
      area.setSelectionRange(at, at);
      close(); saveDraft(form);
    };
    area.addEventListener("input", () => {
      const upto = area.value.slice(0, area.selectionStart);
      const m = /(^|\s)\/([\w-]*)$/.exec(upto);
      if (!m) { close(); return; }
      start = upto.length - m[2].length - 1;
      const word = m[2].toLowerCase();
      matches = canned.filter((c) => c.shortcut.startsWith(word) || c.title.toLowerCase().includes(word)).slice(0, 8);
      active = 0; render();
    });
    area.addEventListener("keydown", (e) => {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); active = (active + 1) % matches.length; render(); }
      else if (e.key === "ArrowUp") { e.preventDefault(); active = (active + matches.length - 1) % matches.length; render(); }
      else if (e.key === "Enter" || e.key === "Tab") { e.preventDefault(); insert(); }
      else if (e.key === "Escape") { e.preventDefault(); close(); }
    });
    area.addEventListener("blur", () => setTimeout(close, 150));
  }

  /* -- the record page (conversation or ticket) --------------------------------------------------------- */
  const record = $("[data-record]");
  const recordKind = record ? record.dataset.record : null;
  const recordId = record ? Number(record.dataset.id) : null;
  const recordTarget = record ? recordKind + ":" + recordId : null;
  let timelineBusy = false; let timelineAgain = false;

  async function refreshTimeline() {
    const box = $("[data-timeline]");
    if (!box) return;
    if (timelineBusy) { timelineAgain = true; return; }
    timelineBusy = true;
    try {
      const url = box.dataset.source + (box.dataset.source.includes("?") ? "&" : "?") + "after=" + encodeURIComponent(box.dataset.after || "0");
      const { response, data } = await fetchJSON(url);
      if (response.ok && data && data.ok) {
        if (data.items) box.insertAdjacentHTML("beforeend", data.items);
        if (data.after !== undefined) box.dataset.after = data.after;
        swap(data.html);
        if (data.items) { wire(box); box.lastElementChild && box.lastElementChild.scrollIntoView({ block: "nearest" }); markRead(); }
      }
    } catch (e) { /* offline */ }
    timelineBusy = false;
    if (timelineAgain) { timelineAgain = false; refreshTimeline(); }
  }

  // A running SLA timer's "time left" is business time, counted on the server (calendars, holidays):
  // while one runs and the page is seen, the box is asked for again each minute.
  const slaRunning = () => $('[data-ticket-sla] [data-sla-state="running"]');
  if (recordKind === "ticket" && slaRunning()) {
    setInterval(() => { if (!document.hidden && slaRunning()) refreshTimeline(); }, 60000);
  }

  function markRead() {
    if (recordKind !== "conversation" || !socket || socket.readyState !== 1 || document.hidden) return;
    const box = $("[data-timeline]");
    const seq = box ? Number(box.dataset.after || 0) : 0;
    if (seq) send({ type: "read", conversation_id: recordId, seq: seq });
  }

  /* -- who else is here ---------------------------------------------------------------------------- */
  const others = new Map(); // agent id → {name, state, at}
  function renderCollision() {
    const box = $("[data-collision]");
    if (!box) return;
    const now = Date.now();
    for (const [id, o] of others) if (now - o.at > 45000 || o.state === "left") others.delete(id);
    const typing = [...others.values()].filter((o) => o.state === "typing").map((o) => o.name);
    const viewing = [...others.values()].filter((o) => o.state !== "typing").map((o) => o.name);
    const parts = [];
    if (typing.length) parts.push((box.dataset.typingText || "{names} typing").replace("{names}", typing.join(", ")));
    if (viewing.length) parts.push((box.dataset.viewingText || "{names} viewing").replace("{names}", viewing.join(", ")));
    box.textContent = parts.join(" · ");
  }
  setInterval(renderCollision, 10000);

  let myState = "viewing"; let typingTimer = null; let lastTypingSent = 0;
  function announce(state, ask) {
    if (!recordTarget) return;
    myState = state;
    send({ type: "viewing", target: recordTarget, state: state, ask: Boolean(ask) });
  }

  /* -- the agent socket ------------------------------------------------------------------------------ */
  let socket = null; let lastEventId = null; let retry = 1000; let beat = null;
  function send(frame) { if (socket && socket.readyState === 1) socket.send(JSON.stringify(frame)); }
  function liveState(state) {
    const el = $("[data-live-state]"); if (!el) return;
    el.dataset.state = state;
    el.textContent = state === "down" ? (el.dataset.downText || "") : "";
  }

  function onEvent(name, data) {
    if (inbox) soonList();
    soonCounts();
    if (!record) return;
    const id = data.conversation_id || data.ticket_id;
    if (id === recordId && ((recordKind === "conversation" && (name.startsWith("conversation.") || name.startsWith("message."))) ||
        (recordKind === "ticket" && name.startsWith("ticket.")))) {
      refreshTimeline();
    }
  }

  function connect() {
    if (!body.classList.contains("console")) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + "/ws/agent");
    socket.addEventListener("open", () => {
      retry = 1000;
      const hello = { type: "hello" };
      if (lastEventId !== null) hello.last_event_id = lastEventId;
      socket.send(JSON.stringify(hello));
    });
    socket.addEventListener("message", (msg) => {
      let f; try { f = JSON.parse(msg.data); } catch (e) { return; }
      if (f.type === "welcome") {
        const resumed = lastEventId !== null;
        lastEventId = f.last_event_id; liveState("up");
        if (recordTarget) announce(myState, true);
        markRead();
        if (resumed) { soonCounts(); if (inbox) soonList(); if (record) refreshTimeline(); }
      } else if (f.type === "reset") {
        lastEventId = f.last_event_id; soonCounts(); if (inbox) soonList(); if (record) refreshTimeline();
      } else if (f.type === "event") {
        lastEventId = Math.max(lastEventId || 0, f.id);
        onEvent(f.name, f.data || {});
      } else if (f.type === "viewing" && f.target === recordTarget && f.who && String(f.who.id) !== body.dataset.agentId) {
        others.set(f.who.id, { name: f.who.name, state: f.state, at: Date.now() });
        if (f.ask && f.state !== "left") announce(myState, false);
        renderCollision();
      } else if (f.type === "typing" && recordKind === "conversation" && f.conversation_id === recordId && f.who && f.who.kind === "customer") {
        const line = $("[data-customer-typing]");
        if (line) line.hidden = !f.on;
      } else if (f.type === "error" && f.code === "unauthorized") {
        liveState("down");
      }
    });
    socket.addEventListener("close", (e) => {
      liveState("down");
      if (e.code === 4401) return; // signed out: the next page load goes to the login form
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
    clearInterval(beat);
    beat = setInterval(() => { send({ type: "ping" }); if (recordTarget) announce(myState, false); }, 20000);
  }
  window.addEventListener("beforeunload", () => { if (recordTarget) announce("left", false); });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) { markRead(); soonCounts(); } });

  const presence = $("[data-presence]");
  if (presence) {
    presence.addEventListener("change", () => {
      if (socket && socket.readyState === 1) send({ type: "presence", status: presence.value });
    });
  }

  /* -- keyboard ------------------------------------------------------------------------------------ */
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (t.closest && t.closest("input, textarea, select, [contenteditable]")) {
      if (e.key === "Escape") t.blur();
      return;
    }
    const help = $("[data-help]");
    if (e.key === "?") { e.preventDefault(); if (help && !help.open) help.showModal(); return; }
    if (e.key === "/") { const q = $("[data-hotkey='/']"); if (q) { e.preventDefault(); q.focus(); q.select(); } return; }
    if (inbox && (e.key === "j" || e.key === "k")) { e.preventDefault(); move(e.key === "j" ? 1 : -1); return; }
    if (inbox && e.key === "Enter") { const s = $(".row.selected a", inbox); if (s) { e.preventDefault(); location.assign(s.href); } return; }
    const composer = $("[data-composer]");
    if (composer && (e.key === "r" || e.key === "n")) {
      const mode = $(`input[name="mode"][value="${e.key === "r" ? "reply" : "note"}"]`, composer);
      if (mode) { mode.checked = true; mode.dispatchEvent(new Event("change")); }
      e.preventDefault(); const area = $("textarea", composer); if (area) area.focus();
      return;
    }
    if (e.key === "a") { const who = $("[data-assign]"); if (who) { e.preventDefault(); who.focus(); } }
  });

  /* -- typing: the customer sees a reply being written; colleagues see either ----------------------- */
  const composerForm = $("[data-composer]");
  if (composerForm) {
    wireComposer(composerForm);
    const area = $("textarea", composerForm);
    if (area) {
      area.addEventListener("input", () => {
        const note = $('input[name="mode"][value="note"]', composerForm);
        const now = Date.now();
        if (now - lastTypingSent > 3000) {
          lastTypingSent = now;
          announce("typing", false);
          if (recordKind === "conversation" && !(note && note.checked)) send({ type: "typing", conversation_id: recordId, on: true });
        }
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => {
          lastTypingSent = 0;
          announce("viewing", false);
          if (recordKind === "conversation") send({ type: "typing", conversation_id: recordId, on: false });
        }, 4000);
      });
    }
    composerForm.addEventListener("wowdesk:sent", () => { refreshTimeline(); announce("viewing", false); });
  }

  /* -- Web Push on this device ------------------------------------------------------------------------ */
  const pushBox = $("[data-push]");
  function b64ToBytes(text) {
    const pad = "=".repeat((4 - (text.length % 4)) % 4);
    const raw = atob((text + pad).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }
  async function pushState() {
    if (!pushBox) return;
    const state = $("[data-push-state]", pushBox);
    const on = $("[data-push-on]", pushBox); const off = $("[data-push-off]", pushBox);
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
      state.textContent = pushBox.dataset.unsupportedText; on.hidden = true; off.hidden = true; return;
    }
    const reg = await navigator.serviceWorker.ready;
    const sub = await reg.pushManager.getSubscription();
    state.textContent = sub ? pushBox.dataset.onText : (Notification.permission === "denied" ? pushBox.dataset.deniedText : pushBox.dataset.offText);
    on.hidden = Boolean(sub); off.hidden = !sub;
  }
  if (pushBox) {
    pushState();
    $("[data-push-on]", pushBox).addEventListener("click", async () => {
      try {
        if ((await Notification.requestPermission()) !== "granted") { pushState(); return; }
        const { data: key } = await fetchJSON("/api/v1/push/key");
        const reg = await navigator.serviceWorker.ready;
        const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64ToBytes(key.public_key) });
        const payload = Object.assign(sub.toJSON(), { label: navigator.userAgent.slice(0, 120) });
        const { response, data } = await fetchJSON("/api/v1/push/subscriptions", {
          method: "POST", body: JSON.stringify(payload), headers: { "Content-Type": "application/json" },
        });
        if (!response.ok) toast((data && (data.detail || data.title)) || response.statusText, true);
      } catch (e) { toast(pushBox.dataset.failedText, true); }
      pushState();
    });
    $("[data-push-off]", pushBox).addEventListener("click", async () => {
      const reg = await navigator.serviceWorker.ready;
      const sub = await reg.pushManager.getSubscription();
      if (sub) {
        const { data: mine } = await fetchJSON("/api/v1/push/subscriptions");
        const found = Array.isArray(mine) ? mine.find((s) => s.endpoint === sub.endpoint) : null;
        if (found) await fetchJSON("/api/v1/push/subscriptions/" + found.id, { method: "DELETE" });
        await sub.unsubscribe();
      }
      pushState();
    });
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (e) => {
      if (e.data && e.data.type === "push" && e.data.data) toast(e.data.data.title + (e.data.data.body ? ": " + e.data.data.body : ""));
    });
  }

  /* -- start ---------------------------------------------------------------------------------------- */
  wire(document);
  try {
    const left = sessionStorage.getItem("wowdesk-toast");
    if (left) { sessionStorage.removeItem("wowdesk-toast"); toast(left); }
  } catch (e) { /* private mode */ }
  if (body.classList.contains("console")) {
    refreshCounts();
    connect();
    const last = $("[data-timeline] > :last-child");
    if (last) last.scrollIntoView({ block: "nearest" });
  }
})();
