export { developerRestRoutes, REST_PREFIX } from './rest-routes.js';
export { developerSdkRoutes, SDK_PREFIX } from './sdk-routes.js';
export { videoPageRoutes } from './pages.js';
