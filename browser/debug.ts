import { EV_DEBUG } from './constants.js'
import { emit } from './emit.js'

export interface DebugEntry { dir: 'in' | 'out', frame: unknown, bytes: number, at: number }

// Off unless the page opts in: the socket checks `debug.on` before calling
// tap(), so production pays one property read per frame.
export const debug = { on: false, log: [] as DebugEntry[] }

const LOG_MAX = 500

let utf8: TextEncoder | undefined

export function tap (dir: DebugEntry['dir'], frame: unknown, raw: string): void {
  // TextEncoder, not a Blob: a Blob goes through the browser's blob registry.
  const entry: DebugEntry = { dir, frame, bytes: (utf8 ??= new TextEncoder()).encode(raw).length, at: Date.now() }
  // The panel loads lazily; the log lets it show the frames sent before it came.
  if (debug.log.push(entry) > LOG_MAX) debug.log.shift()
  emit(document, EV_DEBUG, entry)
}
