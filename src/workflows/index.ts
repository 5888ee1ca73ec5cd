export { WorkflowEngine, type WorkflowOptions, type EnqueueInput } from './engine.js';
export { ATTEMPTS_EXHAUSTED, PermanentStageError, RetryableStageError, type Stage, type StageContext, type RetryOutcome, type Transition, type WorkflowDefinition, type WorkflowHooks } from './types.js';
