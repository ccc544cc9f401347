// The cluster view.
import { h } from './dom.js';

export class ClusterView {
  constructor(root) { root.append(h('p', { class: 'muted' }, 'cluster')); }
  close() {}
}
