import { EV_ERROR } from './constants.js'
import { debug } from './debug.js'
import { emit } from './emit.js'

export interface LiveErrorDetail { code: string, message: string, handler: string | null }

/**
 * The one place a `live:error` is dispatched. Outside production (the page
 * is in debug mode) it is also written to the console, so a typo in a
 * handler name shows without a listener or the panel.
 */
export function reportError (target: Element | Document, detail: LiveErrorDetail): void {
  if (debug.on) console.error(`live: ${detail.code}${detail.handler ? ` in ${detail.handler}()` : ''}: ${detail.message}`, target)
  emit(target, EV_ERROR, detail)
}
