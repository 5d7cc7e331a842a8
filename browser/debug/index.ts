// The development debug panel: loaded lazily (a separate bundle) only when
// the page's script tag carries `data-live-debug`, so production pages never
// download it. It lists every view on the page with its handlers, and logs
// events with their time to reply, patch bytes and errors.

interface DebugEntry { dir: 'in' | 'out', frame: any, bytes: number, at: number }
interface HandlerInfo { description?: string, params?: unknown, policies?: Record<string, unknown> }
interface ViewDebug { view: string, handlers: Record<string, HandlerInfo> }
interface LogRow { ref: number, id: string, handler: string, params: unknown, sent: number, ms?: number, bytes: number, error?: string }

const MAX_ROWS = 200

const CSS = `
:host { all: initial; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; color: #1d2329; }
button.toggle { position: fixed; right: 12px; bottom: 12px; z-index: 2147483647; border: 0; border-radius: 14px;
  padding: 5px 10px; background: #1d2329; color: #fff; cursor: pointer; font: inherit; opacity: .85; }
.panel { position: fixed; right: 12px; bottom: 48px; z-index: 2147483647; width: min(640px, calc(100vw - 24px));
  max-height: 70vh; overflow: auto; background: #fff; border: 1px solid #ccd; border-radius: 8px;
  box-shadow: 0 6px 24px rgba(0,0,0,.18); padding: 8px 12px; }
.panel[hidden] { display: none; }
h2 { font-size: 12px; margin: 10px 0 4px; text-transform: uppercase; letter-spacing: .05em; color: #667; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: 2px 6px 2px 0; vertical-align: top; }
th { color: #667; font-weight: normal; } .err { color: #b00; } .muted { color: #889; } code { white-space: pre-wrap; word-break: break-all; }
`

export default function start ({ log }: { log: DebugEntry[] }): void {
  const host = document.createElement('div')
  host.id = 'live-debug'
  host.setAttribute('live-ignore', '')
  const shadow = host.attachShadow({ mode: 'open' })
  shadow.innerHTML = `<style>${CSS}</style><button class="toggle" part="toggle" aria-expanded="false">live</button>
<div class="panel" hidden><h2>Views</h2><div class="views"></div><h2>Events</h2>
<table><thead><tr><th>handler</th><th>params</th><th>reply</th><th>bytes</th></tr></thead><tbody class="log"></tbody></table></div>`
  document.body.append(host)
  const toggle = shadow.querySelector<HTMLButtonElement>('button.toggle')!
  const panel = shadow.querySelector<HTMLDivElement>('.panel')!
  const viewsEl = shadow.querySelector<HTMLDivElement>('.views')!
  const logEl = shadow.querySelector<HTMLTableSectionElement>('.log')!
  toggle.addEventListener('click', () => {
    panel.hidden = !panel.hidden
    toggle.setAttribute('aria-expanded', String(!panel.hidden))
    if (!panel.hidden) renderViews(viewsEl)
  })

  const rows = new Map<number, { row: LogRow, tr: HTMLTableRowElement }>()
  const onEntry = (entry: DebugEntry): void => {
    const f = entry.frame
    if (entry.dir === 'out' && f?.t === 'event') {
      const row: LogRow = { ref: f.ref, id: f.id, handler: f.h, params: f.p, sent: entry.at, bytes: 0 }
      const tr = document.createElement('tr')
      logEl.prepend(tr)
      rows.set(f.ref, { row, tr })
      while (logEl.rows.length > MAX_ROWS) logEl.deleteRow(-1)
      draw(row, tr)
    } else if (entry.dir === 'in' && (f?.t === 'reply' || f?.t === 'error') && rows.has(f.ref)) {
      const { row, tr } = rows.get(f.ref)!
      rows.delete(f.ref)
      row.ms = entry.at - row.sent
      row.bytes += entry.bytes
      if (f.t === 'error') row.error = `${f.code}: ${f.message}`
      draw(row, tr)
    } else if (entry.dir === 'in' && f?.t === 'patch') {
      // A patch before its reply (@loading, a handler that threw) counts for the pending event of that view.
      for (const { row, tr } of rows.values()) {
        if (row.id === f.id) { row.bytes += entry.bytes; draw(row, tr); break }
      }
    }
  }
  for (const entry of log) onEntry(entry)
  document.addEventListener('live:debug', (e) => onEntry((e as CustomEvent<DebugEntry>).detail))
  // views join, leave and reconnect while the overlay is open
  const refresh = (): void => { if (!panel.hidden) renderViews(viewsEl) }
  document.addEventListener('live:connected', refresh)
  document.addEventListener('live:disconnected', refresh)
}

function draw (row: LogRow, tr: HTMLTableRowElement): void {
  tr.replaceChildren(
    cell(row.handler),
    cell(JSON.stringify(row.params), 'code'),
    cell(row.ms === undefined ? '…' : row.error ?? `${row.ms} ms`, row.error === undefined ? undefined : 'err'),
    cell(String(row.bytes)),
  )
}

function cell (text: string, cls?: string): HTMLTableCellElement {
  const td = document.createElement('td')
  td.textContent = text
  if (cls !== undefined) td.className = cls
  return td
}

function renderViews (el: HTMLElement): void {
  el.replaceChildren()
  for (const root of document.querySelectorAll<HTMLElement>('[data-live-root]')) {
    let info: ViewDebug
    try {
      info = JSON.parse(root.getAttribute('data-live-view') ?? '')
    } catch {
      continue
    }
    const title = document.createElement('div')
    title.innerHTML = '<strong></strong> <span class="muted"></span>'
    title.firstElementChild!.textContent = info.view
    title.lastElementChild!.textContent = `#${root.id} ${root.classList.contains('live-connected') ? 'connected' : 'not connected'}`
    const table = document.createElement('table')
    for (const [name, h] of Object.entries(info.handlers)) {
      const tr = table.insertRow()
      tr.append(cell(name), cell(h.description ?? '', 'muted'), cell(h.params === undefined ? 'any' : JSON.stringify(h.params), 'code'),
        cell(Object.keys(h.policies ?? {}).length === 0 ? '' : JSON.stringify(h.policies), 'code'))
    }
    if (table.rows.length === 0) table.insertRow().append(cell('no handlers', 'muted'))
    el.append(title, table)
  }
}
