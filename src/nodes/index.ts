export { NodeRegistry, type ConnectionFilter, type ConnectionView, type NodeMode, type NodeRegistryDeps, type NodeView } from './registry.js';
export type { NodeHistory, NodeStats } from './stats.js';
