// The accessibility audit of tests/e2e/test_console_a11y.py, run in the page: controls without a
// name, text below the WCAG AA contrast it needs, and the page's language, title, landmarks.
(() => {
  const visible = (el) => {
    const s = getComputedStyle(el); const r = el.getBoundingClientRect();
    return s.visibility !== "hidden" && s.display !== "none" && r.width > 0 && r.height > 0;
  };
  const nameOf = (el) => {
    const labelled = el.getAttribute("aria-labelledby");
    if (labelled) return labelled.split(/\s+/).map((id) => (document.getElementById(id) || {}).textContent || "").join(" ").trim();
    if (el.getAttribute("aria-label")) return el.getAttribute("aria-label").trim();
    if (el.labels && el.labels.length) return Array.from(el.labels).map((l) => l.textContent).join(" ").trim();
    if (el.matches("button, a, summary, [role=button]")) {
      const svgTitle = el.querySelector("svg title");
      return (el.textContent || "").trim() || (svgTitle ? svgTitle.textContent.trim() : "") || (el.getAttribute("title") || "").trim();
    }
    return (el.getAttribute("title") || el.getAttribute("placeholder") || "").trim();
  };
  const unnamed = [];
  document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]").forEach((el) => {
    if (!visible(el) && !el.matches("input[type=file], input[type=radio], input[type=checkbox]")) return;
    if (el.matches("input[type=file]") && el.labels && el.labels.length) return;
    if (!nameOf(el)) unnamed.push(el.outerHTML.slice(0, 160));
  });
  const rgb = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(",").map((x) => parseFloat(x)); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
      if (getComputedStyle(e).backgroundImage !== "none") return null; // a gradient or picture: not judged here
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const low = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || seen.has(el) || !n.textContent.trim() || !visible(el)) continue;
    if (el.closest(".visually-hidden, [aria-hidden=true], script, style, template, option")) continue;
    seen.add(el);
    const s = getComputedStyle(el);
    const fg = rgb(s.color); const bg = background(el);
    if (!fg || !bg || fg.a < 0.5) continue;
    const ratio = (Math.max(lum(fg), lum(bg)) + 0.05) / (Math.min(lum(fg), lum(bg)) + 0.05);
    const size = parseFloat(s.fontSize); const bold = parseInt(s.fontWeight, 10) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) low.push(`${ratio.toFixed(2)} < ${need}: ${el.tagName.toLowerCase()}.${el.className} "${n.textContent.trim().slice(0, 40)}"`);
  }
  return {
    unnamed, low,
    lang: document.documentElement.lang,
    title: document.title,
    mains: document.querySelectorAll("main, [role=main]").length,
    h1: document.querySelectorAll("h1").length,
  };
})
