/* WowDesk chat widget: one dependency-free script, served at /widget.js?workspace=<slug>&channel=<id>
 * with BASE and STRINGS filled in by the server. Protocol: docs/chat.md (GET /ws/widget). */
(function () {
  "use strict";
  var BASE = "__WOWDESK_BASE__";
  var STRINGS = __WOWDESK_STRINGS__;
  if (window.WowDesk && window.WowDesk._wd) return;

  // -- where we are --------------------------------------------------------------------------------------
  const script =
    document.currentScript ||
    [].slice.call(document.getElementsByTagName("script")).filter((s) => (s.src || "").indexOf("widget.js") >= 0).pop();
  if (!script || !script.src) return;
  const src = new URL(script.src, location.href);
  const WS = src.searchParams.get("workspace");
  const CH = src.searchParams.get("channel");
  if (!WS || !CH) {
    console.warn("WowDesk: widget.js needs ?workspace=<slug>&channel=<id>");
    return;
  }
  const base = (/^https?:\/\//.test(BASE) ? BASE : src.origin).replace(/\/+$/, "");
  const MAX_FILE = 10 * 1024 * 1024;
  const KEEP = 200;

  // -- language and strings ------------------------------------------------------------------------------
  const lang = (function () {
    const list = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
    for (let l of list) {
      l = String(l).toLowerCase().replace(/_/g, "-");
      if (/^zh\b/.test(l)) {
        if (/^zh-hant\b/.test(l)) return "zh-Hant";
        if (/^zh-hans\b/.test(l)) return "zh-Hans";
        return /^zh-(tw|hk|mo)\b/.test(l) ? "zh-Hant" : "zh-Hans";
      }
      if (/^en\b/.test(l)) return "en";
    }
    return "en";
  })();
  const S = STRINGS && typeof STRINGS === "object" ? STRINGS : {};
  const t = (k, n) => {
    const v = String((S[lang] || {})[k] || (S.en || {})[k] || k);
    return n == null ? v : v.replace("{count}", n);
  };

  // -- storage (wowdesk:<workspace>:<channel>:<key>) ------------------------------------------------------
  const P = "wowdesk:" + WS + ":" + CH + ":";
  const load = (k, d) => {
    try {
      const v = localStorage.getItem(P + k);
      if (v == null) return d;
      try {
        return JSON.parse(v);
      } catch (e) {
        return v;
      }
    } catch (e) {
      return d;
    }
  };
  const save = (k, v) => {
    try {
      if (v == null) localStorage.removeItem(P + k);
      else localStorage.setItem(P + k, typeof v === "string" ? v : JSON.stringify(v));
    } catch (e) {
      /* private mode or full: the widget still works for this page */
    }
  };
  const arr = (v) => (Array.isArray(v) ? v : []);
  const freshConv = () => ({ ids: {}, cur: null, ci: 0, read: 0, aread: 0 });

  let visitor = typeof load("visitor") === "string" ? load("visitor") : null;
  let W = +load("seq", 0) || 0; // every seq up to W of the current conversation is stored
  let msgs = arr(load("messages"));
  let pend = arr(load("pending")); // not acknowledged yet: {client_id, body, att?, atts?, st, t}
  let cv = load("conv") || freshConv(); // conversation ids -> ordinal, current one, read marks
  if (typeof cv !== "object" || !cv.ids) cv = freshConv();
  let identity = load("identity", null);
  let profile = load("profile", null);
  const soundPref = load("sound", null);
  let soundSet = soundPref != null; // the visitor chose; otherwise the channel's default (config.sound)
  let soundOn = soundSet ? !!soundPref : true;

  // -- DOM helpers ------------------------------------------------------------------------------------------
  const h = (tag, a, kids) => {
    const e = document.createElement(tag);
    for (const k in a || {}) {
      const v = a[k];
      if (v == null || v === false) continue;
      if (k === "text") e.textContent = v;
      else if (k === "cls") e.className = v;
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    (kids || []).forEach((c) => c && e.append(c));
    return e;
  };
  const NS = "http://www.w3.org/2000/svg";
  const I = {
    chat: "M21 12a8 8 0 0 1-11.6 7.1L4 20l1.1-4.6A8 8 0 1 1 21 12z",
    x: "M6 6l12 12M18 6 6 18",
    clip: "M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9",
    send: "M22 2 11 13M22 2l-7 20-4-9-9-4z",
    on: "M11 5 6 9H3v6h3l5 4zM15.5 8.5a5 5 0 0 1 0 7M18.5 5.5a9 9 0 0 1 0 13",
    off: "M11 5 6 9H3v6h3l5 4zM22 9l-6 6M16 9l6 6",
  };
  const icon = (d) => {
    const s = document.createElementNS(NS, "svg");
    const p = document.createElementNS(NS, "path");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("width", "24");
    s.setAttribute("height", "24");
    s.setAttribute("aria-hidden", "true");
    s.setAttribute("focusable", "false");
    p.setAttribute("d", d);
    s.append(p);
    return s;
  };
  const setIcon = (btn, d) => btn.querySelector("path").setAttribute("d", d);
  const safeUrl = (u) => {
    try {
      const x = new URL(String(u), base);
      return /^https?:$/.test(x.protocol) ? x.href : null;
    } catch (e) {
      return null;
    }
  };
  const link = (href, text, cls) =>
    h("a", { href, text, cls, target: "_blank", rel: "noopener noreferrer nofollow" });
  // Message bodies are untrusted: text nodes and DOM-built links only, never innerHTML.
  const linkify = (el, s) => {
    const re = /\bhttps?:\/\/[^\s<>"'\uff0c\u3002\uff01\uff1f\u3001\u300c\u300d\u300e\u300f\uff08\uff09]+/gi;
    let i = 0;
    let m;
    while ((m = re.exec(s))) {
      const u = m[0].replace(/[.,;:!?)\]}'"]+$/, "");
      if (!u.replace(/^https?:\/\//i, "")) continue;
      el.append(s.slice(i, m.index), link(u, u));
      i = m.index + u.length;
      re.lastIndex = i;
    }
    el.append(s.slice(i));
  };

  // -- styles -----------------------------------------------------------------------------------------------
  const CSS =
    "&,& *{box-sizing:border-box}& [hidden]{display:none!important}" +
    '&{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans TC","PingFang TC","Microsoft JhengHei",sans-serif;color:#1f2328;-webkit-text-size-adjust:100%}' +
    "& button,& input,& textarea{font:inherit;color:inherit;margin:0}" +
    "& svg{fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}" +
    "& :focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}" +
    "& .wd-launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:60px;height:60px;border:0;border-radius:50%;background:#1d4ed8;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.3);display:flex;align-items:center;justify-content:center;padding:0}" +
    "& .wd-launcher svg{width:28px;height:28px}& .wd-launcher:hover{background:#1e40af}" +
    "& .wd-launcher:focus-visible{outline-offset:3px;box-shadow:0 0 0 3px #fff}" +
    "& .wd-badge{position:absolute;top:-4px;right:-4px;min-width:24px;height:24px;padding:0 6px;border-radius:12px;background:#c81e1e;color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center;border:2px solid #fff}" +
    "& .wd-panel{position:fixed;right:20px;bottom:92px;z-index:2147483000;width:370px;height:600px;max-height:calc(100vh - 112px);display:flex;flex-direction:column;background:#fff;border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.28);overflow:hidden;animation:wd-in .18s ease-out}" +
    "& .wd-panel:focus{outline:none}@keyframes wd-in{from{opacity:0;transform:translateY(12px)}}" +
    "@media (max-width:479.98px){& .wd-panel{top:0;right:0;bottom:0;left:0;width:auto;height:auto;max-height:none;border-radius:0}& .wd-comp{padding-bottom:max(6px,env(safe-area-inset-bottom))}&.wd-open .wd-launcher{display:none}}" +
    "& .wd-head{display:flex;align-items:center;gap:2px;padding:4px 4px 4px 16px;background:#1d4ed8;color:#fff;flex:none}" +
    "& .wd-title{flex:1;margin:0;font-size:16px;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}" +
    "& .wd-ib{width:44px;height:44px;border:0;border-radius:10px;background:transparent;cursor:pointer;display:inline-flex;align-items:center;justify-content:center;flex:none;padding:0}" +
    "& .wd-head .wd-ib:hover{background:rgba(255,255,255,.16)}& .wd-head :focus-visible{outline-color:#fff;outline-offset:-4px}" +
    "& .wd-status{padding:6px 16px;background:#fff4ce;color:#5c4400;font-size:13px;flex:none}& .wd-status:empty{display:none}" +
    "& .wd-err{background:#fde8e8;color:#9b1c1c}" +
    "& .wd-log{flex:1;overflow-y:auto;padding:12px 12px 4px;overscroll-behavior:contain}& .wd-log:focus-visible{outline-offset:-3px}" +
    "& .wd-msg{display:flex;flex-direction:column;align-items:flex-start;margin:0 0 8px}& .wd-me{align-items:flex-end}" +
    "& .wd-bub{max-width:85%;padding:8px 12px;border-radius:16px 16px 16px 4px;background:#eef0f3;white-space:pre-wrap;overflow-wrap:anywhere}" +
    "& .wd-me .wd-bub{background:#1d4ed8;color:#fff;border-radius:16px 16px 4px 16px}& .wd-bub a{color:inherit;text-decoration:underline}" +
    "& .wd-file{display:block}& .wd-who,& .wd-meta{font-size:12px;color:#57606a;margin:0 6px 2px}& .wd-meta{margin:2px 6px 0}" +
    "& .wd-act{text-align:center;font-size:13px;color:#57606a;margin:8px 0}" +
    "& .wd-fail{border:0;background:none;color:#b42318;font-size:12px;min-height:44px;padding:0 4px;cursor:pointer;text-decoration:underline}" +
    "& .wd-typing{padding:0 16px 6px;font-size:13px;color:#57606a;font-style:italic;flex:none}" +
    "& .wd-off{padding:10px 16px;background:#f3f4f6;border-top:1px solid #d0d7de;font-size:14px;flex:none}& .wd-off strong{display:block}& .wd-off .wd-back{display:block;margin-top:2px}& .wd-off .wd-back[hidden]{display:none}" +
    "& .wd-off-fields{display:flex;flex-direction:column;gap:6px;margin-top:8px}& .wd-off-fields label{display:flex;flex-direction:column;gap:2px;font-size:13px}" +
    "& .wd-off-fields input{min-height:44px;border:1px solid #6e7781;border-radius:10px;padding:8px 12px;background:#fff}& .wd-off-fields input[aria-invalid=true]{border-color:#b42318}" +
    "& .wd-comp{display:flex;align-items:flex-end;gap:2px;padding:6px;border-top:1px solid #d0d7de;flex:none}& .wd-comp .wd-ib{color:#57606a}& .wd-comp .wd-send{color:#1d4ed8}" +
    "& .wd-comp .wd-ib:hover{background:#eef0f3}" +
    "& textarea{flex:1;min-width:0;min-height:44px;max-height:120px;resize:none;border:1px solid #6e7781;border-radius:10px;padding:10px 12px;background:#fff;line-height:1.4}" +
    "& ::placeholder{color:#6e7781;opacity:1}" +
    "& .wd-pre{display:flex;flex-direction:column;gap:10px;padding:16px;border-top:1px solid #d0d7de;flex:none}& .wd-pre h3{margin:0;font-size:16px}" +
    "& .wd-pre label{display:flex;flex-direction:column;gap:4px;font-size:13px}" +
    "& .wd-pre input{min-height:44px;border:1px solid #6e7781;border-radius:10px;padding:8px 12px;background:#fff}" +
    "& .wd-btn{min-height:44px;border:0;border-radius:10px;background:#1d4ed8;color:#fff;font-weight:600;cursor:pointer;padding:0 16px}" +
    "& .wd-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    "@media (prefers-reduced-motion:reduce){& *{animation:none!important;transition:none!important;scroll-behavior:auto!important}}";

  // -- the DOM ----------------------------------------------------------------------------------------------
  const host = h("div", { id: "wowdesk-widget" });
  const sr = host.attachShadow ? host.attachShadow({ mode: "open" }) : null;
  const root = sr ? h("div", { cls: "wd-root" }) : host;
  const scope = sr ? ".wd-root" : "#wowdesk-widget";
  root.classList.add("wd-root");
  const style = h("style", { text: (sr ? ":host{all:initial}" : "") + CSS.split("&").join(scope) });
  if (sr) sr.append(style, root);
  else host.append(style);

  const badgeEl = h("span", { cls: "wd-badge", "aria-hidden": "true", hidden: true });
  const launcher = h("button", { type: "button", cls: "wd-launcher", "aria-expanded": "false", "aria-controls": "wd-panel", onclick: () => (isOpen ? close() : open()) }, [icon(I.chat), badgeEl]);
  const titleEl = h("h2", { cls: "wd-title", text: t("title") });
  const soundBtn = h("button", { type: "button", cls: "wd-ib wd-sound", "aria-label": t("sound_on"), onclick: toggleSound }, [icon(I.on)]);
  const closeBtn = h("button", { type: "button", cls: "wd-ib wd-close", "aria-label": t("launcher_close"), onclick: () => close() }, [icon(I.x)]);
  const statusEl = h("div", { cls: "wd-status", role: "status", "aria-live": "polite" });
  const alertEl = h("div", { cls: "wd-status wd-err", role: "alert" });
  const greetBub = h("div", { cls: "wd-bub" });
  const greetEl = h("div", { cls: "wd-msg wd-greet", hidden: true }, [greetBub]);
  const log = h("div", { cls: "wd-log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": t("title"), tabindex: "0" }, [greetEl]);
  const typingEl = h("div", { cls: "wd-typing", hidden: true, text: t("typing") });
  const backEl = h("span", { cls: "wd-back", hidden: true });
  // Offline (closed, or nobody takes chats): a message left is answered by e-mail, so a visitor whose
  // address we do not know gives it here (docs/email.md); the server refuses without one.
  const offBody = h("span", { cls: "wd-off-body", text: t("offline_body") });
  const offName = h("input", { cls: "wd-off-name", name: "name", type: "text", maxlength: "200", autocomplete: "name" });
  const offEmail = h("input", { cls: "wd-off-email", name: "email", type: "email", maxlength: "254", autocomplete: "email", "aria-required": "true" });
  const offFields = h("div", { cls: "wd-off-fields", hidden: true }, [
    h("label", {}, [h("span", { text: t("email") }), offEmail]),
    h("label", {}, [h("span", { text: t("name") }), offName]),
  ]);
  const offEl = h("div", { cls: "wd-off", hidden: true }, [h("strong", { text: t("offline_title") }), offBody, backEl, offFields]);
  const preEl = h("form", { cls: "wd-pre", hidden: true, onsubmit: preSubmit });
  const ta = h("textarea", { cls: "wd-input", rows: "1", maxlength: "5000", placeholder: t("placeholder"), "aria-label": t("placeholder"), onkeydown: taKey, oninput: () => (typed(), autosize()) });
  const fileIn = h("input", { type: "file", cls: "wd-file-input", hidden: true, tabindex: "-1", "aria-hidden": "true", onchange: picked });
  const comp = h("form", { cls: "wd-comp", onsubmit: (e) => (e.preventDefault(), submit()) }, [
    h("button", { type: "button", cls: "wd-ib wd-attach", "aria-label": t("attach"), onclick: () => fileIn.click() }, [icon(I.clip)]),
    fileIn,
    ta,
    h("button", { type: "submit", cls: "wd-ib wd-send", "aria-label": t("send") }, [icon(I.send)]),
  ]);
  const panel = h("div", { cls: "wd-panel", id: "wd-panel", role: "dialog", "aria-label": t("title"), tabindex: "-1", hidden: true }, [
    h("div", { cls: "wd-head" }, [titleEl, soundBtn, closeBtn]),
    statusEl,
    alertEl,
    log,
    typingEl,
    offEl,
    preEl,
    comp,
  ]);
  root.append(panel, launcher);
  root.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && isOpen && !e.isComposing) {
      e.stopPropagation();
      close();
    }
  });

  // -- state ------------------------------------------------------------------------------------------------
  let isOpen = false;
  let cfg = {};
  let online = true;
  let askEmail = false; // the server said it needs an address (email_required)
  let needPre = false;
  let ws = null;
  let ready = false; // synced on this socket: live from here
  let started = false;
  let stopped = false;
  let everConnected = false;
  let resetOnce = false;
  let attempt = 0;
  let timer = 0;
  let pingT = 0;
  let awaitingPong = false;
  let lastErr = null;
  let sentRead = 0;
  let replayed = false;
  let alertT = 0;

  const send = (f) => {
    if (ws && ws.readyState === 1) {
      ws.send(JSON.stringify(f));
      return true;
    }
    return false;
  };
  const sortMsgs = () => msgs.sort((a, b) => a.o - b.o || a.seq - b.seq);
  const cur = (m) => m.o === cv.ci;
  const maxSeq = () => msgs.reduce((x, m) => (cur(m) && m.seq > x ? m.seq : x), 0);
  const unread = () => msgs.filter((m) => cur(m) && m.dir === "outgoing" && m.kind !== "activity" && m.seq > cv.read).length;
  const advance = () => {
    while (msgs.some((m) => cur(m) && m.seq === W + 1)) W++;
  };
  let saveT = 0;
  const persist = () => {
    clearTimeout(saveT);
    saveT = setTimeout(() => {
      if (msgs.length > KEEP) msgs = msgs.slice(-KEEP);
      save("seq", W);
      save("messages", msgs);
      save("conv", cv);
    }, 30);
  };
  const savePend = () =>
    save(
      "pending",
      pend.filter((p) => !p.file || p.att).map((p) => ({ client_id: p.client_id, body: p.body, att: p.att, atts: p.atts, st: p.st, t: p.t, em: p.em, nm: p.nm })),
    );
  function wipe(all) {
    visitor = null;
    W = 0;
    msgs = [];
    cv = freshConv();
    ["visitor", "seq", "messages", "conv"].forEach((k) => save(k, null));
    if (all) {
      pend = [];
      profile = null;
      save("pending", null);
      save("profile", null);
    }
  }

  // Conversation ids map to ordinals so messages of an earlier conversation stay shown above (seqs restart).
  function setConv(id) {
    if (id == null || id === cv.cur) return false;
    if (cv.cur == null && cv.ids[id] == null) {
      cv.ids[id] = cv.ci;
      cv.cur = id;
      return false;
    }
    const known = cv.ids[id];
    cv.ci = known != null ? known : Math.max(cv.ci, ...Object.values(cv.ids)) + 1;
    cv.ids[id] = cv.ci;
    cv.cur = id;
    W = 0;
    advance();
    cv.read = cv.aread = 0;
    return true;
  }

  // -- the connection ---------------------------------------------------------------------------------------
  function connect() {
    clearTimeout(timer);
    if (stopped || ws) return;
    const u = new URL(base + "/ws/widget");
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    u.searchParams.set("workspace", WS);
    u.searchParams.set("channel", CH);
    setStatus(everConnected || attempt ? "reconnecting" : "connecting");
    let s;
    try {
      s = new WebSocket(u.href);
    } catch (e) {
      return retry();
    }
    ws = s;
    ready = false;
    lastErr = null;
    sentRead = 0;
    replayed = false;
    s.onopen = () => {
      const hello = { type: "hello", visitor: visitor || null, resume_after: W, language: lang };
      if (identity) hello.identity = identity;
      if (profile && cv.cur == null) hello.profile = profile;
      s._resume = W;
      send(hello);
      awaitingPong = false;
      clearInterval(pingT);
      pingT = setInterval(() => {
        if (awaitingPong) return drop(); // no answer to the last ping: the socket is dead
        awaitingPong = true;
        send({ type: "ping" });
      }, 25000);
    };
    s.onmessage = (e) => {
      let f;
      try {
        f = JSON.parse(e.data);
      } catch (_) {
        return;
      }
      if (f && typeof f === "object" && s === ws) onFrame(f, s);
    };
    s.onclose = (e) => closed(s, e.code, e.reason);
  }
  function detach() {
    const s = ws;
    ws = null;
    ready = false;
    clearInterval(pingT);
    if (s) {
      s.onclose = s.onmessage = s.onopen = null;
      try {
        s.close(1000);
      } catch (_) {
        /* already closed */
      }
    }
  }
  function drop() {
    detach();
    retry();
  }
  function reconnect() {
    if (!started) return;
    detach();
    attempt = 0;
    stopped = false;
    connect();
  }
  function closed(s, code, reason) {
    if (s !== ws) return;
    ws = null;
    ready = false;
    clearInterval(pingT);
    const detail = (lastErr && lastErr.detail) || reason || "";
    if (code === 4401 && visitor && !resetOnce) {
      // The stored visitor token is no longer valid: forget it (and its history) once and start fresh.
      resetOnce = true;
      wipe(false);
      paint();
      return connect();
    }
    if (code === 4400 || code === 4401 || code === 4404) {
      stopped = true;
      setStatus(null);
      return flash(detail, true);
    }
    retry(lastErr && lastErr.retry_after ? lastErr.retry_after * 1000 : code === 4429 ? 15000 : 0);
  }
  function retry(min) {
    clearTimeout(timer);
    const d = Math.min(15000, 500 * Math.pow(2, attempt++));
    timer = setTimeout(connect, Math.max(min || 0, Math.min(15000, d * (0.75 + Math.random() * 0.5))));
    setStatus("reconnecting");
  }

  function onFrame(f, s) {
    awaitingPong = false;
    switch (f.type) {
      case "welcome":
        return welcome(f, s);
      case "message":
        return gotMsg(f);
      case "synced":
        return synced(+f.last_seq || 0, s);
      case "ack":
        return gotAck(f);
      case "typing":
        return agentTyping(!!f.on);
      case "read":
        if (+f.seq > cv.aread) {
          cv.aread = +f.seq;
          persist();
          schedule();
        }
        return;
      case "conversation": {
        const c = f.conversation || f;
        if (c && c.id != null) setConv(c.id);
        persist();
        return schedule();
      }
      case "error":
        return gotErr(f);
    }
  }

  function welcome(f, s) {
    everConnected = true;
    attempt = 0;
    if (f.visitor) save("visitor", (visitor = String(f.visitor)));
    cfg = f.config || {};
    const c = f.conversation;
    if (c && setConv(c.id) && s._resume > 0) {
      // Another conversation than the one stored: its seqs start again, so ask for all of it.
      persist();
      return reconnect();
    }
    if (!c) cv.cur = null;
    online = f.open !== false && f.agents_online !== false;
    // Outside business hours: when the agents are back, in the visitor's own time and language.
    const back = f.opens_at ? new Date(f.opens_at) : null;
    backEl.hidden = !back || isNaN(back);
    if (!backEl.hidden) {
      let when;
      try {
        when = new Intl.DateTimeFormat(lang, { weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(back);
      } catch (e) {
        when = back.toLocaleString();
      }
      backEl.textContent = t("back_at").replace("{time}", when);
    }
    if (!soundSet) soundOn = cfg.sound !== false;
    const fields = arr(cfg.pre_chat).map((x) => (typeof x === "string" ? x : x && x.name)).filter(Boolean);
    needPre = fields.length > 0 && !c && !profile && !pend.length;
    if (needPre) buildPre(fields);
    const name = cfg.name || t("title");
    titleEl.textContent = name;
    panel.setAttribute("aria-label", name);
    greetBub.textContent = "";
    if (cfg.greeting) linkify(greetBub, String(cfg.greeting));
    greetEl.hidden = !cfg.greeting;
    setStatus(null);
    flash("");
    renderMode();
    soundUI();
    schedule();
  }

  function gotMsg(f) {
    if (f.private || typeof f.seq !== "number") return; // notes never reach customers; belt and braces
    const cid = f.conversation_id;
    if (cid != null && cid !== cv.cur) setConv(cid);
    const o = cid != null && cv.ids[cid] != null ? cv.ids[cid] : cv.ci;
    const a = f.author || {};
    const m = {
      id: f.id,
      seq: f.seq,
      o,
      dir: f.direction,
      kind: f.kind || "text",
      body: f.body == null ? "" : String(f.body),
      who: a.kind && a.kind !== "customer" ? String(a.name || "") : null,
      cid: f.client_id || null,
      at: f.created_at,
      att: arr(f.attachments),
    };
    if (m.cid && pend.some((p) => p.client_id === m.cid)) {
      pend = pend.filter((p) => p.client_id !== m.cid);
      savePend();
    }
    const i = msgs.findIndex((x) => x.id === m.id || (m.cid && x.cid === m.cid));
    let fresh = false;
    if (i >= 0) msgs[i] = m;
    else if (msgs.some((x) => x.o === o && x.seq === m.seq)) return;
    else {
      msgs.push(m);
      fresh = true;
    }
    sortMsgs();
    if (o === cv.ci && m.seq <= W + 1) advance();
    if (ready) send({ type: "received", seq: m.seq });
    else replayed = true;
    if (fresh && m.dir === "outgoing" && m.kind !== "activity") {
      agentTyping(false);
      if (ready) beep();
    }
    persist();
    schedule(fresh && m.dir === "incoming");
    markRead();
  }

  function synced(L, s) {
    if (L < maxSeq()) msgs = msgs.filter((m) => !cur(m) || m.seq <= L); // the server forgot what we kept
    W = L;
    // History fetched from scratch (new device, cleared storage) does not count as unread.
    if (s._resume === 0) cv.read = Math.max(cv.read, L);
    if (cv.read > L) cv.read = L;
    if (cv.aread > L) cv.aread = L;
    ready = true;
    if (replayed && L > 0) send({ type: "received", seq: L });
    persist();
    pend.forEach(flushOne);
    schedule();
    markRead();
  }

  function gotAck(f) {
    const p = pend.find((x) => x.client_id === f.client_id);
    if (!p) return;
    pend = pend.filter((x) => x !== p);
    savePend();
    if (!msgs.some((x) => x.id === f.id || x.cid === p.client_id)) {
      msgs.push({ id: f.id, seq: +f.seq, o: cv.ci, dir: "incoming", kind: p.att ? "attachment" : "text", body: p.body, who: null, cid: p.client_id, at: f.created_at, att: p.atts || [] });
      sortMsgs();
      advance();
      persist();
    }
    schedule();
  }

  function gotErr(f) {
    lastErr = f;
    if (f.code === "email_required") {
      askEmail = true;
      renderMode();
      offEmail.setAttribute("aria-invalid", "true");
      offEmail.focus();
    }
    const p = f.client_id && pend.find((x) => x.client_id === f.client_id);
    if (p) {
      p.st = "failed";
      savePend();
      schedule();
      if (f.retry_after && (f.code === "rate_limited" || f.code === "unavailable")) setTimeout(() => p.st === "failed" && retryMsg(p), f.retry_after * 1000);
    }
    if (f.detail) flash(String(f.detail));
  }

  // -- sending ----------------------------------------------------------------------------------------------
  const uid = () => {
    const c = window.crypto;
    if (c && c.randomUUID) return c.randomUUID();
    const b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
    return Array.from(b, (x) => (x + 256).toString(16).slice(1)).join("");
  };
  const knownEmail = () => (profile && profile.email) || (identity && identity.email) || null;
  const leavesByEmail = () => !online && cfg.offline_messages !== false;
  // The visitor's address and name from the offline notice (kept like the pre-chat profile); false
  // when the address is needed and missing or not one.
  function offlineContact() {
    if (offFields.hidden) return {};
    const email = offEmail.value.trim();
    const name = offName.value.trim();
    if (!email || !offEmail.checkValidity()) {
      offEmail.setAttribute("aria-invalid", "true");
      flash(t("email_needed"));
      offEmail.focus();
      return false;
    }
    if (offEmail.getAttribute("aria-invalid")) flash(""); // the request for an address is answered
    offEmail.removeAttribute("aria-invalid");
    save("profile", (profile = Object.assign({}, profile || {}, { email }, name ? { name } : {})));
    askEmail = false;
    renderMode();
    return { em: email, nm: name || undefined };
  }
  function submit() {
    const body = ta.value.trim();
    if (!body) return;
    const contact = offlineContact();
    if (contact === false) return;
    ta.value = "";
    autosize();
    stopTyping();
    const em = contact.em || (leavesByEmail() ? knownEmail() : null);
    enqueue({ client_id: uid(), body, st: "sending", t: Date.now(), em: em || undefined, nm: contact.nm });
  }
  function enqueue(p) {
    pend.push(p);
    savePend();
    schedule(true);
    flushOne(p);
  }
  function flushOne(p) {
    if (p.st !== "sending") return;
    if (p.file && !p.att) return upload(p);
    if (!ready) return; // sent again with the same client_id once synced
    const f = { type: "message", client_id: p.client_id, body: p.body };
    if (p.att) f.attachment_ids = p.att;
    if (p.em) f.email = p.em;
    if (p.nm) f.name = p.nm;
    send(f);
  }
  function retryMsg(p) {
    if (!p.em && leavesByEmail() && knownEmail()) p.em = knownEmail(); // given since it was refused
    p.st = "sending";
    savePend();
    schedule();
    flushOne(p);
  }
  function picked() {
    const file = fileIn.files && fileIn.files[0];
    fileIn.value = "";
    if (!file) return;
    if (file.size > MAX_FILE) return flash(t("error_too_large"));
    enqueue({ client_id: uid(), body: (file.name || "file").slice(0, 5000), file, atts: [{ filename: file.name }], st: "sending", t: Date.now() });
  }
  function upload(p) {
    if (p.up || !visitor) return; // no token before the first welcome; synced flushes again
    p.up = true;
    const fd = new FormData();
    fd.append("file", p.file, p.file.name);
    fetch(base + "/api/v1/widget/attachments", { method: "POST", headers: { Authorization: "Visitor " + visitor }, body: fd })
      .then((r) => {
        if (!r.ok) throw r.status;
        return r.json();
      })
      .then((j) => {
        p.up = false;
        p.att = [j.id];
        p.atts = [{ id: j.id, filename: p.file.name }];
        delete p.file;
        savePend();
        flushOne(p);
      })
      .catch((e) => {
        p.up = false;
        p.st = "failed";
        if (e === 413) flash(t("error_too_large"));
        savePend();
        schedule();
      });
  }

  // -- typing -----------------------------------------------------------------------------------------------
  let tOn = false;
  let tLast = 0;
  let tIdle = 0;
  let agentT = 0;
  function typed() {
    const now = Date.now();
    if (!tOn || now - tLast >= 3000) {
      if (ready) send({ type: "typing", on: true });
      tOn = true;
      tLast = now;
    }
    clearTimeout(tIdle);
    tIdle = setTimeout(stopTyping, 4000);
  }
  function stopTyping() {
    clearTimeout(tIdle);
    if (tOn) {
      tOn = false;
      if (ready) send({ type: "typing", on: false });
    }
  }
  function agentTyping(on) {
    clearTimeout(agentT);
    typingEl.hidden = !on;
    if (on) agentT = setTimeout(() => (typingEl.hidden = true), 6000);
  }
  function taKey(e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  }
  function autosize() {
    ta.style.height = "auto";
    ta.style.height = Math.min(ta.scrollHeight + 2, 120) + "px";
  }

  // -- sound ------------------------------------------------------------------------------------------------
  let actx = null;
  const audio = () => {
    try {
      actx = actx || new (window.AudioContext || window.webkitAudioContext)();
      if (actx.state === "suspended") actx.resume();
    } catch (e) {
      actx = null;
    }
    return actx;
  };
  function beep() {
    if (!soundOn || !actx) return; // the context exists only after a user gesture
    try {
      const o = actx.createOscillator();
      const g = actx.createGain();
      const n = actx.currentTime;
      o.frequency.value = 880;
      g.gain.setValueAtTime(0.0001, n);
      g.gain.exponentialRampToValueAtTime(0.15, n + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, n + 0.25);
      o.connect(g);
      g.connect(actx.destination);
      o.start(n);
      o.stop(n + 0.3);
    } catch (e) {
      /* no audio */
    }
  }
  function soundUI() {
    soundBtn.setAttribute("aria-pressed", String(soundOn));
    soundBtn.title = soundOn ? t("sound_on") : t("sound_off");
    setIcon(soundBtn, soundOn ? I.on : I.off);
  }
  function toggleSound() {
    soundOn = !soundOn;
    soundSet = true;
    save("sound", soundOn);
    if (soundOn) audio();
    soundUI();
  }
  const unlock = () => soundOn && audio();
  document.addEventListener("pointerdown", unlock, { once: true, capture: true });
  document.addEventListener("keydown", unlock, { once: true, capture: true });

  // -- pre-chat ---------------------------------------------------------------------------------------------
  function buildPre(fields) {
    preEl.textContent = "";
    preEl.append(h("h3", { text: t("prechat_title") }));
    fields.forEach((f) => {
      const type = f === "email" ? "email" : f === "phone" ? "tel" : "text";
      preEl.append(h("label", {}, [h("span", { text: t(f) }), h("input", { name: f, type, required: true, maxlength: "200", autocomplete: f === "name" ? "name" : type === "text" ? "on" : type })]));
    });
    preEl.append(h("button", { type: "submit", cls: "wd-btn wd-start", text: t("start") }));
  }
  function preSubmit(e) {
    e.preventDefault();
    const p = {};
    preEl.querySelectorAll("input").forEach((i) => i.value.trim() && (p[i.name] = i.value.trim()));
    save("profile", (profile = p));
    needPre = false;
    renderMode();
    ta.focus();
    reconnect(); // hello is the only frame that carries the profile
  }
  function renderMode() {
    preEl.hidden = !needPre;
    comp.hidden = needPre;
    offEl.hidden = online;
    offBody.textContent = t(cfg.offline_messages === false ? "offline_wait_body" : "offline_body");
    offFields.hidden = !leavesByEmail() || (!!knownEmail() && !askEmail);
  }

  // -- status and notices -----------------------------------------------------------------------------------
  function setStatus(key) {
    const v = key ? t(key) : "";
    if (statusEl.textContent !== v) statusEl.textContent = v;
  }
  function flash(text, sticky) {
    clearTimeout(alertT);
    alertEl.textContent = text || "";
    if (text && !sticky) alertT = setTimeout(() => (alertEl.textContent = ""), 6000);
  }

  // -- rendering --------------------------------------------------------------------------------------------
  const nodes = new Map();
  let paintT = 0;
  let paintEnd = false;
  function schedule(toEnd) {
    paintEnd = paintEnd || !!toEnd;
    if (!paintT) paintT = setTimeout(paint, 16);
  }
  const fmtTime = (at) => {
    const d = at ? new Date(at) : null;
    if (!d || isNaN(d)) return "";
    try {
      return d.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
    } catch (e) {
      return "";
    }
  };
  function msgNode(it) {
    if (it.kind === "activity") return h("div", { cls: "wd-act", text: it.body });
    const own = it.dir === "incoming";
    const bub = h("div", { cls: "wd-bub" });
    if (!it.att.some((a) => a && a.filename === it.body)) linkify(bub, it.body);
    it.att.forEach((a) => {
      const u = a && safeUrl(a.url || "");
      const name = String((a && a.filename) || "file");
      bub.append(a && a.url && u ? link(u, name, "wd-file") : h("span", { cls: "wd-file", text: name }));
    });
    const n = h("div", { cls: "wd-msg" + (own ? " wd-me" : "") }, [
      h("span", { cls: "wd-sr", text: (own ? t("you") : it.who || "") + ": " }),
      own ? null : h("div", { cls: "wd-who", "aria-hidden": "true", text: it.who || "" }),
      bub,
      h("div", { cls: "wd-meta" }),
    ]);
    n.dataset.wdKey = it.key;
    return n;
  }
  function setMeta(n, it, last) {
    const time = fmtTime(it.at);
    let st = "";
    if (it.p) st = it.p.st === "failed" ? "failed" : "sending";
    else if (last) st = it.seq <= cv.aread ? "read" : "delivered";
    const sig = time + "|" + st;
    if (n._ms === sig) return;
    n._ms = sig;
    const meta = n.querySelector(".wd-meta");
    meta.textContent = "";
    if (time) meta.append(h("time", { datetime: it.at, text: time }));
    if (st === "failed") meta.append(" ", h("button", { type: "button", cls: "wd-fail", text: t("failed"), onclick: () => retryMsg(it.p) }));
    else if (st) meta.append(h("span", { cls: "wd-state wd-" + st, text: (time ? " \u00b7 " : "") + t(st) }));
    n.classList.toggle("wd-failed", st === "failed");
  }
  function paint() {
    clearTimeout(paintT);
    paintT = 0;
    const end = paintEnd || log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    paintEnd = false;
    const items = msgs.slice();
    pend.forEach((p) => {
      if (!msgs.some((m) => m.cid === p.client_id)) items.push({ p, cid: p.client_id, body: p.body, att: p.atts || [], dir: "incoming", kind: "text", at: new Date(p.t || Date.now()).toISOString() });
    });
    let lastOwn = null;
    items.forEach((it) => {
      it.att = arr(it.att);
      it.key = it.cid ? "c" + it.cid : "i" + it.id;
      if (!it.p && it.dir === "incoming" && it.kind !== "activity" && cur(it)) lastOwn = it;
    });
    let prev = greetEl;
    let prevWho = null;
    const seen = new Set();
    items.forEach((it) => {
      if (seen.has(it.key)) return;
      seen.add(it.key);
      let n = nodes.get(it.key);
      const sig = it.kind + "|" + it.body + "|" + it.att.map((a) => (a && (a.url || a.filename)) || "").join("|");
      if (!n || n._sig !== sig) {
        const nn = msgNode(it);
        nn._sig = sig;
        if (n) n.replaceWith(nn);
        nodes.set(it.key, (n = nn));
      }
      if (prev.nextSibling !== n) log.insertBefore(n, prev.nextSibling);
      const who = n.querySelector(".wd-who");
      const me = it.dir === "incoming" ? "\u0000me" : it.kind === "activity" ? "\u0000act" : it.who || "";
      if (who) who.hidden = !it.who || me === prevWho;
      prevWho = me;
      if (it.kind !== "activity") setMeta(n, it, it === lastOwn);
      prev = n;
    });
    nodes.forEach((n, k) => {
      if (!seen.has(k)) {
        n.remove();
        nodes.delete(k);
      }
    });
    launcherUI();
    if (end) log.scrollTop = log.scrollHeight;
  }
  function launcherUI() {
    const n = isOpen && document.visibilityState === "visible" ? 0 : unread();
    launcher.setAttribute("aria-expanded", String(isOpen));
    launcher.setAttribute("aria-label", (isOpen ? t("launcher_close") : t("launcher_open")) + (n ? ", " + t("unread", n) : ""));
    setIcon(launcher, isOpen ? I.x : I.chat);
    badgeEl.textContent = n > 99 ? "99+" : String(n);
    badgeEl.hidden = !n;
  }

  // -- open, close, read ------------------------------------------------------------------------------------
  function markRead() {
    if (!isOpen || document.visibilityState !== "visible") return launcherUI();
    const top = maxSeq();
    if (top > cv.read) {
      cv.read = top;
      persist();
    }
    if (ready && top > sentRead) {
      sentRead = top;
      send({ type: "read", seq: top });
    }
    launcherUI();
  }
  function open() {
    if (isOpen) return;
    isOpen = true;
    panel.hidden = false;
    root.classList.add("wd-open");
    paintEnd = true;
    paint();
    markRead();
    const narrow = window.matchMedia && matchMedia("(max-width: 479.98px)").matches;
    // On a phone, focusing the textarea would pop the keyboard over the conversation.
    const target = needPre ? preEl.querySelector("input") : narrow ? panel : ta;
    (target || panel).focus();
  }
  function close() {
    if (!isOpen) return;
    const inside = sr ? !!sr.activeElement : root.contains(document.activeElement);
    isOpen = false;
    panel.hidden = true;
    root.classList.remove("wd-open");
    stopTyping();
    launcherUI();
    if (inside) launcher.focus();
  }
  document.addEventListener("visibilitychange", markRead);
  window.addEventListener("online", () => {
    if (started && !ws && !stopped) {
      attempt = 0;
      connect();
    }
  });

  function identify(id) {
    const before = JSON.stringify(identity);
    const prev = identity;
    if (id && typeof id === "object" && id.identifier != null) {
      identity = { identifier: String(id.identifier), identity_hash: String(id.identity_hash || "") };
      if (id.name) identity.name = String(id.name);
      if (id.email) identity.email = String(id.email);
    } else identity = null;
    if (JSON.stringify(identity) === before) return;
    // Somebody else on this browser (or a log-out): the stored conversation is not theirs.
    if (prev && (!identity || prev.identifier !== identity.identifier)) {
      wipe(true);
      paint();
    }
    save("identity", identity);
    resetOnce = false;
    reconnect();
  }

  // -- start ------------------------------------------------------------------------------------------------
  const queued = window.WowDesk && Array.isArray(window.WowDesk.q) ? window.WowDesk.q : [];
  const api = { _wd: 1, open, close, identify };
  window.WowDesk = api;
  function init() {
    document.body.append(host);
    soundUI();
    renderMode();
    paint();
    queued.forEach((c) => c && typeof api[c[0]] === "function" && api[c[0]].apply(null, c.slice(1)));
    started = true;
    connect();
    try {
      window.dispatchEvent(new CustomEvent("wowdesk:ready"));
    } catch (e) {
      /* old browser */
    }
  }
  if (document.body) init();
  else document.addEventListener("DOMContentLoaded", init);
})();
