// The two benchmark views, as data and behaviour every peer shares: the
// initial state of a session, what each event does to it, and which event a
// load-client session sends next. The markup lives in counter.njk / table.njk.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import nunjucks from 'nunjucks'

export const VIEWS_DIR = fileURLToPath(new URL('.', import.meta.url))
export const VIEW_NAMES = ['counter', 'table']
export const TABLE_ROWS = 100

// Deterministic rows, so every peer renders byte-identical content.
export function makeRows (n = TABLE_ROWS) {
  const rows = new Array(n)
  for (let i = 0; i < n; i++) {
    const id = i + 1
    rows[i] = {
      id,
      name: `Item ${String(id).padStart(3, '0')}`,
      price: (((id * 7919) % 10000) / 100).toFixed(2),
      checked: false
    }
  }
  return rows
}

export function initialState (view) {
  if (view === 'counter') return { count: 0 }
  if (view === 'table') return { rows: makeRows() }
  throw new Error(`unknown view ${view}`)
}

// Applies handler `h` with params `p` to a session's state. Params arrive as
// strings, the way a browser sends data-* / phx-value-* / form values.
export function applyEvent (view, state, h, p) {
  if (view === 'counter' && h === 'inc') {
    state.count += 1
    return
  }
  if (view === 'table' && h === 'toggle') {
    const row = state.rows[Number(p.id) - 1]
    if (!row) throw new Error(`no row ${p && p.id}`)
    row.checked = !row.checked
    return
  }
  throw new Error(`unknown handler ${view}.${h}`)
}

// The n-th event of load-client session `session`. Table sessions start at
// different rows and walk the table, so each reply changes exactly one row
// and consecutive events toggle different rows.
export function nextEvent (view, session, n) {
  if (view === 'counter') return { h: 'inc', p: {} }
  return { h: 'toggle', p: { id: String(((session * 37 + n) % TABLE_ROWS) + 1) } }
}

// One Nunjucks environment over bench/views with autoescape on. Templates
// are compiled once and cached by the environment.
export function createEnv () {
  return new nunjucks.Environment(new nunjucks.FileSystemLoader(VIEWS_DIR), { autoescape: true })
}

// Compiles a view's template for a peer whose client reads other attribute
// names than fastify-live's: `click` replaces live-click, `idAttr` data-id.
// The substitution happens once, in the source, so every peer renders a
// template of the same shape at the same cost.
export function compileView (env, view, { click, idAttr } = {}) {
  const file = path.join(VIEWS_DIR, `${view}.njk`)
  let src = readFileSync(file, 'utf8')
  if (click) src = src.replaceAll(' live-click=', ` ${click}=`)
  if (idAttr) src = src.replaceAll(' data-id=', ` ${idAttr}=`)
  return new nunjucks.Template(src, env, file, true)
}

// Collapses formatting whitespace, so markup from two template engines can be
// compared (used by the LiveViewJS peer's start-up parity check).
export function normalizeHtml (html) {
  return String(html).replace(/>\s+</g, '><').replace(/\s+/g, ' ').trim()
}
