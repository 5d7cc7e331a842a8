import type { Page } from 'playwright-core'

// The page probes of the optimistic-*.test.ts files (their view is in
// test/fixtures/optimistic-views.ts).

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
