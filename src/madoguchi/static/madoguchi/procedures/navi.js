/* The procedure navigator (手続きナビ) in the browser: the citizen's phone, the office kiosk and
 * the clerk's interview (聞き取り) run this one module, in the mode the page sets (data-mode).
 *
 * Determination runs here with engine.js (the catalogue's CEL conditions, evaluated as the
 * server's engine does), so on the public side the citizen's answers never leave the browser:
 * the page fetches only the public catalogue and the office's public keys, keeps the draft in
 * this browser's own storage, and hands the answers to the counter as a sealed QR code
 * (handover/seal.js). Only the kiosk and the interview, inside the office, post the answers
 * (to open a one-stop case).
 *
 * Every text comes from the page (#navi-text, gettext) or from the catalogue (its own
 * translations); none is written here.
 */

const root = document.getElementById("navi");
const T = JSON.parse(document.getElementById("navi-text").textContent);
const MODE = root.dataset.mode;             // citizen | kiosk | interview
const OFFICE = root.dataset.office;
const LANG = root.dataset.catalogueLang;    // the catalogue's key: ja, en, zh_Hans, ko, vi, pt_BR
const TODAY = root.dataset.today;           // the determination date (YYYY-MM-DD, JST)
const screen = root.querySelector("[data-navi-screen]");
const statusLine = root.querySelector("[data-navi-status]");
const announcer = root.querySelector("[data-navi-announce]");

// The kiosk is shared and the interview is a clerk's: their drafts live only as long as the tab.
// The citizen's phone keeps a draft across closing the browser (prepared at home, shown at the
// counter) for DRAFT_DAYS at most.
const DRAFT_KEY = `madoguchi.navi.${OFFICE}`;
const DRAFT_DAYS = 14;
const KIOSK_IDLE_MS = 120000;
const FORM_EVENTS = ["tennyu", "tenshutsu", "tenkyo"];  // the move form's kinds (forms/citizen.js)
const FORM_KEY = `madoguchi.form.${OFFICE}`;
const RELATIONSHIPS = ["head", "spouse", "child", "parent", "grandparent", "grandchild", "sibling", "other"];
// 和暦: each era's first day; year n of an era is (first year - 1 + n).
const ERAS = [["reiwa", "2019-05-01"], ["heisei", "1989-01-08"], ["showa", "1926-12-25"], ["taisho", "1912-07-30"]];

let store = null;
try { store = MODE === "citizen" ? window.localStorage : window.sessionStorage; } catch (e) { store = null; }

let catalogue = null;
let engine = null;
let state = freshState();

function freshState() {
  return {life_event: null, answers: {}, current: null, result: false};
}

// ------------------------------------------------------------------ small helpers

/** A catalogue text ({ja, en, …} or a plain string) in the page's language: the language,
 * then English outside Japanese, then Japanese. */
function tr(value) {
  if (value == null) return "";
  if (typeof value !== "object") return String(value);
  return value[LANG] || (LANG !== "ja" && value.en) || value.ja || value.en || Object.values(value)[0] || "";
}

function fmt(template, vars) {
  return String(template).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
}

/** h("p", {class: "x", onclick: fn}, "text", child…) */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "text") el.textContent = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function byKey(list, key) {
  const out = {};
  if (Array.isArray(list)) list.forEach((item) => { out[item[key]] = item; });
  else Object.entries(list || {}).forEach(([code, item]) => { out[code] = {[key]: code, ...item}; });
  return out;
}

function parseDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : null;
}

function formatDate(iso) {
  const d = parseDate(iso);
  if (!d) return iso || "";
  return new Intl.DateTimeFormat(T.lang, {year: "numeric", month: "long", day: "numeric", timeZone: "UTC"}).format(d);
}

/** 令和5年6月1日: shown beside a Western date in Japanese (forms and people think in 和暦). */
function wareki(iso) {
  const d = parseDate(iso);
  if (!d || LANG !== "ja") return "";
  try {
    return new Intl.DateTimeFormat("ja-JP-u-ca-japanese", {era: "long", year: "numeric", month: "long",
      day: "numeric", timeZone: "UTC"}).format(d);
  } catch (e) { return ""; }
}

function ageOn(birth, on) {
  const b = parseDate(birth), d = parseDate(on);
  if (!b || !d) return null;
  let age = d.getUTCFullYear() - b.getUTCFullYear();
  if (d.getUTCMonth() < b.getUTCMonth() || (d.getUTCMonth() === b.getUTCMonth() && d.getUTCDate() < b.getUTCDate())) age -= 1;
  return age;
}

function announce(text) {
  if (!announcer) return;
  announcer.textContent = "";
  setTimeout(() => { announcer.textContent = text; }, 50);
}

function csrfToken() {
  try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
}

// ------------------------------------------------------------------ the draft (this browser only)

function saveDraft() {
  if (!store) return;
  try {
    if (!state.life_event) store.removeItem(DRAFT_KEY);
    else store.setItem(DRAFT_KEY, JSON.stringify({v: 1, saved_at: Date.now(), ...state}));
  } catch (e) { /* storage full or private mode: the navigator still works without a draft */ }
}

function loadDraft() {
  if (!store) return;
  try {
    const draft = JSON.parse(store.getItem(DRAFT_KEY) || "null");
    if (!draft || draft.v !== 1 || Date.now() - draft.saved_at > DRAFT_DAYS * 86400000) {
      store.removeItem(DRAFT_KEY);
      return;
    }
    if (!catalogue.events[draft.life_event]) return;
    state = {life_event: draft.life_event, answers: draft.answers || {}, current: draft.current || null,
             result: !!draft.result};
  } catch (e) { /* a broken draft is simply not used */ }
}

function forgetDraft() {
  state = freshState();
  if (store) { try { store.removeItem(DRAFT_KEY); } catch (e) { /* ignore */ } }
}

// ------------------------------------------------------------------ catalogue and determination

async function load() {
  try {
    const url = `${root.dataset.catalogueUrl}?on=${encodeURIComponent(TODAY)}`;
    const [response, module] = await Promise.all([fetch(url, {headers: {Accept: "application/json"}}),
                                                  import("./engine.js")]);
    if (!response.ok) throw new Error(`catalogue: HTTP ${response.status}`);
    const data = await response.json();
    engine = module;
    catalogue = {
      raw: data,
      meta: data.meta || data.catalogue || {},
      events: byKey(data.life_events, "code"),
      eventOrder: (Array.isArray(data.life_events) ? data.life_events : Object.values(data.life_events || {})),
      questions: byKey(data.questions, "id"),
      sections: byKey(data.sections, "code"),
      sectionOrder: (Array.isArray(data.sections) ? data.sections.map((s) => s.code) : Object.keys(data.sections || {})),
      procedures: byKey(data.procedures, "code"),
    };
  } catch (error) {
    console.warn("navigator: could not load", error);
    statusLine.textContent = "";
    screen.replaceChildren(h("div", {class: "alert error", role: "alert", "data-navi-error": true}, T.loadFailed,
      " ", h("button", {type: "button", class: "btn", onclick: () => location.reload()}, T.retry)));
    return;
  }
  statusLine.textContent = "";
  statusLine.hidden = true;
  loadDraft();
  render();
}

/** The answers of this life event's questions only (another event's answers stay in the draft). */
function relevantAnswers() {
  const event = catalogue.events[state.life_event];
  const ids = new Set(event && event.questions ? event.questions : Object.keys(state.answers));
  return Object.fromEntries(Object.entries(state.answers).filter(([id]) => ids.has(id)));
}

function determine() {
  return engine.determine(catalogue.raw, {life_event: state.life_event, answers: relevantAnswers(), on: TODAY,
                                          lang: LANG});
}

function question(id, fallback) {
  return catalogue.questions[id] || fallback || {id, type: "yes_no", text: id};
}

// ------------------------------------------------------------------ screens

let focusNext = null;
let rendered = false;  // the first screen takes no focus (the page has just loaded)

function render() {
  saveDraft();
  let view;
  if (!state.life_event) view = renderEvents();
  else {
    const result = determine();
    const pending = (result.questions || []).filter((q) => !(q.id in state.answers));
    if (state.current) view = renderQuestion(question(state.current), result, pending);
    else if (!state.result && pending.length) view = renderQuestion(question(pending[0].id, pending[0]), result, pending);
    else view = renderResult(result);
  }
  screen.replaceChildren(view);
  const target = focusNext ? screen.querySelector(focusNext) : screen.querySelector("[data-navi-heading]");
  focusNext = null;
  if (target && (rendered || MODE === "interview")) target.focus({preventScroll: true});
  if (rendered) window.scrollTo({top: 0});
  rendered = true;
}

function eventName(code) {
  const event = catalogue.events[code];
  return event ? tr(event.name) : code;
}

function renderEvents() {
  const note = catalogue.meta && catalogue.meta.sample ? tr(catalogue.meta.note) || T.sample : "";
  return h("section", {class: "navi-step navi-events", "data-step": "events"},
    h("h2", {tabindex: "-1", "data-navi-heading": true}, T.pickEvent),
    h("p", {class: "hint"}, T.pickEventHint),
    h("ul", {class: "navi-event-list"}, catalogue.eventOrder.map((event, i) =>
      h("li", {}, h("button", {type: "button", class: "navi-choice navi-event", "data-life-event": event.code,
                                onclick: () => pickEvent(event.code)},
        MODE === "interview" && i < 9 ? h("kbd", {}, String(i + 1)) : null, h("span", {}, tr(event.name)))))),
    note ? h("p", {class: "navi-sample", "data-navi-sample": true}, note) : null,
    MODE === "citizen" ? h("p", {class: "hint"}, T.draftKept) : null);
}

function pickEvent(code) {
  state.life_event = code;
  state.current = null;
  state.result = false;
  render();
}

function answerLabel(q, value) {
  if (value === "unknown") return T.unknown;
  switch (q.type) {
    case "yes_no": return value ? T.yes : T.no;
    case "choice": {
      const choice = (q.choices || []).find((c) => c.value === value);
      return choice ? tr(choice.text) : String(value);
    }
    case "date": return formatDate(value);
    case "household": {
      const members = (value || []).map((m) => {
        const rel = T.relationships[m.relationship] || m.relationship;
        const age = ageOn(m.birth_date, TODAY);
        return age == null ? `${rel} (${T.unknown})` : `${rel} ${fmt(T.ageYears, {n: age})}`;
      });
      return `${fmt(T.people, {n: members.length})}: ${members.join(T.listSeparator)}`;
    }
    default: return String(value);
  }
}

function renderAnswered() {
  const event = catalogue.events[state.life_event];
  const order = event && event.questions ? event.questions : Object.keys(state.answers);
  const items = order.filter((id) => id in state.answers).map((id) => {
    const q = question(id);
    return h("li", {"data-answered": id},
      h("span", {class: "q"}, tr(q.text)),
      h("span", {class: "a"}, answerLabel(q, state.answers[id])),
      h("button", {type: "button", class: "btn small screen-only", "data-edit": id,
                   "aria-label": `${T.change}: ${tr(q.text)}`, onclick: () => edit(id)}, T.change));
  });
  if (!items.length) return null;
  // Folded: a long list of answers would push the question (or the QR code) out of sight.
  return h("details", {class: "navi-answered", "data-navi-answered": true, open: MODE === "interview"},
    h("summary", {}, `${T.answered} (${items.length})`), h("ol", {class: "navi-answers"}, items));
}

function edit(id) {
  state.current = id;
  state.result = false;
  render();
}

function previous() {
  const event = catalogue.events[state.life_event];
  const order = (event && event.questions) || [];
  const answered = order.filter((id) => id in state.answers);
  if (state.current) {
    const at = answered.indexOf(state.current);
    if (at > 0) { edit(answered[at - 1]); return; }
    if (at === 0) { state.life_event = null; state.current = null; render(); return; }
  }
  if (answered.length) edit(answered[answered.length - 1]);
  else { state.life_event = null; render(); }
}

function answer(id, value) {
  state.answers[id] = value;
  state.current = null;
  render();
}

function restart() {
  if (Object.keys(state.answers).length && !window.confirm(T.restartConfirm)) return;
  forgetDraft();
  render();
}

function header(count) {
  return h("div", {class: "navi-head"},
    h("p", {class: "navi-chosen"}, h("strong", {"data-chosen-event": state.life_event}, eventName(state.life_event)),
      " ", h("button", {type: "button", class: "btn small screen-only", onclick: () => { state.life_event = null; render(); }},
        T.change)),
    count ? h("p", {class: "navi-progress"}, count) : null);
}

function footer({back = true, result = true} = {}) {
  return h("div", {class: "navi-footer screen-only"},
    back ? h("button", {type: "button", class: "btn", "data-navi-back": true, onclick: previous}, T.back) : null,
    result ? h("button", {type: "button", class: "btn", "data-navi-show-result": true,
                          onclick: () => { state.current = null; state.result = true; render(); }}, T.showResult) : null,
    h("button", {type: "button", class: "btn warn", "data-navi-restart": true, onclick: restart}, T.restart));
}

function renderQuestion(q, result, pending) {
  const answeredCount = Object.keys(relevantAnswers()).length;
  const current = state.answers[q.id];
  const error = h("p", {class: "alert error", role: "alert", hidden: true, "data-navi-invalid": true});
  const fail = (text) => { error.textContent = text; error.hidden = false; };
  const unknownButton = h("button", {type: "button", class: `navi-choice unknown${current === "unknown" ? " chosen" : ""}`,
    "data-answer": "unknown", "aria-pressed": String(current === "unknown"), onclick: () => answer(q.id, "unknown")},
    MODE === "interview" ? h("kbd", {}, "U") : null, h("span", {}, T.unknown));
  let body;
  if (q.type === "yes_no") {
    body = h("div", {class: "navi-choices"},
      [[true, T.yes, "Y", "yes"], [false, T.no, "N", "no"]].map(([value, label, key, name]) =>
        h("button", {type: "button", class: `navi-choice${current === value ? " chosen" : ""}`, "data-answer": name,
                     "aria-pressed": String(current === value), onclick: () => answer(q.id, value)},
          MODE === "interview" ? h("kbd", {}, key) : null, h("span", {}, label))),
      unknownButton);
  } else if (q.type === "choice") {
    body = h("div", {class: "navi-choices"},
      (q.choices || []).map((choice, i) =>
        h("button", {type: "button", class: `navi-choice${current === choice.value ? " chosen" : ""}`,
                     "data-answer": choice.value, "aria-pressed": String(current === choice.value),
                     onclick: () => answer(q.id, choice.value)},
          MODE === "interview" && i < 9 ? h("kbd", {}, String(i + 1)) : null, h("span", {}, tr(choice.text)))),
      unknownButton);
  } else if (q.type === "household") {
    body = householdEditor(q, current, fail, unknownButton);
  } else {
    const input = q.type === "number"
      ? h("input", {type: "number", inputmode: "numeric", min: "0", step: "1", id: "navi-input",
                    value: typeof current === "number" ? String(current) : "", "data-navi-input": true})
      : h("input", {type: "date", id: "navi-input", value: current && current !== "unknown" ? current : "",
                    "data-navi-input": true});
    const era = h("span", {class: "navi-wareki", "aria-live": "polite"}, wareki(input.value));
    input.addEventListener("input", () => { era.textContent = wareki(input.value); });
    const submit = (event) => {
      event.preventDefault();
      const raw = input.value.trim();
      if (!raw) { fail(T.required); input.focus(); return; }
      if (q.type === "number") {
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 0) { fail(T.numberInvalid); input.focus(); return; }
        answer(q.id, n);
      } else answer(q.id, raw);
    };
    body = h("form", {class: "navi-form", "data-answer-form": true, onsubmit: submit, novalidate: true},
      h("label", {for: "navi-input", class: "sr-only"}, tr(q.text)),
      h("div", {class: "navi-input-row"}, input, era),
      h("div", {class: "navi-choices"},
        h("button", {type: "submit", class: "navi-choice primary", "data-navi-next": true}, T.next), unknownButton));
    focusNext = "[data-navi-input]";
  }
  const left = pending.filter((p) => p.id !== q.id).length;
  return h("section", {class: "navi-step navi-question", "data-step": "question", "data-question": q.id,
                       "data-type": q.type},
    header(fmt(T.question, {}) + ` ${answeredCount + 1}` + (left ? ` / ${answeredCount + 1 + left}` : "")),
    h("h2", {tabindex: "-1", "data-navi-heading": true, id: "navi-q"}, tr(q.text)),
    q.help ? h("p", {class: "hint"}, tr(q.help)) : null,
    error,
    body,
    footer(),
    renderAnswered());
}

/** 昭和31年11月1日 as three fields and an era: many people know their birth date only so.
 * Fills the (Western) date field, which stays the answer. */
function warekiEntry(index, date, changed) {
  const id = (part) => `navi-wareki-${part}-${index}`;
  const era = h("select", {id: id("era"), "data-wareki-era": true},
    ERAS.map(([code]) => h("option", {value: code, selected: code === "showa"}, T.eras[code])));
  const number = (part, max) => h("input", {type: "number", inputmode: "numeric", min: "1", max, id: id(part),
                                            class: "navi-wareki-number", [`data-wareki-${part}`]: true});
  const year = number("year", "64"), month = number("month", "12"), day = number("day", "31");
  const fill = () => {
    const [, start] = ERAS.find(([code]) => code === era.value);
    const y = Number(start.slice(0, 4)) - 1 + Number(year.value);
    const m = Number(month.value), d = Number(day.value);
    const iso = `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
    const parsed = parseDate(iso);
    // Only a real day of that era (昭和64年1月8日 is 平成元年).
    if (!year.value || !m || !d || !parsed || parsed.getUTCDate() !== d || iso < start) return;
    const next = ERAS[ERAS.findIndex(([code]) => code === era.value) - 1];
    if (next && iso >= next[1]) return;
    date.value = iso;
    changed();
  };
  [era, year, month, day].forEach((el) => el.addEventListener("input", fill));
  const field = (el, label) => h("span", {class: "navi-wareki-field"}, el, h("label", {for: el.id}, label));
  return h("details", {class: "navi-wareki-entry", "data-wareki-entry": true},
    h("summary", {}, T.warekiInput),
    h("div", {class: "navi-wareki-fields"},
      h("label", {for: era.id, class: "sr-only"}, T.era), era,
      field(year, T.eraYear), field(month, T.eraMonth), field(day, T.eraDay)));
}

function householdEditor(q, current, fail, unknownButton) {
  const members = Array.isArray(current) && current.length ? current.map((m) => ({...m}))
    : [{relationship: "head", birth_date: ""}];
  const list = h("ol", {class: "navi-members", "data-members": true});
  function row(member, index) {
    const relId = `navi-rel-${index}`, dateId = `navi-birth-${index}`, unknownId = `navi-birth-unknown-${index}`;
    const select = h("select", {id: relId, "data-member-relationship": true},
      RELATIONSHIPS.map((r) => h("option", {value: r, selected: r === member.relationship}, T.relationships[r])));
    const unknown = member.birth_date === "unknown";
    const date = h("input", {type: "date", id: dateId, "data-member-birth": true, max: TODAY,
                             value: unknown ? "" : member.birth_date || "", disabled: unknown});
    const era = h("span", {class: "navi-wareki"}, wareki(date.value));
    const age = h("span", {class: "navi-age", "data-member-age": true});
    const showAge = () => {
      const years = ageOn(date.value, TODAY);
      age.textContent = years == null ? "" : fmt(T.ageYears, {n: years});
      era.textContent = wareki(date.value);
    };
    showAge();
    date.addEventListener("input", showAge);
    const eraEntry = LANG === "ja" ? warekiEntry(index, date, showAge) : null;
    const check = h("input", {type: "checkbox", id: unknownId, "data-member-birth-unknown": true, checked: unknown});
    check.addEventListener("change", () => { date.disabled = check.checked; if (check.checked) { date.value = ""; showAge(); } });
    const remove = h("button", {type: "button", class: "btn small screen-only", "data-member-remove": true,
      onclick: () => { li.remove(); renumber(); }}, T.removeMember);
    const li = h("li", {class: "navi-member", "data-member": true},
      h("p", {class: "navi-member-no"}, fmt(T.member, {n: index + 1})),
      h("div", {class: "navi-member-fields"},
        h("div", {}, h("label", {for: relId}, T.relationship), select),
        h("div", {}, h("label", {for: dateId}, T.birthDate), h("div", {class: "navi-input-row"}, date, age), era,
          eraEntry,
          h("label", {class: "navi-check", for: unknownId}, check, " ", T.birthUnknown))),
      remove);
    return li;
  }
  function renumber() {
    list.querySelectorAll(".navi-member-no").forEach((p, i) => { p.textContent = fmt(T.member, {n: i + 1}); });
  }
  members.forEach((m, i) => list.append(row(m, i)));
  const add = () => {
    const li = row({relationship: list.children.length ? "child" : "head", birth_date: ""}, list.children.length);
    list.append(li);
    li.querySelector("select").focus();
  };
  const submit = (event) => {
    event.preventDefault();
    const value = [];
    for (const li of list.querySelectorAll("[data-member]")) {
      const birth = li.querySelector("[data-member-birth]").value;
      const unknown = li.querySelector("[data-member-birth-unknown]").checked;
      if (!birth && !unknown) { fail(T.birthRequired); li.querySelector("[data-member-birth]").focus(); return; }
      value.push({relationship: li.querySelector("[data-member-relationship]").value,
                  birth_date: unknown ? "unknown" : birth});
    }
    if (!value.length) { fail(T.householdEmpty); return; }
    answer(q.id, value);
  };
  return h("form", {class: "navi-form navi-household", "data-answer-form": true, onsubmit: submit, novalidate: true},
    list,
    h("p", {}, h("button", {type: "button", class: "btn", "data-member-add": true, onclick: add},
      MODE === "interview" ? h("kbd", {}, "+") : null, " ", T.addMember)),
    h("div", {class: "navi-choices"},
      h("button", {type: "submit", class: "navi-choice primary", "data-navi-next": true}, T.next), unknownButton));
}

// ------------------------------------------------------------------ the result

function groupBySection(procedures) {
  const groups = new Map();
  const order = catalogue.sectionOrder;
  procedures.forEach((p) => {
    if (!groups.has(p.section)) groups.set(p.section, []);
    groups.get(p.section).push(p);
  });
  return [...groups.entries()].sort((a, b) => {
    const ia = order.indexOf(a[0]), ib = order.indexOf(b[0]);
    return (ia < 0 ? 1e9 : ia) - (ib < 0 ? 1e9 : ib);
  });
}

function procedureItem(item) {
  const full = catalogue.procedures[item.code] || {};
  const toCheck = item.status === "to_check";
  const reasons = (item.reasons || []).filter(Boolean);
  const documents = (item.documents && item.documents.length ? item.documents : (full.documents || []).map(tr)).filter(Boolean);
  const rule = full.deadline ? tr(full.deadline.rule) : "";
  const deadline = item.deadline ? (rule ? fmt(T.deadlineRule, {date: formatDate(item.deadline), rule}) : formatDate(item.deadline)) : rule;
  const fee = tr(full.fee);
  const notes = tr(full.notes);
  const law = tr(full.law);
  const rows = [];
  if (documents.length) rows.push(["documents", T.documents, h("ul", {class: "navi-documents", "data-documents": true},
    documents.map((d) => h("li", {}, tr(d))))]);
  if (deadline) rows.push(["deadline", T.deadline, h("span", {"data-deadline": item.deadline || ""}, deadline)]);
  if (fee) rows.push(["fee", T.fee, fee]);
  if (notes) rows.push(["notes", T.notes, notes]);
  return h("li", {class: `navi-procedure status-${item.status}`, "data-procedure": item.code, "data-status": item.status},
    h("h4", {}, toCheck ? h("span", {class: "navi-badge", "data-to-check": true}, T.toCheck) : null, " ",
      h("span", {class: "name"}, item.name || tr(full.name))),
    // The first reason says why it may apply; for one to check, the others say what to check.
    reasons.length ? h("p", {class: "navi-why"}, h("strong", {}, T.why), " ",
      (toCheck ? reasons.slice(0, 1) : reasons).join(" / ")) : null,
    toCheck && reasons.length > 1 ? h("p", {class: "navi-check-what"}, h("strong", {}, T.toCheckWhat), " ",
      reasons.slice(1).join(" / ")) : null,
    rows.length ? h("dl", {class: "navi-facts"}, rows.map(([key, term, value]) =>
      [h("dt", {class: `fact-${key}`}, term), h("dd", {class: `fact-${key}`}, value)])) : null,
    item.online_url ? h("p", {class: "navi-online"},
      h("a", {href: item.online_url, rel: "noopener", target: "_blank"}, T.online)) : null,
    law ? h("p", {class: "navi-law"}, `${T.law}: ${law}`) : null);
}

function renderResult(result) {
  const procedures = result.procedures || [];
  const toCheck = procedures.filter((p) => p.status === "to_check").length;
  const groups = groupBySection(procedures);
  const summary = procedures.length
    ? [fmt(T.resultSummary, {n: procedures.length}), toCheck ? " " + fmt(T.toCheckSummary, {n: toCheck}) : ""].join("")
    : T.noProcedures;
  const section = h("section", {class: "navi-step navi-result", "data-step": "result"},
    header(""),
    h("h2", {tabindex: "-1", "data-navi-heading": true}, T.resultTitle),
    h("p", {class: "navi-summary", "data-navi-summary": true}, summary),
    h("p", {class: "navi-printed print-only"}, fmt(T.printedOn, {date: formatDate(TODAY)})),
    MODE === "citizen" ? h("p", {class: "screen-only"}, h("a", {href: "#navi-handover-h"}, T.handoverJump)) : null,
    MODE === "citizen" && root.dataset.formUrl && FORM_EVENTS.includes(state.life_event) ? h("div", {class: "navi-form-link screen-only"},
      h("a", {class: "btn primary", href: root.dataset.formUrl, "data-navi-form": true}, T.prepareForm),
      h("p", {class: "hint"}, T.prepareFormHint)) : null,
    MODE === "kiosk" && root.dataset.issueUrl ? kioskBox() : null,
    MODE === "interview" && root.dataset.caseUrl ? caseBox() : null,
    groups.map(([code, items]) => {
      const sec = catalogue.sections[code];
      return h("section", {class: "navi-section", "data-section": code},
        h("h3", {}, sec ? tr(sec.name) : (code || T.otherPlaces)),
        h("ul", {class: "navi-procedures"}, items.map(procedureItem)));
    }),
    MODE === "citizen" ? handoverBox() : null,
    h("div", {class: "navi-footer screen-only"},
      MODE !== "kiosk" ? h("button", {type: "button", class: "btn", "data-navi-print": true,
                                      onclick: () => window.print()}, T.print) : null,
      h("button", {type: "button", class: "btn", "data-navi-back": true, onclick: previous}, T.editAnswers),
      h("button", {type: "button", class: "btn warn", "data-navi-restart": true, onclick: restart}, T.restart)),
    renderAnswered());
  announce(summary);
  if (MODE === "interview") focusNext = "[data-create-case]";  // Enter opens the case
  return section;
}

// ------------------------------------------------------------------ citizen: the hand-over QR

let expiryTimer = null;

function handoverBox() {
  const box = h("section", {class: "navi-handover", "data-handover": true, "aria-labelledby": "navi-handover-h"},
    h("h3", {id: "navi-handover-h"}, T.handoverTitle),
    h("div", {class: "navi-qr", "data-handover-qr": true}, h("p", {class: "hint"}, T.loading)),
    h("p", {class: "navi-expiry", "data-handover-expiry": true}),
    h("p", {class: "hint", "data-handover-form": true}),
    h("p", {class: "hint"}, T.handoverHint),
    h("p", {class: "screen-only"},
      h("button", {type: "button", class: "btn small", "data-navi-forget": true, onclick: forget}, T.forget)),
    h("p", {class: "hint screen-only"}, T.forgetHint));
  seal(box);
  return box;
}

async function seal(box) {
  const qr = box.querySelector("[data-handover-qr]");
  const expiry = box.querySelector("[data-handover-expiry]");
  clearTimeout(expiryTimer);
  try {
    const [module, response] = await Promise.all([import("../handover/seal.js"),
                                                  fetch(root.dataset.keysUrl, {headers: {Accept: "application/json"}})]);
    if (!response.ok) throw new Error(`keys: HTTP ${response.status}`);
    const keys = (await response.json()).filter((k) => !k.office || k.office === OFFICE);
    const form = checkedForm();
    const answers = relevantAnswers();
    if (form) { delete answers.household; delete answers.move_date; }  // the counter derives them from the form
    const sealed = await module.sealHandover(keys, OFFICE, {life_event: state.life_event, answers,
                                                             on: TODAY, lang: LANG, ...(form ? {form} : {})},
                                             {alt: T.handoverTitle});
    if (sealed.parts && sealed.parts.length > 1) {
      const codes = await import("../handover/codes.js");
      qr.replaceChildren(codes.codesView(sealed.parts, {partOf: T.partOf, next: T.nextCode, prev: T.prevCode,
                                                        splitHint: T.splitHint}));
    } else qr.replaceChildren(qrElement(sealed));
    qr.dataset.qrVersion = String(sealed.version || "");
    const included = box.querySelector("[data-handover-form]");
    if (included) included.textContent = form ? fmt(T.formIncluded, {n: form.members.length}) : "";
    const expires = sealed.expires_at || sealed.expiresAt;
    if (expires) {
      const at = new Date(expires);
      expiry.textContent = fmt(T.handoverExpires, {time: new Intl.DateTimeFormat(T.lang,
        {month: "long", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "Asia/Tokyo"}).format(at)});
      expiry.dataset.expiresAt = at.toISOString();
      const wait = at.getTime() - Date.now();
      if (wait < 2 ** 31) expiryTimer = setTimeout(() => expired(box), Math.max(wait, 0));
    }
  } catch (error) {
    console.warn("navigator: no hand-over QR", error);
    qr.replaceChildren(h("p", {class: "alert warn", "data-handover-failed": true}, T.handoverFailed));
  }
}

/** The move form the citizen checked on the form page (forms/citizen.js keeps it in its draft
 * in this browser), when it is for this life event: the hand-over carries both. */
function checkedForm() {
  if (MODE !== "citizen" || !window.localStorage) return null;
  try {
    const draft = JSON.parse(window.localStorage.getItem(FORM_KEY) || "null");
    const fresh = draft && draft.v === 1 && Date.now() - draft.saved_at <= 7 * 86400000;
    const form = fresh && draft.checked;
    return form && form.kind === state.life_event ? form : null;
  } catch (e) { return null; }
}

function qrElement(sealed) {
  if (sealed instanceof Node) return sealed;
  const svg = sealed.qrSvg || sealed.svg;
  if (svg instanceof Node) return svg;
  if (typeof svg === "string") {
    const wrap = h("div", {class: "navi-qr-svg"});
    wrap.innerHTML = svg;  // SVG markup made in this page by seal.js from our own payload
    return wrap;
  }
  if (sealed.dataUrl || sealed.data_url) return h("img", {src: sealed.dataUrl || sealed.data_url, alt: ""});
  throw new Error("sealHandover gave no QR image");
}

function expired(box) {
  const qr = box.querySelector("[data-handover-qr]");
  qr.replaceChildren(h("p", {class: "alert warn", "data-handover-expired": true}, T.handoverExpired, " ",
    h("button", {type: "button", class: "btn small", onclick: () => seal(box)}, T.handoverRemake)));
}

function forget() {
  if (!window.confirm(T.forgetConfirm)) return;
  forgetDraft();
  render();
  announce(T.forgotten);
}

// ------------------------------------------------------------------ kiosk: a ticket and a case

function kioskBox() {
  return h("section", {class: "navi-kiosk-issue screen-only"},
    h("button", {type: "button", class: "btn primary big", "data-kiosk-issue": true, onclick: kioskIssue}, T.kioskIssue),
    h("p", {class: "hint"}, T.kioskIssueHint));
}

let issueKey = null;

function newKey() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function kioskIssue(event) {
  const button = event.currentTarget;
  if (button.disabled) return;
  button.disabled = true;
  button.textContent = T.kioskIssuing;
  issueKey = issueKey || newKey();  // one tap = one ticket, also when the answer is slow
  const overlay = document.querySelector("[data-navi-ticket]");
  try {
    const response = await fetch(root.dataset.issueUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Idempotency-Key": issueKey},
      body: JSON.stringify({life_event: state.life_event, answers: relevantAnswers(), on: TODAY}),
    });
    overlay.innerHTML = await response.text();  // our own server's fragment
    if (response.ok) {
      document.body.classList.add("navi-printing-ticket");
      window.print();
    }
  } catch (error) {
    overlay.replaceChildren(h("div", {class: "alert error", role: "alert"}, T.kioskFailed));
  }
  const done = overlay.querySelector("[data-kiosk-done]");
  if (done) {
    done.addEventListener("click", kioskReset);
    done.focus();
  }
}

function kioskReset() {
  document.querySelector("[data-navi-ticket]").replaceChildren();
  document.body.classList.remove("navi-printing-ticket");
  issueKey = null;
  forgetDraft();
  render();
}

let idleTimer = null;

function kioskIdle() {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (state.life_event || document.querySelector("[data-navi-ticket] *")) kioskReset();
  }, KIOSK_IDLE_MS);
}

// ------------------------------------------------------------------ interview: a case

function caseBox() {
  return h("section", {class: "navi-case screen-only"},
    h("button", {type: "button", class: "btn primary big", "data-create-case": true, onclick: createCase},
      T.createCase),
    h("p", {class: "navi-case-status", role: "status", "data-case-status": true}));
}

async function createCase(event) {
  const button = event.currentTarget;
  const status = screen.querySelector("[data-case-status]");
  if (button.disabled) return;
  button.disabled = true;
  status.textContent = T.creatingCase;
  try {
    const response = await fetch(root.dataset.caseUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify({life_event: state.life_event, answers: relevantAnswers(), on: TODAY}),
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.message || T.caseFailed);
    forgetDraft();
    saveDraft();
    status.textContent = data.code;
    status.dataset.caseCode = data.code;
    if (data.url) location.assign(data.url);
  } catch (error) {
    status.textContent = `${T.caseFailed} ${error.message || ""}`;
    button.disabled = false;
  }
}

// ------------------------------------------------------------------ the keyboard (interview)

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  const typing = target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA");
  // A date or number field takes no letters: U and B still answer 「わからない」 and go back there.
  const lettersFree = typing && target.matches("[data-navi-input]") && /^[ub]$/i.test(event.key);
  if (typing && !lettersFree) return;  // Enter in a form submits it by itself
  const step = screen.querySelector("[data-step]");
  if (!step) return;
  const key = event.key.toLowerCase();
  const click = (selector) => {
    const el = step.querySelector(selector);
    if (el) { event.preventDefault(); el.click(); }
  };
  if (step.dataset.step === "events" && /^[1-9]$/.test(key)) {
    click(`.navi-event-list li:nth-child(${key}) button`);
  } else if (step.dataset.step === "question") {
    const type = step.dataset.type;
    if (key === "u") click('[data-answer="unknown"]');
    else if (key === "b") click("[data-navi-back]");
    else if (type === "yes_no" && key === "y") click('[data-answer="yes"]');
    else if (type === "yes_no" && key === "n") click('[data-answer="no"]');
    else if (type === "choice" && /^[1-9]$/.test(key)) click(`.navi-choices > button:nth-child(${key}):not(.unknown)`);
    else if (type === "household" && (key === "+" || key === "a")) click("[data-member-add]");
    else if (key === "enter" && step.querySelector("[data-answer-form]")) click("[data-navi-next]");
  } else if (step.dataset.step === "result") {
    if (key === "b") click("[data-navi-back]");
  }
}

if (MODE === "interview") document.addEventListener("keydown", onKey);
if (MODE === "kiosk") {
  ["pointerdown", "keydown"].forEach((type) => document.addEventListener(type, kioskIdle, true));
  kioskIdle();
}

load();
