import type { Page } from 'playwright-core'
import { LiveView, debounce, eventHandler, loading, optimistic, permissionRequired } from '../../lib/index.js'

// The views and panel readers of the debug-panel-*.test.ts files. Each test
// file runs in its own process, so `record` is per file.

export const record = {
  /** `save` waits for this, if set; `entered`/`released` are Date.now() stamps. */
  hold: undefined as Promise<void> | undefined,
  entered: 0,
}

export class DebugSide extends LiveView {
  static override template = 'ui-debug-side.njk'
  pings = 0

  @eventHandler() ping () { this.pings++ }
}

export class DebugPage extends LiveView {
  static override template = 'ui-debug.njk'
  static override embeds = { Side: DebugSide }
  saved = 0
  isSaving = false
  query = ''

  @eventHandler({ description: 'Save the item', params: { itemId: { type: 'integer' } } })
  @loading('isSaving') @permissionRequired('items.write') @optimistic
  async save ({ itemId }: { itemId: number }) {
    record.entered = Date.now()
    await record.hold
    this.saved = itemId
  }

  @debounce(50) @eventHandler({ description: 'Filter as you type', params: ['value'] })
  search ({ value }: { value: string }) { this.query = value }

  @eventHandler() boom () { throw new Error('kaboom') }
}

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
