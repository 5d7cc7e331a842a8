import type { Params } from './socket.js'

// The value a single control contributes, as the bundle sends it for
// live-input / live-change / keys / focus / blur. A checkbox or radio sends
// its value (or true) when checked and false when not, so the server can tell.
export function controlValue (el: Element): unknown {
  if (el instanceof HTMLInputElement) {
    if (el.type === 'checkbox' || el.type === 'radio') return el.checked ? el.getAttribute('value') ?? true : false
    return el.value
  }
  if (el instanceof HTMLSelectElement) return el.multiple ? [...el.selectedOptions].map((o) => o.value) : el.value
  if (el instanceof HTMLTextAreaElement) return el.value
  return undefined
}

const SKIP = /^(submit|button|reset|image|file)$/

/**
 * A form's named, enabled fields. Unchecked boxes are omitted; a name used by
 * several checkboxes, or by several fields, gives an array; a multi-select is
 * always an array; the submitter contributes its own name/value.
 */
export function serialize (form: HTMLFormElement, submitter?: HTMLElement | null): Params {
  const p: Params = {}
  const boxes = new Map<string, number>()
  const seen = new Set<string>()
  for (const el of form.elements) {
    if ((el as HTMLInputElement).type === 'checkbox') {
      const name = (el as HTMLInputElement).name
      boxes.set(name, (boxes.get(name) ?? 0) + 1)
    }
  }
  const add = (name: string, value: unknown, list: boolean): void => {
    const prev = p[name]
    if (list || seen.has(name)) p[name] = Array.isArray(prev) ? [...prev, value] : prev === undefined ? [value] : [prev, value]
    else p[name] = value
    seen.add(name)
  }
  for (const el of form.elements as HTMLCollectionOf<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) {
    const name = el.name
    if (!name || el.matches(':disabled') || SKIP.test(el.type)) continue
    if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) {
      if (el.checked) add(name, controlValue(el), (boxes.get(name) ?? 0) > 1)
    } else if (el instanceof HTMLSelectElement && el.multiple) {
      // several selects of one name still merge into one list
      p[name] = seen.has(name) ? [...(p[name] as unknown[]), ...(controlValue(el) as unknown[])] : controlValue(el)
      seen.add(name)
    } else if (el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement) {
      add(name, el.value, false)
    }
  }
  const s = submitter as HTMLButtonElement | null | undefined
  if (s?.name && !s.disabled) add(s.name, s.value, false)
  return p
}

/**
 * What `live-change` / `live-input` on a form send: its fields plus
 * `_target`, the name of the control that changed (Phoenix's convention).
 */
export function formChange (form: HTMLFormElement, target: Element | null): Params {
  const p = serialize(form)
  const name = (target as HTMLInputElement | null)?.name
  if (name) p._target = name
  return p
}
