import type { Page } from 'playwright-core'
import { LiveView, eventHandler, loading, optimistic, permissionRequired } from '../../lib/index.js'
import type { MountContext } from '../../lib/index.js'

// The view and page probes of the optimistic-*.test.ts files. Each test file
// runs in its own process, so `record` is per file.

export const record = {
  /** What the server received, in order. */
  calls: [] as Array<{ handler: string, params: Record<string, unknown> }>,
  /** `act` waits for the gate named by its `which` or `field` param, if the test set one. */
  gates: {} as Record<string, Promise<void>>,
}

/**
 * Every button of ui-optimistic.njk calls `h` (`?h=guarded` for the handler
 * nobody may call); `?fail=1` (or a `data-fail` param) makes `act` throw
 * after counting the call in `n`; `data-late` after also setting its field.
 */
export class OptimisticView extends LiveView {
  static override template = 'ui-optimistic.njk'
  h = 'act'
  failing = false
  n = 0
  isBusy = false
  a = ''
  b = ''
  agreed = false
  name = 'ada'
  pick = 'x'
  note = 'first draft'

  override mount ({ query }: MountContext) {
    if (typeof query.h === 'string') this.h = query.h
    this.failing = query.fail === '1'
  }

  @optimistic @loading('isBusy') @eventHandler()
  async act (p: { which?: 'a' | 'b', field?: 'agreed' | 'name' | 'pick' | 'note', value?: never, fail?: string, late?: string }) {
    record.calls.push({ handler: 'act', params: p })
    await record.gates[p.which ?? p.field ?? '']
    // A failing call changes `n` (rendered before the error), but not what it was asked to change.
    this.n++
    // `data-late`: change the field, then throw (the change is kept and rendered, like any function's)
    if (p.late !== undefined && p.field !== undefined) this[p.field] = p.value!
    if (this.failing || p.fail !== undefined || p.late !== undefined) throw new Error('refused by the test')
    if (p.field !== undefined) this[p.field] = p.value!
    if (p.which !== undefined) this[p.which] = 'done'
  }

  /** Succeeds and changes nothing: its reply is a bare ack. */
  @optimistic @eventHandler()
  still (p: Record<string, unknown>) {
    record.calls.push({ handler: 'still', params: p })
  }

  @optimistic() @permissionRequired('opt.write') @eventHandler()
  guarded (p: Record<string, unknown>) {
    record.calls.push({ handler: 'guarded', params: p })
    this.n++
  }
}

export interface Snap {
  classes: string[]
  attrs: Record<string, string>
  html: string
  hidden: boolean
  checked: boolean
  value: string
}

/**
 * Page probes: `__snap(id)` describes an element (without the bundle's
 * in-flight marks); with `__probe` set, `__atSend` is its look when the
 * event frame leaves and `__atEvent` its look in a window listener of the
 * same click/change (after the bundle's document listener), with whether the
 * frame had been sent by then.
 */
export async function installProbes (page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as any
    const MARKS = new Set(['id', 'class', 'aria-busy', 'live-click', 'live-change', 'live-optimistic'])
    w.__snap = (id: string) => {
      const el = document.getElementById(id) as HTMLInputElement
      return {
        classes: [...el.classList].filter((c) => c !== 'live-pending').sort(),
        attrs: Object.fromEntries([...el.attributes].filter((a) => !MARKS.has(a.name)).map((a) => [a.name, a.value])),
        html: el.innerHTML,
        hidden: el.hidden,
        checked: el.checked ?? false,
        value: el.value ?? '',
      }
    }
    w.__probe = null
    w.__live.onSend = (f: { t: string }) => {
      if (f.t === 'event' && w.__probe) w.__atSend = w.__snap(w.__probe)
    }
    for (const type of ['click', 'change']) {
      window.addEventListener(type, () => {
        if (w.__probe) w.__atEvent = { snap: w.__snap(w.__probe), sent: w.__live.wire.some((e: any) => e.dir === 'out' && e.frame.t === 'event') }
      })
    }
  })
}

export async function snap (page: Page, id: string): Promise<Snap> {
  return await page.evaluate((id) => (window as any).__snap(id), id)
}

export async function probe (page: Page, id: string): Promise<void> {
  await page.evaluate((id) => { (window as any).__probe = id }, id)
}

export async function atSend (page: Page): Promise<{ atSend: Snap, atEvent: { snap: Snap, sent: boolean } }> {
  return await page.evaluate(() => ({ atSend: (window as any).__atSend, atEvent: (window as any).__atEvent }))
}

/** Click like a user; a hidden element is clicked from script (a user could not reach it). */
export async function press (page: Page, id: string): Promise<void> {
  if (await page.$eval(`#${id}`, (el) => (el as HTMLElement).hidden)) await page.$eval(`#${id}`, (el) => (el as HTMLElement).click())
  else await page.click(`#${id}`)
}
