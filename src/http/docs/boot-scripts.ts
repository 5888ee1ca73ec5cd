// The two small scripts that start the renderers. They are served as files, not inlined, so the pages'
// Content-Security-Policy can forbid inline scripts; what to render comes from the container's data-spec.
import { ASYNCAPI_CONFIG, REDOC_OPTIONS } from './renderer-options.js';

export const REDOC_BOOT = `'use strict';
(function () {
  var el = document.getElementById('reference');
  Redoc.init(el.dataset.spec, ${JSON.stringify(REDOC_OPTIONS)}, el);
})();
`;

export const ASYNCAPI_BOOT = `'use strict';
(function () {
  var el = document.getElementById('reference');
  AsyncApiStandalone.render({ schema: { url: el.dataset.spec, requestOptions: { credentials: 'same-origin' } }, config: ${JSON.stringify(ASYNCAPI_CONFIG)} }, el);
})();
`;
