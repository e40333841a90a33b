/* The citizen's move form (住所異動の事前入力) in the browser: phone first, public side.
 *
 * Nothing typed here is sent to any server: the draft lives in this browser's localStorage
 * (with the time it was saved; dropped after DRAFT_DAYS, or when the citizen presses 「受付が
 * 済んだら…消す」), the postcode lookup sends only the postcode (not personal data), and the
 * form is sealed in the page to the office's public key (handover/seal.js) into the QR code(s)
 * the counter scans. The hand-over carries the form and the navigator's answers; the
 * navigator's household questions are filled from the form (ワンスオンリー) through its own
 * draft in this browser (procedures/navi.js).
 *
 * Normalisation mirrors forms/normalise.py (the server's is the authority): ふりがな →
 * full-width katakana, postcode/phone → half-width digits, 番地 → half-width digits and "-";
 * names are kept as typed (髙, 﨑, 𠮷, variation selectors: no normalize() on a name).
 * Every text comes from the page (#cform-text, gettext).
 */

const root = document.getElementById("cform");
const T = JSON.parse(document.getElementById("cform-text").textContent);
const OFFICE = root.dataset.office;
const TODAY = root.dataset.today;
const DRAFT_DAYS = Number(root.dataset.draftDays || 7);
const MAX_MEMBERS = Number(root.dataset.maxMembers || 12);
const LANG = root.dataset.lang || "ja";  // the catalogue's key: ja, en, zh_Hans, ko, vi, pt_BR
const DRAFT_KEY = `madoguchi.form.${OFFICE}`;
const NAVI_KEY = `madoguchi.navi.${OFFICE}`;  // the navigator's draft (procedures/navi.js)
const KINDS = ["tennyu", "tenshutsu", "tenkyo"];
const form = document.getElementById("cform-form");
const list = form.querySelector("[data-members]");
const template = document.getElementById("cform-member");
const result = root.querySelector("[data-cform-result]");
const announcer = root.querySelector("[data-cform-announce]");
// Eras for birth dates typed in 和暦: first day, and the year before 元年 (year 1).
const ERAS = {
  reiwa: {start: "2019-05-01", base: 2018}, heisei: {start: "1989-01-08", base: 1988},
  showa: {start: "1926-12-25", base: 1925}, taisho: {start: "1912-07-30", base: 1911},
};
const ERA_ORDER = ["reiwa", "heisei", "showa", "taisho"];

let store = null;
try { store = window.localStorage; } catch (e) { store = null; }

function fmt(template, vars) {
  return String(template).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
}

function announce(text) {
  announcer.textContent = "";
  setTimeout(() => { announcer.textContent = text; }, 50);
}

// ------------------------------------------------------------------ normalisation

const SPACES = /[\s\u3000\u00a0]+/g;
const DASHES = /[-\u2010-\u2015\u2212\u30fc\uff70\u2500\u2501\ufe63\uff0d]/g;

function trim(value) {
  return String(value || "").replace(/^[\s\u3000\u00a0]+|[\s\u3000\u00a0]+$/g, "");
}

/** A name as typed: only the surrounding spaces go. */
function normName(value) { return trim(value); }

function normKana(value) {
  // NFKC only here (ｶﾀｶﾅ → カタカナ), then hiragana → katakana: a kana reading, not a name.
  const v = trim(value).normalize("NFKC").replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
  return v.replace(SPACES, "\u3000");
}

function halfDigits(value) {
  return String(value || "").replace(/[\uff10-\uff19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

function normDigits(value) { return halfDigits(trim(value)).replace(DASHES, "").replace(/[\s\u3000〒]/g, ""); }

function normBanchi(value) { return halfDigits(trim(value)).replace(DASHES, "-"); }

const KANA_RE = /^[\u30a1-\u30fa\u30fc\u30fb\u3000]+$/;

// ------------------------------------------------------------------ dates

function isoOf(y, m, d) {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** {iso} or {error} from the era, year, month and day typed (和暦 or 西暦). */
function birthFrom(era, year, month, day) {
  const y = Number(halfDigits(trim(year)).replace(/^元$/, "1")), m = Number(halfDigits(trim(month))),
        d = Number(halfDigits(trim(day)));
  if (!trim(year) && !trim(month) && !trim(day)) return {error: T.required};
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d) || y < 1) return {error: T.dateInvalid};
  const western = era === "western" ? y : (ERAS[era] ? ERAS[era].base + y : NaN);
  const iso = isoOf(western, m, d);
  if (!iso || western < 1890) return {error: T.dateInvalid};
  if (era !== "western") {
    const next = ERA_ORDER[ERA_ORDER.indexOf(era) - 1];
    if (iso < ERAS[era].start || (next && iso >= ERAS[next].start)) return {error: T.eraRange};
  }
  if (iso > TODAY) return {error: T.birthFuture};
  return {iso};
}

function shownDate(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  const western = new Intl.DateTimeFormat(T.lang, {year: "numeric", month: "long", day: "numeric", timeZone: "UTC"}).format(date);
  let wareki = "";
  try {
    wareki = new Intl.DateTimeFormat("ja-JP-u-ca-japanese", {era: "long", year: "numeric", month: "long", day: "numeric",
      timeZone: "UTC"}).format(date);
  } catch (e) { wareki = ""; }
  return wareki && wareki !== western ? `${western}（${wareki}）` : western;
}

function addDays(iso, days) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

// ------------------------------------------------------------------ members

function field(name) { return form.querySelector(`[data-field="${name}"]`); }

function kind() {
  const checked = form.querySelector('input[name="kind"]:checked');
  return checked ? checked.value : "";
}

function renumber() {
  list.querySelectorAll("[data-member]").forEach((li, i) => {
    li.querySelector("[data-member-no]").textContent = fmt(T.member, {n: i + 1});
    li.dataset.member = String(i);
    li.querySelectorAll("[data-m]").forEach((input) => {
      const id = `cform-m${i}-${input.dataset.m}`;
      input.id = id;
      if (input.dataset.m === "is_head") input.value = String(i);
    });
    li.querySelectorAll("label[data-for]").forEach((label) => { label.htmlFor = `cform-m${i}-${label.dataset.for}`; });
    li.querySelectorAll("[data-error-m]").forEach((p) => { p.id = `cform-m${i}-${p.dataset.errorM}-error`; });
  });
  form.querySelector("[data-member-add]").disabled = list.children.length >= MAX_MEMBERS;
}

function updateBirthShown(li) {
  const get = (name) => li.querySelector(`[data-m="${name}"]`).value;
  const birth = birthFrom(get("era"), get("year"), get("month"), get("day"));
  li.querySelector("[data-birth-shown]").textContent = birth.iso ? shownDate(birth.iso) : "";
}

function addMember(values = {}) {
  const li = template.content.firstElementChild.cloneNode(true);
  list.append(li);
  for (const [name, value] of Object.entries(values)) {
    const input = li.querySelector(`[data-m="${name}"]`);
    if (!input) continue;
    if (input.type === "radio") input.checked = !!value;
    else input.value = value == null ? "" : value;
  }
  li.querySelector("[data-member-remove]").addEventListener("click", () => {
    const n = [...list.children].indexOf(li) + 1;
    if (memberHasInput(li) && !window.confirm(fmt(T.removeConfirm, {n}))) return;
    li.remove();
    renumber();
    dirty = true;
    saveDraft();
  });
  const head = li.querySelector('[data-m="is_head"]');
  const relationship = li.querySelector('[data-m="relationship"]');
  head.addEventListener("change", () => { if (head.checked) syncHead(li); });
  relationship.addEventListener("change", () => {
    if (relationship.value === "head") { head.checked = true; syncHead(li); }
    else if (head.checked) head.checked = false;
  });
  li.addEventListener("input", () => updateBirthShown(li));
  li.addEventListener("change", () => updateBirthShown(li));
  renumber();
  updateBirthShown(li);
  return li;
}

/** One head: the chosen member's relationship becomes 「世帯主」, nobody else's stays so. */
function syncHead(chosen) {
  list.querySelectorAll("[data-member]").forEach((li) => {
    const rel = li.querySelector('[data-m="relationship"]');
    if (li === chosen) rel.value = "head";
    else if (rel.value === "head") rel.value = "";
  });
}

function memberHasInput(li) {
  return [...li.querySelectorAll("input:not([type=radio])")].some((i) => trim(i.value));
}

function memberValues(li) {
  const out = {};
  li.querySelectorAll("[data-m]").forEach((input) => {
    out[input.dataset.m] = input.type === "radio" ? input.checked : input.value;
  });
  return out;
}

// ------------------------------------------------------------------ addresses

function abroadFor(which) {
  // 転入: the old address may be abroad; 転出: the new one. 転居 stays in this city.
  const k = kind();
  return (k === "tennyu" && which === "old_address") || (k === "tenshutsu" && which === "new_address");
}

function updateKind() {
  for (const which of ["old_address", "new_address"]) {
    const box = form.querySelector(`[data-address="${which}"]`);
    const may = abroadFor(which);
    const check = box.querySelector(`[data-field="${which}.abroad"]`);
    box.querySelector("[data-abroad-for]").hidden = !may;
    if (!may) check.checked = false;
    const foreign = may && check.checked;
    box.querySelector("[data-domestic]").hidden = foreign;
    box.querySelector("[data-building-label]").hidden = foreign;
    box.querySelector("[data-foreign-label]").hidden = !foreign;
  }
}

function address(which) {
  const get = (name) => field(`${which}.${name}`).value;
  if (field(`${which}.abroad`).checked) {
    return {postcode: "", prefecture: "", city: "", town: "", banchi: "", building: trim(get("building"))};
  }
  return {postcode: normDigits(get("postcode")), prefecture: trim(get("prefecture")), city: trim(get("city")),
          town: trim(get("town")), banchi: normBanchi(get("banchi")), building: trim(get("building"))};
}

async function lookup(which) {
  const input = field(`${which}.postcode`);
  const status = form.querySelector(`[data-postcode-status="${which}"]`);
  const pick = form.querySelector(`[data-town-pick="${which}"]`);
  const code = normDigits(input.value);
  pick.hidden = true;
  pick.replaceChildren();
  showError(`${which}.postcode`, "");
  if (!/^\d{7}$/.test(code)) { showError(`${which}.postcode`, T.postcodeInvalid); input.focus(); return; }
  input.value = code;
  status.textContent = T.loading;
  let rows;
  try {
    const response = await fetch(root.dataset.postcodeUrl + code, {headers: {Accept: "application/json"}});
    if (response.status === 404) { status.textContent = ""; showError(`${which}.postcode`, T.postcodeNotFound); return; }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    rows = await response.json();
  } catch (error) {
    status.textContent = T.postcodeFailed;
    return;
  }
  const apply = (row) => {
    field(`${which}.prefecture`).value = row.prefecture;
    field(`${which}.city`).value = row.city;
    field(`${which}.town`).value = row.town;
    pick.hidden = true;
    status.textContent = T.postcodeFound;
    dirty = true;
    saveDraft();
    field(`${which}.banchi`).focus();
  };
  if (rows.length === 1) { apply(rows[0]); return; }
  status.textContent = T.pickTown;
  pick.hidden = false;
  pick.replaceChildren(...rows.map((row) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn small";
    button.dataset.town = row.town;
    button.textContent = `${row.city} ${row.town}`;
    button.addEventListener("click", () => apply(row));
    return button;
  }));
  pick.querySelector("button").focus();
}

// ------------------------------------------------------------------ the draft (this browser only)

function snapshot() {
  const fields = {kind: kind()};
  form.querySelectorAll("input[data-field], select[data-field]").forEach((input) => {
    fields[input.dataset.field] = input.type === "checkbox" ? input.checked : input.value;
  });
  return {fields, members: [...list.querySelectorAll("[data-member]")].map(memberValues)};
}

let saveTimer = null;
let checked = null;  // the form as last sealed (normalised), kept with the draft for the navigator
let dirty = false;   // typed since the draft was last saved (or forgotten)

function saveDraft() {
  clearTimeout(saveTimer);
  if (!store || !dirty) return;
  try {
    store.setItem(DRAFT_KEY, JSON.stringify({v: 1, saved_at: Date.now(), ...snapshot(), checked}));
    dirty = false;
  } catch (e) { /* storage full or private mode: the form still works without a draft */ }
}

function saveSoon() {
  dirty = true;
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveDraft, 250);
}

function readJSON(key) {
  if (!store) return null;
  try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
}

function loadDraft() {
  const draft = readJSON(DRAFT_KEY);
  if (!draft) return false;
  if (draft.v !== 1 || !draft.saved_at || Date.now() - draft.saved_at > DRAFT_DAYS * 86400000) {
    forgetAll(false);
    return false;
  }
  for (const [name, value] of Object.entries(draft.fields || {})) {
    if (name === "kind") {
      const radio = form.querySelector(`input[name="kind"][value="${CSS.escape(value)}"]`);
      if (radio) radio.checked = true;
      continue;
    }
    const input = field(name);
    if (!input) continue;
    if (input.type === "checkbox") input.checked = !!value;
    else input.value = value;
  }
  (draft.members || []).forEach((m) => addMember(m));
  checked = draft.checked || null;
  const saved = new Date(draft.saved_at);
  const notice = form.querySelector("[data-cform-restored]");
  notice.textContent = fmt(T.draftRestored, {date: new Intl.DateTimeFormat(T.lang,
    {month: "long", day: "numeric", hour: "2-digit", minute: "2-digit"}).format(saved)});
  notice.hidden = false;
  return true;
}

/** A fresh form takes what the navigator already asked: life event, move date, household. */
function fromNavigator() {
  const navi = readJSON(NAVI_KEY);
  // The navigator keeps its draft 14 days (procedures/navi.js): an older one is not used.
  if (!navi || !KINDS.includes(navi.life_event) || !(Date.now() - navi.saved_at <= 14 * 86400000)) return false;
  const radio = form.querySelector(`input[name="kind"][value="${navi.life_event}"]`);
  radio.checked = true;
  const answers = navi.answers || {};
  if (/^\d{4}-\d{2}-\d{2}$/.test(answers.move_date || "")) field("move_date").value = answers.move_date;
  (Array.isArray(answers.household) ? answers.household : []).slice(0, MAX_MEMBERS).forEach((m) => {
    const [y, mo, d] = /^\d{4}-\d{2}-\d{2}$/.test(m.birth_date || "") ? m.birth_date.split("-") : ["", "", ""];
    addMember({relationship: m.relationship || "", is_head: m.relationship === "head", era: "western",
               year: y, month: mo ? String(Number(mo)) : "", day: d ? String(Number(d)) : ""});
  });
  const notice = form.querySelector("[data-cform-restored]");
  notice.textContent = T.fromNavigator;
  notice.hidden = false;
  return true;
}

function forgetAll(both = true) {
  clearTimeout(saveTimer);
  dirty = false;
  if (!store) return;
  try {
    store.removeItem(DRAFT_KEY);
    if (both) store.removeItem(NAVI_KEY);  // the hand-over carried the navigator's answers too
  } catch (e) { /* ignore */ }
}

// ------------------------------------------------------------------ validation

function showError(name, message, input) {
  const p = form.querySelector(`[data-error-for="${name}"]`);
  const target = input || field(name);
  if (p) {
    p.textContent = message;
    p.hidden = !message;
    p.id = p.id || `cform-${name.replace(/\W/g, "-")}-error`;
  }
  if (target && target.setAttribute) {
    if (message) { target.setAttribute("aria-invalid", "true"); if (p) target.setAttribute("aria-describedby", p.id); }
    else target.removeAttribute("aria-invalid");
  }
}

function memberError(li, name, message) {
  const p = li.querySelector(`[data-error-m="${name}"]`);
  const input = li.querySelector(`[data-m="${name === "birth_date" ? "year" : name}"]`);
  p.textContent = message;
  p.hidden = !message;
  if (message) { input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", p.id); }
  else input.removeAttribute("aria-invalid");
}

/** The MoveForm (schema v1) from what is typed, or the problems (each shown by its field). */
function collect() {
  const problems = [];
  const fail = (el, message, show) => { problems.push({el, message}); show(); };
  form.querySelectorAll(".cform-error").forEach((p) => { p.hidden = true; p.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));

  const k = kind();
  if (!k) fail(form.querySelector('input[name="kind"]'), T.required, () => showError("kind", T.required, form.querySelector('input[name="kind"]')));
  const move = field("move_date").value;
  if (!move) fail(field("move_date"), T.required, () => showError("move_date", T.required));
  else if (move < addDays(TODAY, -366) || move > addDays(TODAY, 366)) {
    fail(field("move_date"), T.moveDateRange, () => showError("move_date", T.moveDateRange));
  }
  const addresses = {old_address: address("old_address"), new_address: address("new_address")};
  for (const which of ["old_address", "new_address"]) {
    const a = addresses[which];
    if (a.postcode && !/^\d{7}$/.test(a.postcode)) {
      fail(field(`${which}.postcode`), T.postcodeInvalid, () => showError(`${which}.postcode`, T.postcodeInvalid));
    }
    const here = (k === "tenshutsu" ? "old_address" : "new_address") === which || k === "tenkyo";
    if (here && !(a.prefecture && a.city && a.town)) {
      const first = ["prefecture", "city", "town"].find((n) => !a[n]);
      fail(field(`${which}.${first}`), T.addressRequired, () => showError(`${which}.town`, T.addressRequired, field(`${which}.${first}`)));
    }
  }
  const members = [];
  const items = [...list.querySelectorAll("[data-member]")];
  if (!items.length) fail(form.querySelector("[data-member-add]"), T.noMembers, () => showError("members", T.noMembers, null));
  items.forEach((li) => {
    const v = memberValues(li);
    const m = {family_name: normName(v.family_name), given_name: normName(v.given_name),
               family_kana: normKana(v.family_kana), given_kana: normKana(v.given_kana)};
    const input = (name) => li.querySelector(`[data-m="${name}"]`);
    if (!m.family_name) fail(input("family_name"), T.required, () => memberError(li, "family_name", T.required));
    if (!m.family_kana) fail(input("family_kana"), T.required, () => memberError(li, "family_kana", T.required));
    else if (!KANA_RE.test(m.family_kana)) fail(input("family_kana"), T.kanaInvalid, () => memberError(li, "family_kana", T.kanaInvalid));
    if (m.given_kana && !KANA_RE.test(m.given_kana)) fail(input("given_kana"), T.kanaInvalid, () => memberError(li, "given_kana", T.kanaInvalid));
    const birth = birthFrom(v.era, v.year, v.month, v.day);
    if (birth.error) fail(input("year"), birth.error, () => memberError(li, "birth_date", birth.error));
    if (!v.sex) fail(input("sex"), T.required, () => memberError(li, "sex", T.required));
    if (!v.relationship) fail(input("relationship"), T.required, () => memberError(li, "relationship", T.required));
    if (v.is_head && v.relationship && v.relationship !== "head") {
      fail(input("relationship"), T.headRelationship, () => memberError(li, "relationship", T.headRelationship));
    }
    members.push({...m, birth_date: birth.iso || "", sex: v.sex, relationship: v.relationship,
                  is_head: v.relationship === "head"});
  });
  const phone = normDigits(field("phone").value);
  if (!/^0\d{9,10}$/.test(phone)) {
    const message = phone ? T.phoneInvalid : T.required;
    fail(field("phone"), message, () => showError("phone", message));
  }
  const email = halfDigits(trim(field("email").value));
  if (email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) fail(field("email"), T.emailInvalid, () => showError("email", T.emailInvalid));
  if (problems.length) return {problems};
  return {form: {v: 1, kind: k, move_date: move, ...addresses, members, phone, email}};
}

// ------------------------------------------------------------------ the result: review and QR

function navigatorAnswers(data) {
  const navi = readJSON(NAVI_KEY);
  const earlier = navi && navi.life_event === data.kind ? navi.answers || {} : {};
  return {...earlier, move_date: data.move_date,
          household: data.members.map((m) => ({relationship: m.relationship, birth_date: m.birth_date}))};
}

/** ワンスオンリー: the navigator finds its household and move date answered already. */
function fillNavigator(data, answers) {
  if (!store) return;
  const navi = readJSON(NAVI_KEY);
  const same = navi && navi.life_event === data.kind;
  try {
    store.setItem(NAVI_KEY, JSON.stringify({v: 1, saved_at: Date.now(), life_event: data.kind, answers,
      current: null, result: same ? !!navi.result : false}));
  } catch (e) { /* ignore */ }
}

function review(data) {
  const dl = result.querySelector("[data-cform-review]");
  const rows = [[T.kinds[data.kind] || data.kind, shownDate(data.move_date)]];
  const line = (a) => (a.postcode ? `〒${a.postcode.slice(0, 3)}-${a.postcode.slice(3)} ` : "")
    + [a.prefecture, a.city, a.town, a.banchi].join("") + (a.building ? ` ${a.building}` : "");
  rows.push([form.querySelector('[data-address="old_address"] legend').textContent, line(data.old_address) || T.none]);
  rows.push([form.querySelector('[data-address="new_address"] legend').textContent, line(data.new_address) || T.none]);
  data.members.forEach((m, i) => {
    const who = `${m.family_name}\u3000${m.given_name}`.trim();
    rows.push([fmt(T.member, {n: i + 1}),
      `${who}（${[m.family_kana, m.given_kana].filter(Boolean).join("\u3000")}） ${shownDate(m.birth_date)} `
      + `${T.sexes[m.sex]} ${T.relationships[m.relationship]}`]);
  });
  rows.push([field("phone").labels[0].textContent, data.phone + (data.email ? ` / ${data.email}` : "")]);
  dl.replaceChildren(...rows.flatMap(([term, value], i) => {
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = term;
    dd.textContent = value;
    if (i >= 3 && i < 3 + data.members.length) dd.dataset.reviewMember = String(i - 3);
    return [dt, dd];
  }));
}

async function seal(data, answers) {
  const qr = result.querySelector("[data-handover-qr]");
  const expiry = result.querySelector("[data-handover-expiry]");
  qr.replaceChildren(document.createTextNode(T.loading));
  expiry.textContent = "";
  try {
    const [sealModule, codesModule, response] = await Promise.all([
      import("../handover/seal.js"), import("../handover/codes.js"),
      fetch(root.dataset.keysUrl, {headers: {Accept: "application/json"}})]);
    if (!response.ok) throw new Error(`keys: HTTP ${response.status}`);
    const keys = (await response.json()).filter((k) => !k.office || k.office === OFFICE);
    // household and move_date are the form's own members and date: the counter derives them
    // (handover/content.py), so the QR code does not carry them twice.
    const {household, move_date, ...rest} = answers;
    const sealed = await sealModule.sealHandover(keys, OFFICE,
      {life_event: data.kind, answers: rest, on: TODAY, lang: LANG, form: data},
      {alt: T.handoverTitle});
    qr.replaceChildren(codesModule.codesView(sealed.parts, {partOf: T.partOf, next: T.nextCode, prev: T.prevCode,
                                                            splitHint: T.splitHint}));
    const at = new Date(sealed.expiresAt);
    expiry.textContent = fmt(T.handoverExpires, {time: new Intl.DateTimeFormat(T.lang,
      {month: "long", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "Asia/Tokyo"}).format(at)});
    expiry.dataset.expiresAt = at.toISOString();
  } catch (error) {
    console.warn("form: no hand-over QR", error);
    qr.replaceChildren(Object.assign(document.createElement("p"), {className: "alert warn", textContent: T.handoverFailed}));
    qr.firstChild.dataset.handoverFailed = "";
  }
}

function showSummary(problems) {
  const box = form.querySelector("[data-cform-summary]");
  box.replaceChildren();
  if (!problems.length) { box.hidden = true; return; }
  const title = document.createElement("p");
  title.textContent = fmt(T.fixErrors, {n: problems.length});
  box.append(title);
  box.hidden = false;
  box.focus();
  const first = problems[0].el;
  if (first) setTimeout(() => { first.focus(); first.scrollIntoView({block: "center"}); }, 0);
}

async function submit(event) {
  event.preventDefault();
  const {problems, form: data} = collect();
  if (problems) { showSummary(problems); return; }
  showSummary([]);
  checked = data;
  dirty = true;
  const answers = navigatorAnswers(data);
  fillNavigator(data, answers);
  saveDraft();
  review(data);
  form.hidden = true;
  result.hidden = false;
  result.querySelector("h2").focus();
  window.scrollTo({top: 0});
  await seal(data, answers);
}

function back() {
  result.hidden = true;
  form.hidden = false;
  form.querySelector("input").focus();
}

function done() {
  if (!window.confirm(T.doneConfirm)) return;
  forgetAll(true);
  checked = null;
  form.reset();
  list.replaceChildren();
  addMember({relationship: "head", is_head: true});
  updateKind();
  form.querySelector("[data-cform-restored]").hidden = true;
  result.hidden = true;
  form.hidden = false;
  announce(T.forgotten);
  const notice = form.querySelector("[data-cform-restored]");
  notice.textContent = T.forgotten;
  notice.hidden = false;
}

// ------------------------------------------------------------------ start

form.addEventListener("input", saveSoon);
form.addEventListener("change", (event) => {
  if (event.target.name === "kind" || (event.target.dataset.field || "").endsWith(".abroad")) updateKind();
  saveSoon();
});
form.addEventListener("submit", submit);
form.querySelector("[data-member-add]").addEventListener("click", () => {
  const li = addMember({relationship: list.children.length ? "" : "head", is_head: !list.children.length});
  li.querySelector('[data-m="family_name"]').focus();
  dirty = true;
  saveDraft();
});
form.querySelectorAll("[data-postcode-lookup]").forEach((button) => {
  button.addEventListener("click", () => lookup(button.dataset.postcodeLookup));
});
form.querySelectorAll("[data-field$='.postcode']").forEach((input) => {
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); lookup(input.dataset.field.split(".")[0]); }
  });
});
result.querySelector("[data-cform-back]").addEventListener("click", back);
result.querySelector("[data-cform-done]").addEventListener("click", done);
window.addEventListener("pagehide", saveDraft);

if (!loadDraft() && !fromNavigator()) addMember({relationship: "head", is_head: true});
if (!list.children.length) addMember({relationship: "head", is_head: true});
updateKind();
root.dataset.ready = "true";
