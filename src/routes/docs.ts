import { swaggerUI } from "@hono/swagger-ui";

/**
 * Swagger UI at /docs. Its assets are the pinned swagger-ui-dist, served from public/vendor (no
 * CDN); its start-up code is public/docs-init.js rather than an inline script, so the page's
 * Content-Security-Policy allows scripts from this origin only (middleware/security-headers.ts).
 */
export const docsPage = swaggerUI({
  url: "/openapi.json",
  baseUrl: "/vendor",
  manuallySwaggerUIHtml: (asset) =>
    [
      '<div id="swagger-ui"></div>',
      ...asset.css.map((href) => `<link rel="stylesheet" href="${href}" />`),
      ...asset.js.map((src) => `<script src="${src}"></script>`),
      '<script src="/docs-init.js"></script>',
    ].join("\n"),
});
