import { setTimeout as wait } from 'node:timers/promises'
import { LiveView, background, eventHandler, loading, optimistic, permissionRequired, throttle } from '../../lib/index.js'
import type { LiveEvent, MountContext } from '../../lib/index.js'
import { roleOf } from '../roles.js'

// A deploy console: five decorators on one page. The waits stand in for
// real work (a database, a CI system) so each decorator's effect is visible.

/** How long the fake work takes, in ms. */
const LATENCY = { star: 600, save: 800, deployStep: 700 }
const STEPS = ['Build image', 'Run tests', 'Push to registry', 'Roll out to 3 pods', 'Health check']
const MAX_NOTES = 500

export class DeployView extends LiveView {
  static override template = 'deploys.njk'
  title = 'Deploys'
  pageTitle = 'Deploys · fastify-live'
  role = 'guest'
  version = 41
  // @throttle
  refreshes = 0
  // @optimistic
  starred = false
  stars = 12
  // @loading
  notes = ''
  savedNotes = ''
  saving = false
  // @background
  deployState: 'idle' | 'running' | 'done' | 'cancelled' = 'idle'
  deployStep = 0
  steps = STEPS

  override mount ({ request }: MountContext) {
    this.role = roleOf(request)
  }

  @eventHandler({ description: 'Refresh the metrics: at most once a second, however fast one clicks' })
  @throttle(1000)
  refresh () { this.refreshes += 1 }

  @eventHandler({ description: 'Star this service: the button changes before the server answers' })
  @optimistic
  async star () {
    await wait(LATENCY.star)
    this.starred = !this.starred
    this.stars += this.starred ? 1 : -1
  }

  @eventHandler({ params: { notes: { type: 'string', maxLength: MAX_NOTES } }, description: 'Save the release notes (slowly)' })
  @loading('saving')
  async saveNotes ({ notes }: { notes: string }) {
    await wait(LATENCY.save)
    this.notes = notes
    this.savedNotes = notes
  }

  @eventHandler({ description: 'Deploy the next version: runs in the background and reports each step' })
  @background
  async deploy (_params: unknown, event: LiveEvent) {
    this.deployState = 'running'
    for (let step = 1; step <= STEPS.length; step++) {
      this.deployStep = step
      await this.push()
      await wait(LATENCY.deployStep, undefined, { signal: event.signal }).catch(() => {})
      if (event.signal.aborted) return
    }
    this.deployStep = STEPS.length + 1
    this.deployState = 'done'
    this.version += 1
  }

  @eventHandler({ description: 'Cancel the running deploy' })
  cancelDeploy () {
    if (this.cancelAsync('deploy')) this.deployState = 'cancelled'
  }

  @eventHandler({ description: 'Roll back one version (admins only)' })
  @permissionRequired('deploy.rollback')
  rollBack () {
    this.version -= 1
    this.deployState = 'idle'
    this.deployStep = 0
  }
}
