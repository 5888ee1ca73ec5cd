// How the two renderers present the documents: chosen for someone reading the reference start to end
// (responses and samples open, system fonts since no web font is fetched, the raw document one click away).

/** Redoc's options (a subset of its RedocRawOptions; the names are Redoc's). */
export const REDOC_OPTIONS = {
  // The page's own header sits above Redoc: anchors and the sticky menu start below it.
  scrollYOffset: 'body > header',
  expandResponses: '200,201,202',
  jsonSampleExpandLevel: 3,
  schemaExpansionLevel: 1,
  requiredPropsFirst: true,
  pathInMiddlePanel: true,
  showObjectSchemaExamples: true,
  hideDownloadButton: false,
  downloadFileName: 'openapi.json',
  hideHostname: true,
  expandSingleSchemaField: true,
  showExtensions: false,
  theme: {
    spacing: { sectionVertical: 28 },
    typography: {
      fontSize: '15px',
      lineHeight: '1.6',
      fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
      headings: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif', fontWeight: '600' },
      code: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace', fontSize: '13px' },
      links: { color: '#1f5fbf' },
    },
    colors: { primary: { main: '#1f5fbf' } },
    sidebar: { width: '280px', backgroundColor: '#f6f7f9' },
    rightPanel: { backgroundColor: '#1f2933', width: '42%' },
  },
} as const;

/** @asyncapi/react-component's config (its ConfigInterface, without functions: it travels as JSON). */
export const ASYNCAPI_CONFIG = {
  show: { sidebar: true, info: true, servers: true, operations: true, messages: true, messageExamples: true, schemas: true, errors: true },
  expand: { messageExamples: true },
  sidebar: { showServers: 'byDefault', showOperations: 'byDefault' },
} as const;
