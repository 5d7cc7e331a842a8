import { LiveView, eventHandler, clientState } from '../../lib/index.js'

// Three views on one page, one socket: the filter publishes `category` on the
// page's client-state bus; the list and the stats listen to it.

const ITEMS = [
  { id: 1, name: 'Laptop', category: 'tech' }, { id: 2, name: 'Phone', category: 'tech' },
  { id: 3, name: 'Desk', category: 'office' }, { id: 4, name: 'Chair', category: 'office' },
  { id: 5, name: 'Lamp', category: 'home' }, { id: 6, name: 'Headphones', category: 'tech' },
]

export class FilterView extends LiveView {
  static override template = 'dashboard-filter.njk'
  category = 'all'
  categories = ['all', 'tech', 'office', 'home']

  @eventHandler({ params: { value: { enum: ['all', 'tech', 'office', 'home'] } }, description: 'Choose a category' })
  @clientState(['category'])
  choose ({ value }: { value: string }) { this.category = value }
}

export class ListView extends LiveView {
  static override template = 'dashboard-list.njk'
  static override listensTo = ['category']
  category = 'all'
  shown = ITEMS

  override onClientState (changes: Record<string, unknown>) {
    const category = String(changes.category)
    this.shown = category === 'all' ? ITEMS : ITEMS.filter((i) => i.category === category)
  }
}

export class StatsView extends LiveView {
  static override template = 'dashboard-stats.njk'
  static override listensTo = ['category']
  category = 'all'
  changes = 0
  override onClientState () { this.changes += 1 }
}

export class DashboardView extends LiveView {
  static override template = 'dashboard.njk'
  static override embeds = { Filter: FilterView, List: ListView, Stats: StatsView }
  title = 'Dashboard'
  pageTitle = 'Dashboard · fastify-live'
}
