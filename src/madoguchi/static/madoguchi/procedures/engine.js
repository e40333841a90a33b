/**
 * Procedure determination in the browser: the citizen's answers never leave the phone.
 *
 * The same rules as the Python engine (madoguchi/procedures/engine.py) on the public catalogue
 * JSON (GET /api/v1/procedures/catalogue?on=YYYY-MM-DD); tests/procedures/
 * test_browser_engine_parity.py runs both engines on the same answers and asserts identical
 * output. Change one, change the other.
 *
 * Stable exports (the navigator screens import them):
 *
 *   determine(catalogue, {life_event, answers, on, lang}) -> {
 *     life_event, on,
 *     procedures: [{code, name, section, category, status: "applies" | "to_check",
 *                   reasons: [str], documents: [str], deadline: "YYYY-MM-DD" | null,
 *                   online_url: str | null}],
 *     questions: [{id, text, type, choices: [{value, text}] | null}]   // still worth asking
 *   }
 *     answers: {question id: value | "unknown"}; an unanswered question is simply absent.
 *     Values: yes_no true/false, choice its value, number an integer, date "YYYY-MM-DD",
 *     household [{relationship, birth_date}] (either field may be "unknown").
 *     on: "YYYY-MM-DD" (default: today in Asia/Tokyo); lang: ja en zh_Hans ko vi pt_BR
 *     (BCP 47 forms such as "zh-Hans", "pt-BR" work too). Throws Error for an unknown
 *     life event; answers are not validated (the navigator only produces valid ones).
 *   evaluateCondition(source, variables, on) -> true | false | null (null = CEL error /
 *     not a bool, i.e. "to check"), with the registered functions on `on`.
 *   todayInTokyo() -> "YYYY-MM-DD".
 *
 * CEL (vendored @marcbachmann/cel-js 8.0.0) and how the Python library differs:
 * both absorb an error in `||` / `&&` when the other side decides (`true || err` = true,
 * `false && err` = false). They differ in the `exists` / `all` macros: cel-js follows the CEL
 * specification (an element's error is absorbed when another element decides), the Python
 * library `common-expression-language` walks the list in order and stops with the first
 * element's error (`exists` stops at the first true, `all` at the first false). The Python
 * engine then evaluates again with household members reordered (`_reordered`). To give exactly
 * the same results, `run` below evaluates the boolean skeleton of a condition itself
 * (`||`, `&&`, `!`, `?:`, `exists`, `all`) with the Python library's rules and hands every
 * other sub-expression (comparisons, calls, field access …) to cel-js, and `determine`
 * reorders members as the Python engine does; a sub-expression that holds an `exists`/`all`
 * further down (`household.exists(…) == false`) has its operands evaluated here and only its
 * operator in cel-js (`lifted`). Two smaller differences, found by the parity
 * test's condition table: the Python library has no `bool()` (a sub-expression calling it is
 * an error here too), and it accepts mixed list literals such as `[dogs, 1]`, which cel-js
 * refuses unless `homogeneousAggregateLiterals` is off (it is).
 *
 * Unknown semantics (issue 9): an unanswered question or "unknown" leaves its variable unbound;
 * a member's "unknown" field is left out of the member; a registered function given anything
 * but a date throws; any of these makes the condition an error -> "to_check", never absent.
 */

import {Environment, serialize} from '../vendor/cel-js-8.0.0.min.js'

const UNKNOWN = 'unknown'
const ERROR = Symbol('CEL error')

// ------------------------------------------------------------------ dates (Asia/Tokyo)

export function todayInTokyo () {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit'
  }).formatToParts(new Date())
  const part = (type) => parts.find((p) => p.type === type).value
  return `${part('year')}-${part('month')}-${part('day')}`
}

/** [year, month, day] of a "YYYY-MM-DD" string; throws for anything else (e.g. "unknown"). */
function parseDate (value) {
  const m = typeof value === 'string' && /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!m) throw new Error(`not a date: ${value}`)
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
  if (y < 1 || !days || d < 1 || d > days) throw new Error(`not a date: ${value}`)
  return [y, mo, d]
}

/** Completed years on `on` (the birthday counts; 29 February turns on 1 March). */
function completedYears ([y, m, d], [oy, om, od]) {
  return oy - y - (om < m || (om === m && od < d) ? 1 : 0)
}

const dayNumber = ([y, m, d]) => {
  const t = new Date(0)
  t.setUTCFullYear(y, m - 1, d) // years < 100 too
  return Math.round(t.getTime() / 86400000)
}

function isoDate (ymd) {
  const t = new Date(0)
  t.setUTCFullYear(ymd[0], ymd[1] - 1, ymd[2])
  return t.toISOString().slice(0, 10)
}

// ------------------------------------------------------------------ CEL

let today = null // the determination date of the evaluation under way (evaluation is synchronous)

// Mixed list and map literals (`[dogs, 1]`, `['a', 1]`) are fine in the Python library.
const cel = new Environment({unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false})
  .registerFunction('age(string): int', (d) => BigInt(completedYears(parseDate(d), today)))
  .registerFunction('age_fy(string): int', (d) => {
    const [y, m] = today
    return BigInt(completedYears(parseDate(d), [m >= 4 ? y : y - 1, 4, 1]))
  })
  .registerFunction('days_between(string, string): int',
    (a, b) => BigInt(dayNumber(parseDate(b)) - dayNumber(parseDate(a))))
  .registerFunction('before(string, string): bool',
    (a, b) => dayNumber(parseDate(a)) < dayNumber(parseDate(b)))

const parsed = new Map() // CEL source -> parsed program
const leaves = new WeakMap() // AST node -> parsed program of that sub-expression

function program (source) {
  let fn = parsed.get(source)
  if (!fn) parsed.set(source, (fn = cel.parse(source)))
  return fn
}

// Standard functions cel-js has and the Python library does not: calling one is an error there.
const MISSING_IN_PYTHON = new Set(['bool'])

function callsMissing (node) {
  if (Array.isArray(node)) return node.some(callsMissing)
  if (!node || typeof node !== 'object' || !node.op) return false
  return (node.op === 'call' && MISSING_IN_PYTHON.has(node.args[0])) || callsMissing(node.args)
}

const failing = () => { throw new Error('not in the Python library') }

/** A sub-expression outside the boolean skeleton, evaluated by cel-js. */
function leaf (node, vars) {
  try {
    let fn = leaves.get(node)
    if (!fn) leaves.set(node, (fn = callsMissing(node) ? failing : program(serialize(node))))
    return fn(vars)
  } catch {
    return ERROR
  }
}

/** `list.exists(v, p)` / `list.all(v, p)` as the Python library evaluates them. */
function quantifier (node, vars) {
  const [name, receiver, [iterVar, predicate]] = node.args
  const items = run(receiver, vars)
  if (!Array.isArray(items)) return ERROR
  const decisive = name === 'exists'
  const scope = {...vars}
  for (const item of items) {
    scope[iterVar.args] = item
    const value = run(predicate, scope)
    if (typeof value !== 'boolean') return ERROR
    if (value === decisive) return decisive
  }
  return !decisive
}

/** Evaluate a parsed CEL node; ERROR stands for a CEL error. */
function run (node, vars) {
  switch (node.op) {
    case '||':
    case '&&': {
      const decisive = node.op === '||'
      const left = run(node.args[0], vars)
      if (left === decisive) return decisive
      const right = run(node.args[1], vars)
      if (right === decisive) return decisive
      return typeof left === 'boolean' && typeof right === 'boolean' ? !decisive : ERROR
    }
    case '!_': {
      const value = run(node.args, vars)
      return typeof value === 'boolean' ? !value : ERROR
    }
    case '?:': {
      const test = run(node.args[0], vars)
      return typeof test === 'boolean' ? run(node.args[test ? 1 : 2], vars) : ERROR
    }
    case 'rcall': {
      const [name, , args] = node.args
      if ((name === 'exists' || name === 'all') && args.length === 2 && args[0].op === 'id') {
        return quantifier(node, vars)
      }
    }
  }
  return holdsQuantifier(node) ? lifted(node, vars) : leaf(node, vars)
}

// ---- sub-expressions that hold an exists/all further down (`household.exists(…) == false`,
// `household.filter(m, household.all(…)).size()` …): cel-js must not evaluate them whole.

const holding = new WeakMap()

function holdsQuantifier (node) {
  if (Array.isArray(node)) return node.some(holdsQuantifier)
  if (!node || typeof node !== 'object' || !node.op) return false
  let holds = holding.get(node)
  if (holds === undefined) {
    holds = (node.op === 'rcall' && (node.args[0] === 'exists' || node.args[0] === 'all')) ||
      holdsQuantifier(node.args)
    holding.set(node, holds)
  }
  return holds
}

const BINARY = new Set(['==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', 'in'])

/**
 * Every other operator is strict (an error in any operand is the result): evaluate the
 * operands here, then the operator alone in cel-js on their values (`__0 == __1` …). The
 * other macros as the Python library runs them: the first element in error ends them.
 */
function lifted (node, vars) {
  const {op, args} = node
  if (op === 'rcall' && ['exists_one', 'filter', 'map'].includes(args[0]) && args[2][0]?.op === 'id') {
    return comprehension(node, vars)
  }
  let operands, source
  const slots = (n, from = 0) => Array.from({length: n}, (_, i) => `__${from + i}`).join(', ')
  if (BINARY.has(op)) [operands, source] = [args, `__0 ${op} __1`]
  else if (op === '-_') [operands, source] = [[args], '-__0']
  else if (op === '.') [operands, source] = [[args[0]], `__0.${args[1]}`]
  else if (op === '[]') [operands, source] = [args, '__0[__1]']
  else if (op === 'list') [operands, source] = [args, `[${slots(args.length)}]`]
  else if (op === 'map') {
    operands = args.flat()
    source = `{${args.map((_, i) => `__${2 * i}: __${2 * i + 1}`).join(', ')}}`
  } else if (op === 'call' && !MISSING_IN_PYTHON.has(args[0])) {
    [operands, source] = [args[1], `${args[0]}(${slots(args[1].length)})`]
  } else if (op === 'rcall') {
    [operands, source] = [[args[1], ...args[2]], `__0.${args[0]}(${slots(args[2].length, 1)})`]
  } else {
    return ERROR
  }
  const values = {}
  for (const [i, operand] of operands.entries()) {
    const value = run(operand, vars)
    if (value === ERROR) return ERROR
    values[`__${i}`] = value
  }
  try {
    return program(source)(values)
  } catch {
    return ERROR
  }
}

function comprehension (node, vars) {
  const [name, receiver, [iterVar, first, second]] = node.args
  const items = run(receiver, vars)
  if (!Array.isArray(items)) return ERROR
  const scope = {...vars}
  const out = []
  let count = 0
  for (const item of items) {
    scope[iterVar.args] = item
    if (name === 'map' && !second) {
      const value = run(first, scope)
      if (value === ERROR) return ERROR
      out.push(value)
      continue
    }
    const keep = run(first, scope)
    if (typeof keep !== 'boolean') return ERROR
    if (!keep) continue
    if (name === 'exists_one') count++
    else if (name === 'filter') out.push(item)
    else {
      const value = run(second, scope)
      if (value === ERROR) return ERROR
      out.push(value)
    }
  }
  return name === 'exists_one' ? count === 1 : out
}

/** true / false, or null when undecided (a CEL error, or not a bool). */
function evaluate (source, vars) {
  let ast
  try {
    ast = program(source).ast
  } catch {
    return null
  }
  const value = run(ast, vars)
  return typeof value === 'boolean' ? value : null
}

export function evaluateCondition (source, variables, on) {
  today = parseDate(on)
  return withoutStackTraces(() => evaluate(source, {...celValues(variables), on}))
}

// ------------------------------------------------------------------ answers -> CEL variables

/** Numbers as CEL ints (BigInt), as the Python library receives Python ints. */
function celValues (value) {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value)
  if (Array.isArray(value)) return value.map(celValues)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, celValues(v)]))
  }
  return value
}

/** CEL variables from answers, and the ids whose answer holds an "unknown" somewhere. */
function bind (answers) {
  const variables = {}
  const unknown = new Set()
  for (const [qid, value] of Object.entries(answers)) {
    if (value === UNKNOWN) {
      unknown.add(qid)
      continue
    }
    if (Array.isArray(value)) { // household: drop each member's unknown fields
      variables[qid] = value.map((member) => {
        const kept = Object.fromEntries(Object.entries(member).filter(([, v]) => v !== UNKNOWN))
        if (Object.keys(kept).length !== Object.keys(member).length) unknown.add(qid)
        return celValues(kept)
      })
    } else {
      variables[qid] = celValues(value)
    }
  }
  return {variables, unknown}
}

/** Evaluate again with household members reordered (the Python engine's `_reordered`). */
function reordered (source, variables, partial) {
  const complete = (member) => Object.keys(member).length === 2
  const base = {}
  for (const qid of partial) {
    base[qid] = [...variables[qid]].sort((a, b) => complete(b) - complete(a)) // stable
  }
  const orders = [base]
  for (const qid of partial) {
    base[qid].forEach((member, i) => {
      if (!complete(member)) {
        orders.push({...base, [qid]: [member, ...base[qid].slice(0, i), ...base[qid].slice(i + 1)]})
      }
    })
  }
  for (const order of orders) {
    const result = evaluate(source, {...variables, ...order})
    if (result !== null) return result
  }
  return null
}

// ------------------------------------------------------------------ texts

const LANG_ALIASES = {'zh-hans': 'zh_Hans', 'pt-br': 'pt_BR'}

function catalogueLang (lang) {
  const low = String(lang || 'ja').trim().toLowerCase().replaceAll('_', '-')
  if (LANG_ALIASES[low]) return LANG_ALIASES[low]
  for (const key of ['ja', 'en', 'ko', 'vi']) {
    if (low === key || low.startsWith(key + '-')) return key
  }
  if (low.startsWith('zh')) return 'zh_Hans'
  if (low.startsWith('pt')) return 'pt_BR'
  return 'ja'
}

/** A translation: the language asked for, else English, else Japanese. */
function text (value, lang) {
  if (!value || !Object.keys(value).length) return null
  return value[lang] || value.en || (value.ja ?? null)
}

// ------------------------------------------------------------------ determination

function inForce (proc, on) {
  const {from, to} = proc.effective
  return from <= on && (to === null || to === undefined || on <= to)
}

export function determine (catalogue, query = {}) {
  return withoutStackTraces(() => determineNow(catalogue, query))
}

/**
 * Run `fn` with V8's stack capture off: every unknown answer is a thrown CEL error, and
 * capturing a stack for each made determination three times slower. Restored before returning.
 */
function withoutStackTraces (fn) {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return fn()
  } finally {
    Error.stackTraceLimit = limit
  }
}

function determineNow (catalogue, {life_event: lifeEvent, answers = {}, on, lang}) {
  const event = catalogue.life_events.find((e) => e.code === lifeEvent)
  if (!event) throw new Error(`unknown life event: ${lifeEvent}`)
  on = on || todayInTokyo()
  today = parseDate(on)
  lang = catalogueLang(lang)
  const words = catalogue.messages[lang]
  const questions = Object.fromEntries(catalogue.questions.map((q) => [q.id, q]))
  const {variables, unknown} = bind(answers)
  variables.on = on
  const partial = new Set([...unknown].filter((qid) => Array.isArray(answers[qid])))

  const procedures = []
  const wanted = new Set()
  for (const proc of catalogue.procedures) {
    if (!proc.life_events.includes(lifeEvent) || !inForce(proc, on)) continue
    let result = evaluate(proc.when, variables)
    if (result === null && proc.reads.some((q) => partial.has(q))) {
      result = reordered(proc.when, variables, partial)
    }
    if (result === false) continue
    const reasons = [text(proc.reason, lang)]
    if (result === null) {
      proc.reads.forEach((q) => wanted.add(q))
      const open = proc.reads.filter((q) => unknown.has(q) || !(q in answers))
      if (open.length) {
        const names = open.map((q) => text(questions[q].text, lang)).join(words.separator)
        reasons.push(words.to_check_unknown.replace('{questions}', names))
      } else {
        reasons.push(words.to_check_undecided)
      }
    }
    let deadline = null
    if (proc.deadline) {
      const start = answers[proc.deadline.from]
      if (typeof start === 'string' && start !== UNKNOWN) {
        const [y, m, d] = parseDate(start)
        deadline = isoDate([y, m, d + proc.deadline.days])
      } else {
        wanted.add(proc.deadline.from)
      }
    }
    procedures.push({
      code: proc.code,
      name: text(proc.name, lang),
      section: proc.section,
      category: proc.category,
      status: result ? 'applies' : 'to_check',
      reasons,
      documents: proc.documents.map((d) => text(d, lang)),
      deadline,
      online_url: proc.online_url ?? null
    })
  }
  return {
    life_event: lifeEvent,
    on,
    procedures,
    questions: openQuestions(event, questions, answers, variables, wanted, lang)
  }
}

/**
 * The unanswered questions of the life event that can still change the result, in its order.
 * A question with `asked_if` is asked when that holds; while it cannot be decided because a
 * question it reads is unanswered, that question is asked first (and this one waits); when it
 * cannot be decided because of an answered "unknown", this one is asked.
 */
function openQuestions (event, questions, answers, variables, wanted, lang) {
  const asked = new Set()
  const todo = [...wanted].filter((q) => !(q in answers))
  const seen = new Set(todo)
  while (todo.length) {
    const q = questions[todo.pop()]
    if (!q.asked_if) {
      asked.add(q.id)
      continue
    }
    const verdict = evaluate(q.asked_if, variables)
    if (verdict === true) {
      asked.add(q.id)
    } else if (verdict === null) {
      const blockers = q.asked_if_reads.filter((r) => !(r in answers))
      if (!blockers.length) asked.add(q.id)
      for (const r of blockers) {
        if (!seen.has(r)) {
          seen.add(r)
          todo.push(r)
        }
      }
    }
  }
  return event.questions.filter((id) => asked.has(id)).map((id) => {
    const q = questions[id]
    return {
      id,
      text: text(q.text, lang),
      type: q.type,
      choices: q.choices ? q.choices.map((c) => ({value: c.value, text: text(c.text, lang)})) : null
    }
  })
}
