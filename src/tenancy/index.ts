export { TenancyService, type CreatedOrg, type CreatedApp, type CreatedKey, type AppKeyPair, type AppInput, type KeyMode } from './service.js';
export { presentOrg, presentKey, presentApp, presentHub, presentContact } from './present.js';
