// The uploads bundle (docs/uploads.md), loaded by browser/upload-loader.ts
// once a page has an upload input or a drop target. Files chosen or dropped
// are announced to the view (name, size, type), which validates them; each
// valid one goes in one PUT to the URL the server signed for it. Progress,
// errors and cancels are the server's, rendered like any state.
import { DROP_TARGET, EV_PATCHED, UPLOAD, UPLOAD_PREVIEW } from './constants.js'
import type { UploadContext } from './upload-loader.js'

/** Files one announce carries at most (the server's protocol limit). */
const MAX_FILES = 100
/** Object URLs of previews held at once; past it the oldest are revoked. */
const MAX_PREVIEWS = 100

/** Entry ref → the object URL of its image, shown by `<img live-upload-preview="ref">` before (and while) it uploads. */
const previews = new Map<string, string>()
/** Refs whose PUT is in flight: their previews stay even when no element shows them. */
const sending = new Set<string>()

export default function start (ctx: UploadContext): void {
  document.addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement
    if (!(input instanceof HTMLInputElement) || input.type !== 'file' || !input.hasAttribute(UPLOAD)) return
    const files = [...(input.files ?? [])]
    // The server holds the entries now; cleared, the same file can be chosen again.
    input.value = ''
    void announce(ctx, input, input.getAttribute(UPLOAD)!, files)
  })
  document.addEventListener('dragover', (e) => {
    if (dropTarget(e) !== null) e.preventDefault()
  })
  document.addEventListener('drop', (e) => {
    const el = dropTarget(e)
    if (el === null) return
    e.preventDefault()
    void announce(ctx, el, el.getAttribute(DROP_TARGET)!, [...(e.dataTransfer?.files ?? [])])
  })
  document.addEventListener(EV_PATCHED, showPreviews)
  ;(window as unknown as { live: { uploads?: unknown } }).live.uploads = { previews }
}

const dropTarget = (e: DragEvent): Element | null => (e.target as Element).closest?.(`[${DROP_TARGET}]`) ?? null

async function announce (ctx: UploadContext, el: Element, name: string, files: File[]): Promise<void> {
  const root = ctx.rootOf(el)
  if (root === undefined || files.length === 0) return
  files = files.slice(0, MAX_FILES)
  const up = await root.upload(name, files.map((f) => ({ name: f.name, size: f.size, type: f.type })))
  for (const [i, url, ref] of up) {
    const file = files[i]
    if (file === undefined) continue
    if (file.type.startsWith('image/')) preview(ref, URL.createObjectURL(file))
    sending.add(ref)
    // A cancel (or a refusal) cuts the connection: the view's render says what happened.
    fetch(url, { method: 'PUT', body: file, headers: { 'content-type': 'application/octet-stream' }, credentials: 'same-origin' })
      .catch(() => {})
      .finally(() => { sending.delete(ref) })
  }
  showPreviews()
}

function preview (ref: string, url: string): void {
  previews.set(ref, url)
  if (previews.size <= MAX_PREVIEWS) return
  const [oldest, old] = previews.entries().next().value as [string, string]
  URL.revokeObjectURL(old)
  previews.delete(oldest)
}

/** Renders reset `src` to the server's HTML (it has none): put the previews back, and revoke those nothing shows any more. */
function showPreviews (): void {
  const shown = new Set<string>()
  for (const img of document.querySelectorAll<HTMLImageElement>(`img[${UPLOAD_PREVIEW}]`)) {
    const ref = img.getAttribute(UPLOAD_PREVIEW)!
    const url = previews.get(ref)
    if (url === undefined) continue
    shown.add(ref)
    if (img.getAttribute('src') !== url) img.src = url
  }
  for (const [ref, url] of previews) {
    if (shown.has(ref) || sending.has(ref)) continue
    URL.revokeObjectURL(url)
    previews.delete(ref)
  }
}
