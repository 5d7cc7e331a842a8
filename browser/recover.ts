import { BINDINGS, RECOVER, RECOVER_IGNORE, RECOVER_MAX_FORMS, ROOT } from './constants.js'
import { serialize } from './form.js'
import type { Params } from './socket.js'
import { warnOnce } from './warn.js'

// Form recovery (docs/reconnects.md): a view that was mounted anew after a
// reconnect (nothing was parked) lost what the page's forms held on the
// server. Before the new render is shown, each form sends what it holds now,
// as its live-change would, so the view renders it back.

export interface RecoveredForm { h: string, p: Params }

/** The handler that recovers `form`: its live-recover, else the live-change on it or on one of its controls. */
function recoveryHandler (form: HTMLFormElement): string | null {
  const named = form.getAttribute(RECOVER)
  if (named === RECOVER_IGNORE) return null
  if (named) return named
  const own = form.getAttribute(BINDINGS.change)
  if (own) return own
  // form.elements includes controls outside the form that name it with form="id"
  for (const el of form.elements) {
    const h = el.getAttribute(BINDINGS.change)
    if (h) return h
  }
  return null
}

/** The `<form id>`s of `root` (not of a nested root) to recover, with their fields. */
export function recoverableForms (root: Element): RecoveredForm[] {
  const forms: RecoveredForm[] = []
  for (const form of root.querySelectorAll<HTMLFormElement>('form[id]')) {
    if (form.parentElement?.closest(`[${ROOT}]`) !== root) continue
    const h = recoveryHandler(form)
    if (h === null) continue
    if (forms.length === RECOVER_MAX_FORMS) {
      warnOnce(form, RECOVER, `not recovered: a view recovers at most ${RECOVER_MAX_FORMS} forms`)
      continue
    }
    const p = serialize(form)
    // as if its first field had changed, so a handler that reads _target finds one
    const first = Object.keys(p)[0]
    if (first !== undefined) p._target = first
    forms.push({ h, p })
  }
  return forms
}
