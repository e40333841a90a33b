// The hand-over's QR code(s) on the citizen's phone: one code, or 2–3 codes shown in turn
// (sealHandover's ``parts``). The citizen taps 「次のQRコード」 after the counter has read
// one; the counter's field accepts them in any order.
//
//   import { codesView } from "/static/madoguchi/handover/codes.js";
//   box.replaceChildren(codesView(sealed.parts, {partOf: "{n}/{m}", next: "…", prev: "…",
//                                                 splitHint: "…{m}…", alt: "…"}));

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  node.append(...children.filter((c) => c != null));
  return node;
}

function fill(template, vars) {
  return String(template || "").replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
}

function svgOf(part) {
  const wrap = el("div", { class: "navi-qr-svg" });
  wrap.innerHTML = part.svg;  // SVG markup made in this page by seal.js from our own payload
  return wrap;
}

/** An element showing ``parts`` ([{text, svg, version}]); data-qr-part/-parts/-version
 * say which code is on screen (tests and the page's own CSS read them). */
export function codesView(parts, texts = {}) {
  const m = parts.length;
  const root = el("div", { class: "handover-codes", "data-qr-parts": String(m) });
  if (m === 1) {
    root.dataset.qrPart = "1";
    root.dataset.qrVersion = String(parts[0].version);
    root.append(svgOf(parts[0]));
    return root;
  }
  let at = 0;
  const label = el("p", { class: "handover-part", "aria-live": "polite", "data-qr-label": true });
  const frame = el("div", { class: "handover-frame" });
  const prev = el("button", { type: "button", class: "btn", "data-qr-prev": true, onclick: () => show(at - 1) },
    texts.prev || "<");
  const next = el("button", { type: "button", class: "btn primary", "data-qr-next": true, onclick: () => show(at + 1) },
    texts.next || ">");
  function show(i) {
    at = (i + m) % m;
    root.dataset.qrPart = String(at + 1);
    root.dataset.qrVersion = String(parts[at].version);
    label.textContent = fill(texts.partOf || "{n}/{m}", { n: at + 1, m });
    frame.replaceChildren(svgOf(parts[at]));
  }
  root.append(el("p", { class: "hint", "data-qr-split-hint": true }, fill(texts.splitHint, { m })),
    label, frame, el("p", { class: "handover-part-buttons" }, prev, next));
  show(0);
  return root;
}
