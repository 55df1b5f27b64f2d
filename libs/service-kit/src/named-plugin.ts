/**
 * A fastify plugin of ours, with the name fastify's messages and plugin tree (`printPlugins`) give
 * it. Without one, fastify looks for the function among the exports of every loaded module
 * (`require.cache`), twice per registration: 16 % of the CPU of an in-process platform's start under
 * Jest, whose module registry is a proxy (a profile of 2026-12-05, eighth session). The same
 * properties `fastify-plugin` sets, without its `skip-override`: the plugin keeps its own scope.
 */
export const namedPlugin = <P extends object>(name: string, plugin: P): P =>
  Object.defineProperties(plugin, {
    // Configurable: a plugin registered again (another platform in the same process) is named again.
    [Symbol.for('fastify.display-name')]: { value: name, configurable: true },
    [Symbol.for('plugin-meta')]: { value: { name }, configurable: true },
  });
