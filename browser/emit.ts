// The one way the bundle dispatches its `live:*` DOM events, so lifecycle and
// error events share a shape: bubbling CustomEvents with a `detail`.
export function emit (target: EventTarget, name: string, detail: unknown = null): void {
  target.dispatchEvent(new CustomEvent(name, { bubbles: true, detail }))
}
