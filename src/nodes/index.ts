export { NodeRegistry, SAMPLE_MS, type ConnectionFilter, type ConnectionView, type NodeMode, type NodeRegistryDeps, type NodeView } from './registry.js';
export { SURFACES, type NodeHistory, type NodeStats } from './stats.js';
