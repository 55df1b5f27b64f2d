import Fastify from 'fastify';
import { namedPlugin } from '../src/named-plugin';

describe('namedPlugin', () => {
  it('names the plugin in fastify’s plugin tree, and keeps its scope its own', async () => {
    const app = Fastify();
    await app.register(
      namedPlugin('ticketRoutes', async (scope) => {
        scope.decorate('insideOnly', true);
      }),
    );
    await app.ready();
    expect(app.printPlugins()).toContain('ticketRoutes');
    expect(app.hasDecorator('insideOnly')).toBe(false);
    await app.close();
  });

  it('names a plugin again when it is registered again (another platform in the same process)', async () => {
    const routes = async () => undefined;
    expect(() => namedPlugin('first', routes)).not.toThrow();
    expect(() => namedPlugin('second', routes)).not.toThrow();
    expect((routes as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')]).toBe('second');
  });
});
