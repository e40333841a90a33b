// The hand-over QR, made in the citizen's browser: the answers are sealed here to the
// office's public key and never sent anywhere (DESIGN.md habits 5 and 12).
//
//   import { fetchKeys, sealHandover } from "/static/madoguchi/handover/seal.js";
//   const keys = await fetchKeys("demo");
//   const { text, parts, qrSvg, version } = await sealHandover(keys, "demo",
//       { life_event: "tennyu", answers: {...}, on: "2026-11-28", lang: "ja", form });
//
// ``form`` (optional) is the citizen's move form (forms/data.py MoveForm). ``parts`` are
// the codes to show: one, or 2–3 "MD1.<n>/<m>:" codes when one would exceed version 25-M
// (handover/codes.js shows them in turn).
//
// Format (docs/handover.md): "MD1:" + base45( version(1) | kid(4) | n(2) | enc(65) |
// HPKE ciphertext(n) ), HPKE base mode DHKEM(P-256, HKDF-SHA256) / HKDF-SHA256 /
// AES-128-GCM with info = "madoguchi-handover\0" + the 7 header bytes; the plaintext is
// raw deflate (CompressionStream "deflate-raw") of the compact JSON content.
//
// WebCrypto exists only in a secure context: HTTPS, or http://localhost / 127.0.0.1.

import {
  Aes128Gcm,
  CipherSuite,
  DhkemP256HkdfSha256,
  HkdfSha256,
} from "../vendor/hpke-core-1.9.0.min.js";
import qrcode from "../vendor/qrcode-generator-2.0.4.js";
import { encode as base45 } from "./base45.js";

export const PREFIX = "MD1:";
export const FORMAT_VERSION = 1;
export const SCHEMA_VERSION = 1;
export const DEFAULT_TTL_DAYS = 7;
const INFO_LABEL = new TextEncoder().encode("madoguchi-handover\0");
const TAG_LENGTH = 16;

export class HandoverError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** The offices' public keys as GET /api/v1/handover/keys serves them. */
export async function fetchKeys(office) {
  const url = "/api/v1/handover/keys" + (office ? "?office=" + encodeURIComponent(office) : "");
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new HandoverError("keys_unavailable", `keys: HTTP ${response.status}`);
  return response.json();
}

function b64urlDecode(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function deflateRaw(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function isoSeconds(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The hand-over content with its envelope fields (schema version 1), in a fixed order. */
export function handoverContent(office, content, { now = new Date(), ttlDays = DEFAULT_TTL_DAYS } = {}) {
  const expires = new Date(now.getTime() + ttlDays * 86400 * 1000);
  const { kind = "navigator", ...rest } = content;
  return {
    v: SCHEMA_VERSION, kind, office,
    created_at: isoSeconds(now), expires_at: isoSeconds(expires),
    ...rest,
  };
}

/** The QR text ("MD1:…") of ``content`` sealed to ``key`` ({kid, public_key}). */
export async function sealText(key, content) {
  if (!globalThis.crypto || !crypto.subtle) {
    throw new HandoverError("insecure_context",
      "WebCrypto is unavailable: the page must be served over HTTPS (or localhost).");
  }
  const plaintext = await deflateRaw(new TextEncoder().encode(JSON.stringify(content)));
  const length = plaintext.length + TAG_LENGTH;
  if (length > 0xffff) throw new HandoverError("too_large", "the hand-over is too large");
  const kid = key.kid.match(/../g).map((h) => parseInt(h, 16));
  const header = Uint8Array.from([FORMAT_VERSION, ...kid, length >> 8, length & 0xff]);
  const suite = new CipherSuite({
    kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm(),
  });
  const recipientPublicKey = await suite.kem.importKey("raw", b64urlDecode(key.public_key).buffer, true);
  const { ct, enc } = await suite.seal({ recipientPublicKey, info: concat(INFO_LABEL, header) }, plaintext);
  return PREFIX + base45(concat(header, new Uint8Array(enc), new Uint8Array(ct)));
}

/** A QR code of ``text`` in alphanumeric mode at level M: {svg, version}. The quiet zone
 * is the standard's four modules (``margin`` is in pixels for qrcode-generator). */
export function qrFor(text, { cellSize = 4, alt = "" } = {}) {
  const margin = 4 * cellSize;
  const qr = qrcode(0, "M");
  qr.addData(text, "Alphanumeric");
  qr.make();
  const version = (qr.getModuleCount() - 17) / 4;
  const svg = qr.createSvgTag({ cellSize, margin, scalable: true, alt: alt || undefined });
  return { svg, version, modules: qr.getModuleCount() };
}

// One code up to version 25 at level M (1,451 alphanumeric characters): a phone screen and a
// desk scanner manage it. A longer text is shown as up to three codes "MD1.<n>/<m>:" + the
// n-th slice of the base45 characters (docs/handover.md; envelope.split in Python).
export const MAX_QR_VERSION = 25;
export const MAX_CHARS = 1451;
export const MAX_PARTS = 3;

/** The texts of the codes to show: [text] when it fits one, else 2 or 3 parts. */
export function splitText(text, maxChars = MAX_CHARS) {
  if (text.length <= maxChars) return [text];
  const body = text.slice(PREFIX.length);
  for (let parts = 2; parts <= MAX_PARTS; parts++) {
    const size = Math.ceil(body.length / parts);
    if (size + "MD1.1/3:".length <= maxChars) {
      return Array.from({ length: parts }, (_, i) => `MD1.${i + 1}/${parts}:` + body.slice(i * size, (i + 1) * size));
    }
  }
  throw new HandoverError("too_large", `the hand-over needs more than ${MAX_PARTS} QR codes`);
}

/**
 * Seal ``content`` ({life_event, answers, on, lang, [kind], [form]}) for ``office`` with the
 * office's current key from ``keys`` (fetchKeys' answer). Returns {text, parts, qrSvg,
 * version, kid, expiresAt}: ``parts`` is [{text, svg, version}] — one code, or 2–3 codes to
 * show in turn; qrSvg/version are the first code's. Options: ttlDays (default 7, the server
 * refuses more), now, cellSize, maxChars.
 */
export async function sealHandover(keys, office, content, options = {}) {
  const key = keys.find((k) => k.office === office);
  if (!key) throw new HandoverError("no_key", `no hand-over key for office ${office}`);
  const full = handoverContent(office, content, options);
  const text = await sealText(key, full);
  const parts = splitText(text, options.maxChars).map((part) => {
    const { svg, version } = qrFor(part, options);
    return { text: part, svg, version };
  });
  return { text, parts, qrSvg: parts[0].svg, version: parts[0].version, kid: key.kid,
           expiresAt: full.expires_at };
}
