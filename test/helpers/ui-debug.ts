import type { Page } from 'playwright-core'

// Readers of the debug panel, for the debug-panel-*.test.ts files (their
// views are in test/fixtures/debug-views.ts).

export interface PanelView { title: string, status: string, handlers: string[][] }

/** The views the open panel lists: title, "#id connected", and one row of cells per handler. */
export async function panelViews (page: Page): Promise<PanelView[]> {
  return await page.evaluate(() => {
    const shadow = document.getElementById('live-debug')!.shadowRoot!
    const out: Array<{ title: string, status: string, handlers: string[][] }> = []
    const kids = [...shadow.querySelector('.views')!.children]
    for (let i = 0; i < kids.length; i += 2) {
      out.push({
        title: kids[i]!.querySelector('strong')!.textContent!,
        status: kids[i]!.querySelector('span')!.textContent!,
        handlers: [...(kids[i + 1] as HTMLTableElement).rows].map((r) => [...r.cells].map((c) => c.textContent!)),
      })
    }
    return out
  })
}

/** The event log, newest first: [handler, params, reply, bytes] and whether the reply cell is an error. */
export async function panelLog (page: Page): Promise<Array<{ cells: string[], error: boolean }>> {
  return await page.evaluate(() => [...document.getElementById('live-debug')!.shadowRoot!.querySelectorAll('tbody.log tr')]
    .map((tr) => ({ cells: [...(tr as HTMLTableRowElement).cells].map((c) => c.textContent!), error: (tr as HTMLTableRowElement).cells[2]!.classList.contains('err') })))
}

export async function panelOpen (page: Page): Promise<boolean> {
  return await page.evaluate(() => !document.getElementById('live-debug')!.shadowRoot!.querySelector<HTMLElement>('.panel')!.hidden)
}
