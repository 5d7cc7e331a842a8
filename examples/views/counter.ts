import { LiveView, eventHandler } from '../../lib/index.js'
import type { MountContext } from '../../lib/index.js'

export class CounterView extends LiveView {
  static override template = 'counter.njk'
  title = 'Counter'
  pageTitle = 'Counter · fastify-live'
  count = 0

  override mount ({ query }: MountContext) {
    this.count = Number(query.start ?? 0) || 0
  }

  @eventHandler({ description: 'Add one' })
  increment () { this.count += 1 }

  @eventHandler({ description: 'Subtract one' })
  decrement () { this.count -= 1 }

  @eventHandler({ params: { by: { type: 'integer', minimum: 1, maximum: 100 } }, description: 'Add `by`' })
  add ({ by }: { by: number }) { this.count += by }
}
