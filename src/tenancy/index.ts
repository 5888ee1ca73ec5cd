export { MAX_OPERATOR_CREDITS_MICRO, TenancyService, type CreatedOrg, type CreatedApp, type CreatedKey, type AppKeyPair, type AppInput, type AppPatch, type AppWithKeys, type KeyMode } from './service.js';
export { presentOrg, presentKey, presentApp, presentAppKey, presentLedgerEntry, presentHub, presentContact } from './present.js';
