// Starts Swagger UI on /docs. A file rather than an inline script, so that the page's
// Content-Security-Policy can allow scripts from this origin only (src/middleware/security-headers.ts).
window.ui = SwaggerUIBundle({ dom_id: "#swagger-ui", url: "/openapi.json", persistAuthorization: true });
