import type { LiveStats } from './core.js'

// A view's named tasks (`startAsync`, `@background`). A task runs beside the
// view's queue; only its completion re-enters it (through `settled`), so a
// long task never holds up events.

export type TaskSettled = (name: string, result: unknown, error: unknown) => void

export class Tasks {
  readonly #running = new Map<string, AbortController>()
  readonly #stats: LiveStats
  readonly #settled: TaskSettled

  constructor (stats: LiveStats, settled: TaskSettled) {
    this.#stats = stats
    this.#settled = settled
  }

  get size (): number { return this.#running.size }
  names (): string[] { return [...this.#running.keys()] }

  /** Run `fn(signal)` as the task `name`, replacing (cancelling) a running one of that name. */
  start (name: string, fn: (signal: AbortSignal) => unknown): void {
    this.cancel(name)
    const controller = new AbortController()
    this.#running.set(name, controller)
    this.#stats.tasks++
    const settle = (result: unknown, error: unknown): void => {
      if (this.#running.get(name) !== controller) return // cancelled or replaced: dropped
      this.#running.delete(name)
      this.#stats.tasks--
      this.#settled(name, result, error)
    }
    Promise.resolve()
      .then(() => fn(controller.signal))
      .then((result) => settle(result, undefined), (error) => settle(undefined, error ?? new Error('task failed')))
  }

  /** Cancel the task `name`: its signal aborts and its result is dropped. Returns whether one was running. */
  cancel (name: string, reason: Error = new Error(`task "${name}" was cancelled`)): boolean {
    const controller = this.#running.get(name)
    if (controller === undefined) return false
    this.#running.delete(name)
    this.#stats.tasks--
    controller.abort(reason)
    return true
  }
}
