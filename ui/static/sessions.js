// The sessions view.
import { h } from './dom.js';

export class SessionsView {
  constructor(root) { root.append(h('p', { class: 'muted' }, 'sessions')); }
  close() {}
}
