/**
 * A view's last render: what the browser holds, and what the next render's
 * delta is computed against (lib/diff.ts).
 *
 * A large render is kept as UTF-8 bytes, in a buffer the session reuses from
 * render to render, outside the JS heap. Kept as a string it lived from one
 * event to the next: each young-generation collection in between copied it,
 * the next promoted it, and the event after made it old-generation garbage.
 * With 1,000 sessions of a 16 KB table that was over half of the time spent
 * in those collections (docs/performance.md, "What each design choice
 * buys"). Reading it back costs one UTF-8 decode per event.
 */
import { Differ, type Delta } from './diff.js'

export class LastRender {
  #text = ''
  #bytes: Buffer | null = null
  #length = 0
  /** The render as a JSON string, UTF-8 encoded (`json()`); dropped when the render changes. */
  #json: Buffer | null = null
  readonly #differ = new Differ()

  get text (): string {
    return this.#bytes === null ? this.#text : this.#bytes.toString('utf8', 0, this.#length)
  }

  /**
   * The render as a JSON string (`"<p>…"`), UTF-8 encoded: made once per
   * render, so that a client asking again and again for the same full
   * render (a `render` frame) costs a copy of bytes each time, not a decode,
   * a JSON escape, a measure and an encode of the whole HTML (about 1.5 ms
   * for 173 KB, most of a flood's cost in a profile).
   */
  json (): Buffer {
    return (this.#json ??= Buffer.from(JSON.stringify(this.text)))
  }

  /** Replace the render, with no delta from the one before (a first render, a remount). */
  set text (html: string) {
    this.#differ.reset()
    this.#keep(html)
  }

  /**
   * Replace the render with one that many views hold alike (a broadcast's
   * shared render, Session#rendered): kept as the string itself, one copy
   * for all of them rather than one buffer each, and read back without a
   * decode. A later render of this view's own goes back to a buffer.
   */
  share (html: string): void {
    this.#differ.reset()
    this.#json = null
    this.#text = flatten(html)
    this.#bytes = null
  }

  /**
   * Replace the render and return what changed: the delta from the one
   * before, or `null` when only the full HTML will do.
   */
  next (html: string, before = this.text): Delta | null {
    const d = this.#differ.delta(before, html)
    this.#keep(html)
    return d
  }

  #keep (html: string): void {
    this.#json = null
    // Small renders cost less as strings than as buffers; a lone surrogate
    // would not survive UTF-8, so such a render stays a string too.
    if (html.length < BYTES_FROM || !(html as unknown as WellFormed).isWellFormed()) {
      this.#text = flatten(html)
      this.#bytes = null
      return
    }
    const need = Buffer.byteLength(html)
    let bytes = this.#bytes
    if (bytes === null || bytes.length < need || bytes.length > need + 4 * SLACK) {
      bytes = this.#bytes = Buffer.allocUnsafeSlow(need + SLACK)
    }
    this.#length = bytes.write(html)
    this.#text = ''
  }
}

/** Renders from this many characters on are kept as bytes. */
const BYTES_FROM = 4096
/** Room to grow a buffer by before it is replaced (a toggled attribute, a longer number). */
const SLACK = 256

interface WellFormed { isWellFormed (): boolean }

/**
 * A template's output is a rope of every piece it concatenated: about three
 * times the size of its text (45 KiB for a 16 KB table). Reading it through
 * a builtin that scans it makes V8 flatten it in place.
 */
function flatten (html: string): string {
  html.indexOf('\0')
  return html
}
