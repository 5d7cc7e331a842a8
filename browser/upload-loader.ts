import { DROP_TARGET, EV_PATCHED, UPLOAD } from './constants.js'
import type { LiveRoot } from './root.js'

/** What the uploads bundle (browser/uploads.ts) is given: it is a separate bundle, so it shares no module state with this one. */
export interface UploadContext { rootOf (el: Element): LiveRoot | undefined }

/**
 * Uploads are a bundle of their own, fetched once the page shows an upload
 * input or a drop target (at start, or after a render): most pages never
 * upload, and the main bundle stays within its size budget.
 */
export function loadUploads (url: string, ctx: UploadContext): void {
  const check = (): void => {
    if (!document.querySelector(`[${UPLOAD}],[${DROP_TARGET}]`)) return
    document.removeEventListener(EV_PATCHED, check)
    import(url)
      .then((m: { default: (ctx: UploadContext) => void }) => m.default(ctx))
      .catch((err) => console.error('live: the uploads bundle failed to load', err))
  }
  document.addEventListener(EV_PATCHED, check)
  check()
}
