// A pass-through worker in front of floor.js: the layering of `npm start`, where the assets
// router (scripts/lib/assets-router.js) hands every upgrade to the worker, which hands it to the
// object. Measures what each worker a socket passes through costs while the socket is open.
export default {
  fetch: (request, env) => env.WORKER.fetch(request),
};
