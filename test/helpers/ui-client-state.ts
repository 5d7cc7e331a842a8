import { LiveView, clientState, eventHandler } from '../../lib/index.js'
import type { MountContext } from '../../lib/index.js'

// The three-view page of the client-state-*.test.ts files: a filter that
// publishes `filter` and `range`, a list and a stats view that listen, all
// embedded in one page. Each test file runs in its own process, so `record`
// is per file.

const ITEMS = [
  { title: 'Write docs', state: 'open' },
  { title: 'Fix bug', state: 'closed' },
  { title: 'Ship it', state: 'open' },
]

export const record = {
  /** Every onClientState call: the view, what arrived, and the property as it was then. */
  received: [] as Array<{ view: string, changes: Record<string, unknown>, before: unknown }>,
  /** Mounts per list name (a reconnect mounts the views again). */
  mounts: {} as Record<string, number>,
}

export class FilterView extends LiveView {
  static override template = 'ui-cs-filter.njk'
  // It listens to the key it publishes, so a loop back to itself would show.
  static override listensTo = ['filter']
  filter = 'all'
  range: Record<string, unknown> = { min: 0, tags: [] }

  override onClientState (changes: Record<string, unknown>) {
    record.received.push({ view: 'filter', changes, before: this.filter })
  }

  @clientState(['filter', 'range']) @eventHandler({ params: ['value'] })
  choose ({ value }: { value: string }) {
    this.filter = value
    this.range = { min: value.length, tags: [value, 'x'], nested: { ok: true } }
  }

  @clientState(['filter']) @eventHandler()
  broken () {
    this.filter = 'broken'
    throw new Error('no filter today')
  }
}

export class ListView extends LiveView {
  static override template = 'ui-cs-list.njk'
  static override listensTo = ['filter', 'range']
  name = 'list'
  filter = 'all'
  range: Record<string, unknown> = { min: 0, tags: [] }
  shown = ITEMS

  override mount ({ props }: MountContext) {
    record.mounts[String(props.name)] = (record.mounts[String(props.name)] ?? 0) + 1
  }

  override onClientState (changes: Record<string, unknown>) {
    record.received.push({ view: this.name, changes, before: this.filter })
    const filter = changes.filter ?? this.filter
    this.shown = filter === 'all' ? ITEMS : ITEMS.filter((i) => i.state === filter)
  }
}

export class StatsView extends LiveView {
  static override template = 'ui-cs-stats.njk'
  static override listensTo = ['filter']
  filter = 'all'
  changes = 0

  override onClientState (changes: Record<string, unknown>) {
    record.received.push({ view: 'stats', changes, before: this.filter })
    this.changes++
  }
}

export class ClientStatePage extends LiveView {
  static override template = 'ui-cs-page.njk'
  static override embeds = { Filter: FilterView, List: ListView, Stats: StatsView }
  title = 'Issues'
  late = false

  @eventHandler() rename () { this.title = 'Issues (renamed)' }
  @eventHandler() addLate () { this.late = true }
}
